/* The one table of xl commands: name, handler, help (xl(1)'s texts). */
#include "xl.h"

const struct xl_cmd xl_cmd_table[] = {
    { "create", cmd_create, true, true,
      "Create a domain from config file <filename>",
      "<ConfigFile> [options] [vars]",
      "-c                      Connect to the console after the domain is created.\n"
      "-e                      Do not wait in the background for the death of the domain.\n"
      "-F                      Run in foreground until death of the domain.\n"
      "-f FILE, --defconfig=FILE\n                     Use the given configuration file.\n"
      "-h                      Print this help.\n"
      "-n, --dryrun            Dry run - prints the resulting configuration\n"
      "                         (deprecated in favour of global -N option).\n"
      "-p                      Leave the domain paused after it is created.\n"
      "-q, --quiet             Quiet." },
    { "list", cmd_list, false, false,
      "List information about all/some domains",
      "[options] [Domain]\n",
      "-l, --long              Output all VM details\n"
      "-v, --verbose           Prints out UUIDs and security context" },
    { "destroy", cmd_destroy, false, false,
      "Terminate a domain immediately",
      "[options] <Domain>\n",
      "-f                      Permit destroying domain 0 (refused: domain 0 is the host)." },
    { "save", cmd_save, true, false,
      "Save a domain state to restore later",
      "[options] <Domain> <CheckpointFile> [<ConfigFile>]",
      "-h  Print this help.\n"
      "-c  Leave domain running after creating the snapshot.\n"
      "-p  Leave domain paused after creating the snapshot.\n"
      "-D  Store the domain id in the configuration." },
    { "restore", cmd_restore, true, false,
      "Restore a domain from a saved state",
      "[options] [<ConfigFile>] <CheckpointFile>",
      "-h                       Print this help.\n"
      "-p                       Do not unpause domain after restoring it.\n"
      "-e                       Do not wait in the background for the death of the domain.\n"
      "-d                       Enable debug messages.\n"
      "-V, --vncviewer          Connect to the VNC display after the domain is created.\n"
      "-A, --vncviewer-autopass Pass VNC password to viewer via stdin." },
    { "migrate", cmd_migrate, false, false,
      "Migrate a domain to another host",
      "[options] <Domain> <host>",
      "-h              Print this help.\n"
      "-C <config>     Send <config> instead of config file from creation.\n"
      "-s <sshcommand> Use <sshcommand> instead of ssh.  String will be passed\n"
      "                to sh. If empty, run <host> instead of ssh <host> xl\n"
      "                migrate-receive [-d -e]\n"
      "-e              Do not wait in the background (on <host>) for the death\n"
      "                of the domain.\n"
      "--debug         Print huge (!) amount of debug during the migration process.\n"
      "-p              Do not unpause domain after migrating it.\n"
      "--postcopy      (xenkvm's own) Run the domain at the target after the\n"
      "                precopy rounds (none unless --precopy-rounds); the rest\n"
      "                of its memory follows, pages it touches first on demand.\n"
      "                A broken connection pauses both sides: finish with\n"
      "                --postcopy-resume.  If the source dies meanwhile the\n"
      "                domain is lost.\n"
      "--postcopy-resume (xenkvm's own) Reconnect a postcopy paused by a\n"
      "                broken connection: <Domain> is the source's\n"
      "                NAME--migratedaway; <host> runs migrate-receive\n"
      "                --postcopy-resume NAME.\n"
      "--precopy-rounds N (xenkvm's own) At most N rounds while the domain\n"
      "                runs, the first sending every page (default 6: the\n"
      "                first and Xen's 5 iterations; 0 with --postcopy).\n"
      "--max-downtime MS (xenkvm's own) Switch over once the pages still\n"
      "                dirty would go in MS at the rate measured so far." },
    { "migrate-receive", cmd_migrate_receive, false, false,
      "Restore a domain from a saved state",
      "- for internal use only",
      "" },
    { "shutdown", cmd_shutdown, false, false,
      "Issue a shutdown signal to a domain",
      "[options] <-a|Domain>",
      "-a, --all               Shutdown all guest domains.\n"
      "-h                      Print this help.\n"
      "-F                      Fallback to a hard power-off for guests with\n"
      "                        no PV drivers (xenkvm has no ACPI power button).\n"
      "-w, --wait              Wait for guest(s) to shutdown.\n" },
    { "reboot", cmd_reboot, false, false,
      "Issue a reboot signal to a domain",
      "[options] <-a|Domain>",
      "-a, --all               Shutdown all guest domains.\n"
      "-h                      Print this help.\n"
      "-F                      Fallback to a hard reset for guests with\n"
      "                        no PV drivers (xenkvm has no ACPI reset event).\n"
      "-w, --wait              Wait for guest(s) to reboot.\n" },
    { "live-update", cmd_live_update, false, false,
      "Replace the VMM binary of running domains, guests kept running (xenkvm's own)",
      "[--binary PATH] -a | <Domain>...",
      "-b PATH, --binary=PATH  The new VMM binary (default: the one xl starts).\n"
      "-a, --all               Every domain (a host upgrade)." },
    { "pause", cmd_pause, false, false,
      "Pause execution of a domain",
      "<Domain>", NULL },
    { "unpause", cmd_unpause, false, false,
      "Unpause a paused domain",
      "<Domain>", NULL },
    { "console", cmd_console, false, false,
      "Attach to domain's console",
      "[options] <Domain>\n"
      "-t <type>       console type, pv , serial or vuart\n"
      "-n <number>     console number", NULL },
    { "mem-set", cmd_mem_set, false, false,
      "Set the current memory usage for a domain",
      "<Domain> <MemMB['b'[bytes]|'k'[KB]|'m'[MB]|'g'[GB]|'t'[TB]]>", NULL },
    { "mem-max", cmd_mem_max, false, false,
      "Set the maximum amount reservation for a domain",
      "<Domain> <MemMB['b'[bytes]|'k'[KB]|'m'[MB]|'g'[GB]|'t'[TB]]>", NULL },
    { "vcpu-list", cmd_vcpu_list, false, false,
      "List the VCPUs for all/some domains",
      "[Domain, ...]", NULL },
    { "info", cmd_info, false, false,
      "Get information about Xen host",
      "-n, --numa         List host NUMA topology information", NULL },
    { "pci-attach", cmd_pci_attach, false, false,
      "Insert a new pass-through pci device",
      "<Domain> <PCI_SPEC_STRING>", NULL },
    { "pci-detach", cmd_pci_detach, false, false,
      "Remove a domain's pass-through pci device",
      "[options] <Domain> <PCI_SPEC_STRING>",
      "-f                      Force removal" },
    { "pci-list", cmd_pci_list, false, false,
      "List pass-through pci devices for a domain",
      "<Domain>", NULL },
    { "pci-assignable-add", cmd_pci_assignable_add, false, false,
      "Make a device assignable for pci-passthru",
      "<BDF>",
      "-h                      Print this help." },
    { "pci-assignable-remove", cmd_pci_assignable_remove, false, false,
      "Remove a device from being assignable",
      "[options] <BDF>",
      "-h                      Print this help.\n"
      "-r                      Attempt to re-assign the device to the\n"
      "                        original driver" },
    { "pci-assignable-list", cmd_pci_assignable_list, false, false,
      "List all the assignable pci devices",
      "",
      "" },
    { "domid", cmd_domid, false, false,
      "Convert a domain name to domain id",
      "<DomainName>", NULL },
    { "domname", cmd_domname, false, false,
      "Convert a domain id to domain name",
      "<DomainId>", NULL },
    { "rename", cmd_rename, false, false,
      "Rename a domain",
      "<Domain> <NewDomainName>", NULL },
    { "sysrq", cmd_sysrq, false, false,
      "Send a sysrq to a domain",
      "<Domain> <letter>", NULL },
    { "uptime", cmd_uptime, false, false,
      "Print uptime for all/some domains",
      "[-s] [Domain]", NULL },
    { "vcpu-pin", cmd_vcpu_pin, false, false,
      "Set which CPUs a VCPU can use",
      "[option] <Domain> <VCPU|all> <CPUs|all> <CPUs|all>",
      "-f, --force        undo an override pinning done by the kernel" },
    { "vcpu-set", cmd_vcpu_set, false, true,
      "Set the number of active VCPUs allowed for the domain",
      "[option] <Domain> <vCPUs>",
      "-i, --ignore-host  Don't limit the vCPU based on the host CPU count" },
    { "sched-credit", cmd_sched_credit, false, true,
      "Get/set credit scheduler parameters",
      "[-d <Domain> [-w[=WEIGHT]|-c[=CAP]]] [-s [-t TSLICE] [-r RATELIMIT]] [-p CPUPOOL]",
      "-d DOMAIN, --domain=DOMAIN        Domain to modify\n"
      "-w WEIGHT, --weight=WEIGHT        Weight (int)\n"
      "-c CAP, --cap=CAP                 Cap (int)\n"
      "-s         --schedparam           Query / modify scheduler parameters\n"
      "-t TSLICE, --tslice_ms=TSLICE     Set the timeslice, in milliseconds\n"
      "-r RLIMIT, --ratelimit_us=RLIMIT  Set the scheduling rate limit, in microseconds\n"
      "-p CPUPOOL, --cpupool=CPUPOOL     Restrict output to CPUPOOL" },
    { "sched-credit2", cmd_sched_credit2, false, true,
      "Get/set credit2 scheduler parameters",
      "[-d <Domain> [-w[=WEIGHT]]] [-p CPUPOOL]",
      "-d DOMAIN, --domain=DOMAIN     Domain to modify\n"
      "-w WEIGHT, --weight=WEIGHT     Weight (int)\n"
      "-c CAP, --cap=CAP              Cap (int)\n"
      "-s         --schedparam        Query / modify scheduler parameters\n"
      "-r RLIMIT, --ratelimit_us=RLIMIT Set the scheduling rate limit, in microseconds\n"
      "-p CPUPOOL, --cpupool=CPUPOOL  Restrict output to CPUPOOL" },
    { "top", cmd_top, false, false,
      "Monitor a host and the domains in real time",
      "[options]",
      "(xentop's; built in)\n"
      "-d, --delay=SECONDS  seconds between updates (default 3)\n"
      "-n, --networks       output vif network data\n"
      "-x, --vbds           output vbd block device data\n"
      "-r, --repeat-header  repeat table header before each domain\n"
      "-v, --vcpus          output vcpu data\n"
      "-b, --batch          output in batch mode, no user input accepted\n"
      "-i, --iterations     number of iterations before exiting\n"
      "-f, --full-name      output the full domain name (not truncated)\n"
      "-z, --dom0-first     display dom0 first (ignore sorting)" },
    { "config-update", cmd_config_update, true, true,
      "Update a running domain's saved configuration, used when rebuilding the domain after "
      "reboot.\nWARNING: xl now has better capability to manage domain configuration, avoid "
      "using this command when possible",
      "<Domain> <ConfigFile> [options] [vars]",
      "-h                      Print this help.\n"
      "-f FILE, --defconfig=FILE\n                     Use the given configuration file.\n"
      "-d                      Enable debug messages.\n" },
    { "dump-core", cmd_dump_core, false, true,
      "Core dump a domain",
      "<Domain> <filename>", NULL },
    { "trigger", cmd_trigger, false, false,
      "Send a trigger to a domain",
      "<Domain> <nmi|reset|init|power|sleep|s3resume> [<VCPU>]", NULL },
    { "button-press", cmd_button_press, false, false,
      "Indicate an ACPI button press to the domain",
      "<Domain> <Button>",
      "<Button> may be 'power' or 'sleep'." },
    { "vm-list", cmd_vm_list, false, false,
      "List guest domains, excluding dom0, stubdoms, etc.",
      "", NULL },
    { "dmesg", cmd_dmesg, false, false,
      "Read and/or clear dmesg buffer",
      "[-c]",
      "  -c                        Clear dmesg buffer as well as printing it" },
    { "block-attach", cmd_block_attach, false, true,
      "Create a new virtual block device",
      "<Domain> <disk-spec-component(s)>...", NULL },
    { "block-list", cmd_block_list, false, false,
      "List virtual block devices for a domain",
      "<Domain(s)>", NULL },
    { "block-detach", cmd_block_detach, false, false,
      "Destroy a domain's virtual block device",
      "[-f] <Domain> <DevId>",
      "-f, --force             Do not wait for the domain to release the device." },
    { "network-attach", cmd_network_attach, false, false,
      "Create a new virtual network device",
      "<Domain> [type=<type>] [mac=<mac>] [bridge=<bridge>] [ip=<ip>] [script=<script>] "
      "[backend=<BackDomain>] [vifname=<name>] [rate=<rate>] [model=<model>] "
      "[accel=<accel>]", NULL },
    { "network-list", cmd_network_list, false, false,
      "List virtual network interfaces for a domain",
      "<Domain(s)>", NULL },
    { "network-detach", cmd_network_detach, false, false,
      "Destroy a domain's virtual network device",
      "<Domain> <DevId|mac>", NULL },
    { "cd-insert", cmd_cd_insert, false, false,
      "Insert a cdrom into a guest's cd drive",
      "<Domain> <VirtualDevice> <type:path>", NULL },
    { "cd-eject", cmd_cd_eject, false, false,
      "Eject a cdrom from a guest's cd drive",
      "<Domain> <VirtualDevice>", NULL },
    { "cpupool-create", cmd_cpupool_create, true, true,
      "Create a new CPU pool",
      "[options] [<ConfigFile>] [Variable=value ...]",
      "-h, --help                   Print this help.\n"
      "-f FILE, --defconfig=FILE    Use the given configuration file.\n"
      "-n, --dryrun                 Dry run - prints the resulting configuration.\n"
      "                              (deprecated in favour of global -N option).\n"
      "\nPlease see the xlcpupool.cfg(5) manpage for more information." },
    { "cpupool-list", cmd_cpupool_list, false, false,
      "List CPU pools on host",
      "[-c|--cpus] [<CPU Pool>]",
      "-c, --cpus                     Output list of CPUs used by a pool" },
    { "cpupool-destroy", cmd_cpupool_destroy, false, false,
      "Deactivates a CPU pool",
      "<CPU Pool>", NULL },
    { "cpupool-rename", cmd_cpupool_rename, false, false,
      "Renames a CPU pool",
      "<CPU Pool> <new name>", NULL },
    { "cpupool-cpu-add", cmd_cpupool_cpu_add, false, false,
      "Adds a CPU to a CPU pool",
      "<CPU Pool> <CPU nr>|node:<node nr>", NULL },
    { "cpupool-cpu-remove", cmd_cpupool_cpu_remove, false, false,
      "Removes a CPU from a CPU pool",
      "<CPU Pool> <CPU nr>|node:<node nr>", NULL },
    { "cpupool-migrate", cmd_cpupool_migrate, false, false,
      "Moves a domain into a CPU pool",
      "<Domain> <CPU Pool>", NULL },
    { "cpupool-numa-split", cmd_cpupool_numa_split, false, false,
      "Splits up the machine into one CPU pool per NUMA node",
      "", NULL },
    { "help", cmd_help, false, false,
      "Print this help",
      "[command]", NULL },
};

const unsigned xl_cmd_count = sizeof(xl_cmd_table) / sizeof(xl_cmd_table[0]);
