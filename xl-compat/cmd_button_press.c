/* xl button-press <Domain> <power|sleep>: xl 4.17's deprecated spelling
 * of `xl trigger Domain power|sleep` (the same warning first). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dominfo.h"
#include "trigger.h"
#include "xl.h"

int cmd_button_press(int argc, char **argv)
{
    const char *b;
    unsigned domid;
    int trigger;

    fprintf(stderr, "WARNING: \"button-press\" is deprecated. Please use \"trigger\"\n");
    while (xl_getopt(argc, argv, "", NULL, "button-press", 2) != -1)
        ;
    domid = xl_find_domain(argv[optind]);
    b = argv[optind + 1];
    if (strcmp(b, "power") && strcmp(b, "sleep")) {
        fprintf(stderr, "%s is an invalid button identifier\n", b);
        return EXIT_FAILURE;
    }
    xl_trigger_from_string(b, &trigger);
    xl_send_trigger(domid, b, trigger, 0);
    return EXIT_SUCCESS;
}
