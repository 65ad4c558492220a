/* Live update (CONTROL live-update): not implemented yet; refuse clearly. */
#include <errno.h>
#include <string.h>
#include "xenstored.h"

int lu_control(const void *ctx, struct conn *c, char **argv, int argc)
{
    const char *msg = "live-update is not supported by this xenstored";

    send_reply(c, XS_CONTROL, msg, strlen(msg) + 1);
    return 0;
}
