/* What xl shutdown and xl reboot share: options, -a, -w. */
#ifndef XL_SHUTDOWN_REBOOT_H
#define XL_SHUTDOWN_REBOOT_H

#include <stdbool.h>

int xl_shutdown_or_reboot(int argc, char **argv, bool reboot);

#endif
