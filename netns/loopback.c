#include "netns/netns.h"

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include "lib/error.h"
#include "netns/netlink.h"

int netns_loopback_up(struct error *err)
{
	_cleanup_nl_ struct nl nl = {0};
	if (nl_open(&nl, err) < 0)
		return error_prefix(err, "loopback");

	unsigned idx = if_nametoindex("lo");
	if (idx == 0)
		idx = 1; /* lo is always ifindex 1 in a fresh network namespace */

	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh = nl_request_start(buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof *ifm);
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = (int)idx;
	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	if (nl_request(&nl, nlh, "set lo up", err) < 0)
		return error_prefix(err, "loopback");
	return 0;
}
