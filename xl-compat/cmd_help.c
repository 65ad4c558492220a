/* xl help [command]. */
#include <stdlib.h>

#include "xl.h"

int cmd_help(int argc, char **argv)
{
    xl_help(argc > 1 ? argv[1] : NULL);
    return EXIT_SUCCESS;
}
