/* xl reboot: ask the guest to reboot through control/shutdown. */
#include <stdbool.h>

#include "shutdown_reboot.h"
#include "xl.h"

int cmd_reboot(int argc, char **argv)
{
    return xl_shutdown_or_reboot(argc, argv, true);
}
