/* The VMM's command-line options that other programs pass (xl starts every
 * VMM with them): hvm/main.c parses these names, xl-compat/vmm_spawn.c
 * writes them. */
#ifndef XK_VMM_OPTIONS_H
#define XK_VMM_OPTIONS_H

#define XK_OPT_KERNEL        "kernel"
#define XK_OPT_FIRMWARE      "firmware"
#define XK_OPT_RAMDISK       "ramdisk"
#define XK_OPT_CMDLINE       "cmdline"
#define XK_OPT_MEMORY        "memory"
#define XK_OPT_VCPUS         "vcpus"
#define XK_OPT_MAX_VCPUS     "max-vcpus"
#define XK_OPT_NO_ACPI       "no-acpi"
#define XK_OPT_HYPERCALL_TRANSPORT "hypercall-transport"
#define XK_OPT_DOMID         "domid"
#define XK_OPT_MAX_EVTCHN_PORT "max-evtchn-port"
#define XK_OPT_RUNDIR        "rundir"
#define XK_OPT_XENSTORED     "xenstored"
#define XK_OPT_MAX_GRANT_FRAMES "max-grant-frames"
#define XK_OPT_TEST_GRANT_BACKEND "test-grant-backend"
#define XK_OPT_PAUSED        "paused"
#define XK_OPT_CONSOLE_LOG   "console-log"
#define XK_OPT_READY_FD      "ready-fd"
#define XK_OPT_HOLD_FD       "hold-fd"
#define XK_OPT_UUID          "uuid"
#define XK_OPT_PCI           "pci"
#define XK_OPT_HVM_PIRQ      "hvm-pirq"
#define XK_OPT_RESTORE_FD    "restore-fd"
#define XK_OPT_STATS         "stats"
#define XK_OPT_LIVE_UPDATE_FD "live-update-fd"
#define XK_OPT_CHECK_LU_VERSION "check-live-update-version"
#define XK_OPT_VERBOSE       "verbose"
#define XK_OPT_HELP          "help"

/* "--" OPT, for building an argv. */
#define XK_ARG(opt) "--" opt

#endif
