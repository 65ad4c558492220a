#!/bin/bash
# xl and the xenkvm-only platform keys: the hypercall transport
# (xen_hypercall_transport in the domain config and in xl.conf, shown by
# xl info and xl list -l) and acpi= with ACPI test guests run through xl.
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm xl_transport
guests=$BUILDDIR/tests/guest
xl_private xlt
export XENKVM_XL_CONF=$tmp/xl.conf
trap xl_teardown EXIT

mkcfg() { xl_cfg "$1" "$2" 'on_poweroff = "destroy"' "${@:3}"; } # NAME KERNEL [lines...]
gone() { ! listed "$1"; }

# --- xl info -----------------------------------------------------------------
: > "$tmp/xl.conf"
caps=$("$xl" info xenkvm_kvm_xen_caps)
case $caps in 0|0x*) pass info_kvm_xen_caps ;; *) fail info_kvm_xen_caps "got '$caps'" ;; esac
# INTERCEPT_HCALL (2) and HYPERCALL_MSR (1) make kvm usable.
if [ $((caps & 3)) = 3 ]; then auto=kvm; else auto=port; fi
got=$("$xl" info xenkvm_hypercall_transport)
[ "$got" = "$auto (xl.conf: auto)" ] && pass info_transport_auto \
    || fail info_transport_auto "got '$got', want '$auto (xl.conf: auto)'"
echo 'xen_hypercall_transport = "port"' > "$tmp/xl.conf"
got=$("$xl" info xenkvm_hypercall_transport)
[ "$got" = "port (xl.conf: port)" ] && pass info_transport_xl_conf || fail info_transport_xl_conf "got '$got'"

# --- a domain's transport: config, xl.conf, shown by xl list -l ------------------
: > "$tmp/xl.conf"
mkcfg alpha "$guests/pvcontrol64.elf"
out=$("$xl" create "$tmp/alpha.cfg" 2>&1) && pass create_auto || fail create_auto "$out"
"$xl" list -l alpha | grep -qF "\"xenkvm_hypercall_transport\": \"$auto\"" \
    && pass list_long_shows_transport || fail list_long_shows_transport "$("$xl" list -l alpha)"
"$xl" destroy alpha >/dev/null 2>&1
if [ "$auto" = port ]; then
    # kvm asked for where KVM cannot: a clear error, no domain.
    mkcfg beta "$guests/pvcontrol64.elf" 'xen_hypercall_transport = "kvm"'
    out=$("$xl" create "$tmp/beta.cfg" 2>&1); st=$?
    if [ $st != 0 ] && grep -qF "CONFIG_KVM_XEN" <<<"$out" && gone beta; then
        pass create_kvm_refused
    else
        fail create_kvm_refused "status $st: $out"
    fi
    echo 'xen_hypercall_transport = "kvm"' > "$tmp/xl.conf"
    mkcfg gamma "$guests/pvcontrol64.elf"
    out=$("$xl" create "$tmp/gamma.cfg" 2>&1); st=$?
    [ $st != 0 ] && grep -qF "CONFIG_KVM_XEN" <<<"$out" && pass xl_conf_kvm_refused \
        || fail xl_conf_kvm_refused "status $st: $out"
    # The config wins over xl.conf.
    mkcfg delta "$guests/pvcontrol64.elf" 'xen_hypercall_transport = "port"'
    out=$("$xl" create "$tmp/delta.cfg" 2>&1) && pass config_beats_xl_conf \
        || fail config_beats_xl_conf "$out"
    "$xl" destroy delta >/dev/null 2>&1
    : > "$tmp/xl.conf"
else
    echo "SKIP: create_kvm_refused: this host's KVM has CONFIG_KVM_XEN"
fi

# --- ACPI through xl: maxvcpus, acpi=0, S5 ----------------------------------
guest_done() { grep -qF "RESULT:" "$tmp/log/xl-$1.log" 2>/dev/null && gone "$1"; }
mkcfg acpi1 "$guests/acpi64.elf" 'vcpus = 2' 'maxvcpus = 3' 'cmdline = "online=2"'
"$xl" create "$tmp/acpi1.cfg" >/dev/null 2>&1
wait_for 20 guest_done acpi1 && grep -qF "RESULT: 5 passed, 0 failed" "$tmp/log/xl-acpi1.log" \
    && pass acpi_guest_maxvcpus || fail acpi_guest_maxvcpus "$(tail -5 "$tmp/log/xl-acpi1.log")"
mkcfg acpi0 "$guests/acpi64.elf" 'acpi = 0' 'cmdline = "noacpi"'
"$xl" create "$tmp/acpi0.cfg" >/dev/null 2>&1
wait_for 20 guest_done acpi0 && grep -qF "RESULT: 1 passed, 0 failed, 4 skipped" \
    "$tmp/log/xl-acpi0.log" && pass acpi_0_none || fail acpi_0_none "$(tail -5 "$tmp/log/xl-acpi0.log")"
mkcfg s5 "$guests/acpi_poweroff64.elf"
"$xl" create "$tmp/s5.cfg" >/dev/null 2>&1
wait_for 20 gone s5 && grep -qF "reason code 0 " "$tmp/log/xl-s5.log" \
    && pass acpi_s5_poweroff || fail acpi_s5_poweroff "$(tail -5 "$tmp/log/xl-s5.log")"
