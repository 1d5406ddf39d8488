#include "netns/netlink.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/error.h"

int nl_open(struct nl *nl, struct error *err)
{
	nl->seq = (uint32_t)time(NULL);
	nl->sock = mnl_socket_open(NETLINK_ROUTE);
	if (nl->sock == NULL)
		return error_errno(err, "open a netlink socket");
	/* Both are hints: a kernel without them still acks, only less helpfully. The capped ack
	 * leaves out the echo of the request, so the answer to a large one fits the buffer. */
	int one = 1;
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof one);
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof one);
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int saved = errno;
		nl_close(nl);
		return error_errnum(err, saved, "bind the netlink socket");
	}
	return 0;
}

void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

struct nlmsghdr *nl_request_start(char *buf, uint16_t type, uint16_t flags)
{
	memset(buf, 0, NL_BUF_SIZE);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	return nlh;
}

/* What the kernel said about a refused request. */
struct ack {
	int errnum;
	char msg[256];
};

static int ext_ack_attr(const struct nlattr *a, void *data)
{
	struct ack *ack = data;
	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		snprintf(ack->msg, sizeof ack->msg, "%s", mnl_attr_get_str(a));
	return MNL_CB_OK;
}

static int on_error(const struct nlmsghdr *nlh, void *data)
{
	struct ack *ack = data;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof *e)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (e->error == 0)
		return MNL_CB_STOP;
	ack->errnum = -e->error;
	/* The extended-ack attributes follow the echoed request, or only its header when the
	 * echo was capped. */
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		size_t off = sizeof *e, len = mnl_nlmsg_get_payload_len(nlh);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof e->msg;
		if (off < len)
			mnl_attr_parse_payload((const char *)e + off, len - off, ext_ack_attr, ack);
	}
	errno = ack->errnum;
	return MNL_CB_ERROR;
}

int nl_request(struct nl *nl, struct nlmsghdr *nlh, const char *what, struct error *err)
{
	nlh->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return error_errno(err, "%s: send the request", what);
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {[NLMSG_ERROR] = on_error};
	uint32_t portid = mnl_socket_get_portid(nl->sock);
	char buf[NL_BUF_SIZE];
	struct ack ack = {0};
	int r = MNL_CB_OK;
	do {
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_errno(err, "%s: read the answer", what);
		r = mnl_cb_run2(buf, (size_t)n, nl->seq, portid, NULL, &ack, ctl, NLMSG_MIN_TYPE);
	} while (r == MNL_CB_OK);
	if (r == MNL_CB_STOP)
		return 0;
	if (ack.errnum == 0)
		return error_errno(err, "%s: a malformed answer", what);
	if (ack.msg[0])
		return error_set(err, ack.errnum, "%s: %s: %s", what, strerror(ack.errnum),
				 ack.msg);
	return error_errnum(err, ack.errnum, "%s", what);
}
