/* The console client of `xl console` and `xl create -c`: the terminal
 * (raw when it is one) joined to the domain's PV console socket until the
 * escape character ^] or the domain's end. */
#ifndef XL_CONSOLE_CLIENT_H
#define XL_CONSOLE_CLIENT_H

#define XL_CONSOLE_ESCAPE 0x1d      /* ^] as in xenconsole */

/* Connect to domain DOMID's console socket: the fd, or -1 (errno set). */
int xl_console_connect(unsigned domid);
/* Relay stdin/stdout and the socket; closes FD.  Returns 0 when the user
 * typed ^] or the console closed. */
int xl_console_run(int fd);

#endif
