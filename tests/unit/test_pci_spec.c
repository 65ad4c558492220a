/* pci= entries (xl-compat/pci_spec.c): xl-pci-configuration(5)'s syntax,
 * xl's refusal message, xenkvm's vfio-user= key, the VMM's --pci argument
 * with the IOMMU group read from a fake sysfs tree. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "xl-compat/pci_spec.h"

static char err[512];

static void bdf_forms(void)
{
    struct pci_spec p;

    CHECK_EQ(pci_spec_parse("03:00.1", &p, err, sizeof(err)), 0);
    CHECK(p.has_bdf && p.domain == 0 && p.bus == 3 && p.dev == 0 && p.func == 1);
    CHECK_EQ(p.vslot, -1);
    CHECK_EQ(p.permissive, -1);
    CHECK_EQ(pci_spec_parse("0001:0a:1f.7@2,permissive=1,msitranslate=0,seize=1,"
                            "power_mgmt=1,rdm_policy=relaxed", &p, err, sizeof(err)), 0);
    CHECK(p.domain == 1 && p.bus == 10 && p.dev == 31 && p.func == 7);
    CHECK_EQ(p.vslot, 2);
    CHECK(p.permissive == 1 && p.msitranslate == 0 && p.seize == 1 && p.power_mgmt == 1);
    CHECK_EQ(p.rdm_policy, 0);
    CHECK_EQ(pci_spec_parse("bdf=03:00.0,vslot=0x02,rdm_policy=strict", &p, err,
                            sizeof(err)), 0);
    CHECK(p.has_bdf && p.bus == 3 && p.vslot == 2 && p.rdm_policy == 1);
    CHECK_EQ(pci_spec_parse("vfio-user=/run/dev.sock,permissive=1", &p, err, sizeof(err)), 0);
    CHECK(!p.has_bdf && p.vfio_user && !strcmp(p.vfio_user, "/run/dev.sock"));
    pci_spec_free(&p);
}

static void refusals(void)
{
    static const char *const bad[] = {
        "", "03", "03:00", "03:00.8", "03:20.0", "100:00.0", "g3:00.0", "03:00.0@",
        "03:00.0,permissive=2", "03:00.0,permissive", "03:00.0,bogus=1",
        "03:00.0,rdm_policy=lax", "03:00.0,vfio-user=", "permissive=1",
        "03:00.0,bdf=04:00.0", "03:00.0,vfio-user=a,vfio-user=b", "1ffff:00:00.0",
    };
    struct pci_spec p;

    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        check_case_name = bad[i];
        CHECK_EQ(pci_spec_parse(bad[i], &p, err, sizeof(err)), -1);
        CHECK(strstr(err, "unable to parse PCI BDF"));
    }
    check_case_name = "refusals";
    /* xenkvm has one slot for it. */
    CHECK_EQ(pci_spec_parse("03:00.0@5", &p, err, sizeof(err)), -1);
    CHECK(strstr(err, "slot 2"));
}

static void vmm_args(void)
{
    char root[] = "/tmp/xenkvm-sysfs.XXXXXX", cmd[256], link[128];
    struct pci_spec p;
    char *a;

    CHECK(mkdtemp(root));
    snprintf(cmd, sizeof(cmd), "mkdir -p %s/bus/pci/devices/0000:03:00.0 "
             "%s/kernel/iommu_groups/12", root, root);
    CHECK_EQ(system(cmd), 0);
    snprintf(link, sizeof(link), "%s/bus/pci/devices/0000:03:00.0/iommu_group", root);
    CHECK_EQ(symlink("../../../../kernel/iommu_groups/12", link), 0);
    CHECK_EQ(pci_spec_parse("03:00.0,power_mgmt=1", &p, err, sizeof(err)), 0);
    a = pci_spec_vmm_arg(&p, root, true, false, err, sizeof(err));
    CHECK(a && !strcmp(a, "vfio:0000:03:00.0,group=12,permissive,power_mgmt"));
    free(a);
    /* The entry's permissive=0 beats the global pci_permissive=1. */
    CHECK_EQ(pci_spec_parse("03:00.0,permissive=0", &p, err, sizeof(err)), 0);
    a = pci_spec_vmm_arg(&p, root, true, false, err, sizeof(err));
    CHECK(a && !strcmp(a, "vfio:0000:03:00.0,group=12"));
    free(a);
    /* A function without an IOMMU group (no VFIO for it). */
    CHECK_EQ(pci_spec_parse("04:00.0", &p, err, sizeof(err)), 0);
    CHECK(!pci_spec_vmm_arg(&p, root, false, false, err, sizeof(err)));
    CHECK(strstr(err, "0000:04:00.0 has no IOMMU group"));
    CHECK_EQ(pci_spec_parse("vfio-user=/x.sock", &p, err, sizeof(err)), 0);
    a = pci_spec_vmm_arg(&p, root, false, true, err, sizeof(err));
    CHECK(a && !strcmp(a, "vfio-user:/x.sock,power_mgmt"));
    free(a);
    pci_spec_free(&p);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
    CHECK_EQ(system(cmd), 0);
}

int main(void)
{
    RUN(bdf_forms);
    RUN(refusals);
    RUN(vmm_args);
    return CHECK_DONE();
}
