# Part: what Linux shows in /sys/hypervisor is what xl says (sourced by
# l1-guest-test.sh; the guest side is l2-tests/hypervisor.sh).
hv_version=$("$xl" info | awk -F' *: ' '$1 == "xen_major" { a = $2 } $1 == "xen_minor" { b = $2 }
                                      $1 == "xen_extra" { c = $2 } END { print a "." b c }')
hv_uuid=$("$xl" vm-list | awk -v n="$name" '$3 == n { print $1 }')
xenstore-write "/local/domain/$domid/data/expect" "$hv_version $hv_uuid"
l2_run hypervisor 60
