/* One rtnetlink request at a time, through libmnl: open a socket, send a request, wait for the
 * kernel's acknowledgement. Links, addresses and routes are built on it. */
#pragma once
#include <stdint.h>

struct error;
struct mnl_socket;
struct nlmsghdr;

/* Large enough for any one request berth makes and for the kernel's acknowledgement of it, with
 * the extended-ack message (MNL_SOCKET_BUFFER_SIZE is a call, not a constant). */
#define NL_BUF_SIZE 8192

struct nl {
	struct mnl_socket *sock;
	uint32_t seq;
};

/* A bound NETLINK_ROUTE socket in the caller's network namespace, with extended acks on (the
 * kernel then says why it refuses a request). */
int nl_open(struct nl *nl, struct error *err);
void nl_close(struct nl *nl);

/* Starts a request of type with flags (NLM_F_REQUEST and NLM_F_ACK are added) in buf, which
 * must hold NL_BUF_SIZE bytes. */
struct nlmsghdr *nl_request_start(char *buf, uint16_t type, uint16_t flags);

/* Sends nlh and waits for its acknowledgement. On a refusal the error is "what: strerror"
 * followed by the kernel's own words when it gave any; what names the request ("set lo
 * up"). */
int nl_request(struct nl *nl, struct nlmsghdr *nlh, const char *what, struct error *err);

static inline void cleanup_nlp(struct nl *nl)
{
	nl_close(nl);
}
#define _cleanup_nl_ __attribute__((cleanup(cleanup_nlp)))
