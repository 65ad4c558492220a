/* Sending a trigger to a domain (xl trigger, xl button-press), as
 * libxl_send_trigger: the names and the error line are libxl's. */
#ifndef XL_TRIGGER_H
#define XL_TRIGGER_H

/* NAME as libxl_trigger_from_string (case-insensitive): its
 * XK_TRIGGER_* in *OUT, or 5 for s3resume; -1 for no trigger. */
int xl_trigger_from_string(const char *name, int *out);
/* Send it; a failure is logged as libxl logs it (xl goes on to exit 0,
 * as xl 4.17 does). */
void xl_send_trigger(unsigned domid, const char *name, int trigger, unsigned vcpu);

#endif
