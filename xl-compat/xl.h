/* xl: the Xen toolstack's command line, for xenkvm domains.
 *
 * Shapes: one command table (cmd_table.c), each command in its own file
 * (cmd_*.c) with the xl(1) options, output and exit codes; shared pieces
 * (paths, xenstore, domain registry, lifecycle) in their own files. */
#ifndef XL_H
#define XL_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct xl_cmd {
    const char *name;
    int (*fn)(int argc, char **argv);
    bool modifies;          /* accepts the global -f */
    bool can_dryrun;        /* accepts the global -N */
    const char *desc;
    const char *usage;
    const char *options;
};

extern const struct xl_cmd xl_cmd_table[];
extern const unsigned xl_cmd_count;
const struct xl_cmd *xl_cmd_lookup(const char *name);
/* Is NAME a command of Xen 4.17's xl (xen_commands.c)? */
bool xl_is_xen_command(const char *name);

/* Global options (xl [-vfNtT] ...). */
extern int xl_verbose;
extern bool xl_dryrun;
extern bool xl_force;

/* xl's def_getopt: -h prints the command's help and exits 0; an unknown
 * option or fewer than REQARGS operands exits 2 after a message. */
int xl_getopt(int argc, char **argv, const char *optstring,
              const struct option *longopts, const char *cmd, int reqargs);
void xl_help(const char *cmd);

int cmd_create(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_save(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_migrate_receive(int argc, char **argv);
int cmd_shutdown(int argc, char **argv);
int cmd_reboot(int argc, char **argv);
int cmd_pause(int argc, char **argv);
int cmd_live_update(int argc, char **argv);
int cmd_unpause(int argc, char **argv);
int cmd_console(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_vcpu_list(int argc, char **argv);
int cmd_domid(int argc, char **argv);
int cmd_pci_assignable_add(int argc, char **argv);
int cmd_pci_assignable_remove(int argc, char **argv);
int cmd_pci_assignable_list(int argc, char **argv);
int cmd_pci_attach(int argc, char **argv);
int cmd_pci_detach(int argc, char **argv);
int cmd_pci_list(int argc, char **argv);
int cmd_domname(int argc, char **argv);
int cmd_uptime(int argc, char **argv);
int cmd_rename(int argc, char **argv);
int cmd_mem_set(int argc, char **argv);
int cmd_sysrq(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_vm_list(int argc, char **argv);
int cmd_vcpu_pin(int argc, char **argv);
int cmd_vcpu_set(int argc, char **argv);
int cmd_sched_credit(int argc, char **argv);
int cmd_sched_credit2(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_dump_core(int argc, char **argv);
int cmd_config_update(int argc, char **argv);
int cmd_mem_max(int argc, char **argv);
int cmd_trigger(int argc, char **argv);
int cmd_button_press(int argc, char **argv);
int cmd_dmesg(int argc, char **argv);
int cmd_block_attach(int argc, char **argv);
int cmd_block_detach(int argc, char **argv);
int cmd_block_list(int argc, char **argv);
int cmd_network_attach(int argc, char **argv);
int cmd_network_list(int argc, char **argv);
int cmd_network_detach(int argc, char **argv);
int cmd_cd_insert(int argc, char **argv);
int cmd_cd_eject(int argc, char **argv);
int cmd_cpupool_create(int argc, char **argv);
int cmd_cpupool_list(int argc, char **argv);
int cmd_cpupool_destroy(int argc, char **argv);
int cmd_cpupool_rename(int argc, char **argv);
int cmd_cpupool_cpu_add(int argc, char **argv);
int cmd_cpupool_cpu_remove(int argc, char **argv);
int cmd_cpupool_migrate(int argc, char **argv);
int cmd_cpupool_numa_split(int argc, char **argv);

/* A program name for the log prefix of the monitor ("xl-NAME"). */
void *xl_xmalloc(size_t n);
char *xl_xstrdup(const char *s);
char *xl_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
