/* xl shutdown: ask the guest to power off through control/shutdown. */
#include <stdbool.h>

#include "shutdown_reboot.h"
#include "xl.h"

int cmd_shutdown(int argc, char **argv)
{
    return xl_shutdown_or_reboot(argc, argv, false);
}
