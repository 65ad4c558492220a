/* Acting on a running domain: destroy, the PV control requests of xl
 * shutdown/reboot and waiting for their effect. */
#ifndef XL_DOMAIN_CTL_H
#define XL_DOMAIN_CTL_H

#include <stdbool.h>

/* libxl_domain_destroy: the nodes go, the VMM is stopped, and we wait
 * until nothing of the domain is left.  0 or -errno. */
int xl_domain_destroy(unsigned domid);

/* Write control/shutdown = CMD ("poweroff", "reboot") if the guest has PV
 * control; otherwise, with FALLBACK, stop it hard with that reason.
 * Returns 0, or 1 after printing xl's message. */
int xl_domain_pvcontrol(unsigned domid, const char *cmd, bool fallback);

/* Wait until each domain has shut down (or, with DEATH, is gone); a
 * domain whose VMM is stopped, or does not answer for 10 s, is not waited
 * for.  Returns how many were given up so. */
unsigned xl_wait_domains(const unsigned *domids, unsigned n, bool death);

#endif
