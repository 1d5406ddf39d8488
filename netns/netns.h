/* Network namespaces, through netlink (libmnl). */
#pragma once

struct error;

/* Brings up "lo" in the calling process's network namespace. */
int netns_loopback_up(struct error *err);
