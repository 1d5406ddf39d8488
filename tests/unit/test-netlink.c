/* netns/netlink: requests acknowledged or refused by the kernel, in a network namespace of the
 * test's own (needs CAP_SYS_ADMIN; skipped without it). */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/error.h"
#include "netns/netlink.h"
#include "netns/netns.h"
#include "tests/unit/tap.h"

static int lo_flags(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = {0};
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	int r = ioctl(s, SIOCGIFFLAGS, &ifr);
	close(s);
	return r < 0 ? -1 : ifr.ifr_flags;
}

static struct nlmsghdr *link_up(char *buf, int ifindex)
{
	struct nlmsghdr *nlh = nl_request_start(buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof *ifm);
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	return nlh;
}

static void test_requests(void)
{
	struct nl nl = {0};
	struct error err = {0};
	char buf[NL_BUF_SIZE];
	ok(nl_open(&nl, &err) == 0, "a netlink socket opens (%s)", err.msg);
	ok((lo_flags() & IFF_UP) == 0, "lo starts down in a new namespace");
	ok(nl_request(&nl, link_up(buf, (int)if_nametoindex("lo")), "set lo up", &err) == 0,
	   "a request the kernel accepts returns 0 (%s)", err.msg);
	ok(lo_flags() & IFF_UP, "and has its effect: lo is up");

	error_clear(&err);
	ok(nl_request(&nl, link_up(buf, 9999), "set link 9999 up", &err) < 0,
	   "a request the kernel refuses fails");
	ok(err.err == ENODEV, "with the kernel's errno (%d)", err.err);
	is_str(err.msg, "set link 9999 up: No such device", "and an error naming the request");

	/* The kernel explains some refusals (extended ack): an IPv4 prefix longer than 32. */
	error_clear(&err);
	struct nlmsghdr *nlh = nl_request_start(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 33;
	ifa->ifa_index = if_nametoindex("lo");
	struct in_addr a;
	inet_pton(AF_INET, "10.9.8.7", &a);
	mnl_attr_put(nlh, IFA_LOCAL, sizeof a, &a);
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof a, &a);
	ok(nl_request(&nl, nlh, "add 10.9.8.7/33 to lo", &err) < 0 && err.err == EINVAL,
	   "an address with a prefix of 33 is refused with EINVAL");
	contains(err.msg, "add 10.9.8.7/33 to lo: Invalid argument: ",
		 "the error names the request and carries the kernel's own words");
	printf("# %s\n", err.msg);

	/* The sequence numbers stay in step after a refusal: the next request is answered. */
	error_clear(&err);
	ok(nl_request(&nl, link_up(buf, (int)if_nametoindex("lo")), "set lo up", &err) == 0,
	   "a request after refusals is acknowledged (%s)", err.msg);
	nl_close(&nl);
	ok(nl.sock == NULL, "nl_close leaves nothing open");
}

static void test_loopback(void)
{
	struct error err = {0};
	ok(unshare(CLONE_NEWNET) == 0, "another new network namespace");
	ok((lo_flags() & IFF_UP) == 0, "lo is down there");
	ok(netns_loopback_up(&err) == 0, "netns_loopback_up succeeds (%s)", err.msg);
	ok(lo_flags() & IFF_UP, "and lo is up");
}

int main(void)
{
	if (unshare(CLONE_NEWNET) < 0) {
		printf("1..0 # SKIP cannot make a network namespace: %s\n", strerror(errno));
		return 0;
	}
	test_requests();
	test_loopback();
	return tap_done();
}
