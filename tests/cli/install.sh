#!/bin/bash
# make install into a DESTDIR, then the installed programs on their own:
# xl finds the installed VMM and xenstored (not the build tree's), reads the
# installed xl.conf, runs a guest's lifecycle (create, list, console,
# shutdown, destroy) with a private run directory; the installed xendomains
# script creates /etc/xen/auto domains, saves them at "host shutdown",
# restores them at "boot", and shuts them down when saving is off; the bash
# completion completes commands and domain names; the systemd units pass
# systemd-analyze verify; the man pages render with groff without warnings.
set -u
. "$SRCDIR/tests/cli/common.inc"
guest=$BUILDDIR/tests/guest/pvcontrol64.elf
xl_private install
trap xl_teardown EXIT
check() { local n=$1; shift; if "$@" >/dev/null 2>&1; then pass "$n"; else fail "$n" "$*"; fi; }

# --- make install ------------------------------------------------------------
D=$tmp/root
out=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$BUILDDIR" install DESTDIR="$D" 2>&1)
st=$?
[ $st = 0 ] && pass make_install || fail make_install "$(tail -5 <<<"$out")"
var() { sed -n "s|^$1 = ||p" "$BUILDDIR/Makefile" | head -1; }
prefix=$(var prefix)
bindir=$prefix/bin sbindir=$prefix/sbin libexecdir=$prefix/libexec
sysconfdir=$(var sysconfdir); sysconfdir=${sysconfdir//\$\{prefix\}/$prefix}
unitdir=$(var systemdunitdir); unitdir=${unitdir//\$\{prefix\}/$prefix}
mandir=$prefix/share/man
for f in "$bindir/xl" "$bindir/xenkvm" "$bindir/xenkvm-blkback" "$sbindir/xenstored" \
         "$libexecdir/xenkvm/xendomains"; do
    check "installed_$(basename "$f")" test -x "$D$f"
done
# The vif backend, once the tree has it, is installed with the others.
[ -x "$BUILDDIR/netback/xenkvm-netback" ] && check installed_xenkvm-netback test -x "$D$bindir/xenkvm-netback"
check installed_xl_conf test -f "$D$sysconfdir/xen/xl.conf"
check installed_auto_dir test -d "$D$sysconfdir/xen/auto"
check installed_xendomains_defaults grep -q '^XENDOMAINS_SAVE=' "$D$sysconfdir/default/xendomains"
check installed_completion test -f "$D$prefix/share/bash-completion/completions/xl"

# --- man pages ----------------------------------------------------------------
for m in man1/xl.1 man5/xl.cfg.5 man8/xenkvm.8 man8/xenstored.8; do
    n=$(basename "$m")
    warn=$(groff -man -ww -z "$D$mandir/$m" 2>&1)
    [ -f "$D$mandir/$m" ] && [ -z "$warn" ] && pass "man_$n" || fail "man_$n" "$warn"
done
if command -v man >/dev/null; then
    page=$(MANWIDTH=80 man -l "$D$mandir/man1/xl.1" 2>&1)
    grep -q "xl - manage Xen guest domains" <<<"$page" && pass man_l_renders || fail man_l_renders "$page"
else
    echo "SKIP: man_l_renders: man (man-db) is not installed"
fi

# --- systemd units ------------------------------------------------------------
# verify runs the units' commands and man pages as installed: the DESTDIR's
# prefix mounted over the real one in a private mount namespace.
if ! command -v systemd-analyze >/dev/null; then
    echo "SKIP: units_verify: systemd-analyze is not installed"
elif [ "$prefix" = /usr ] || ! unshare -m true 2>/dev/null; then
    echo "SKIP: units_verify: cannot mount $D$prefix over $prefix here (needs root, prefix not /usr)"
else
    out=$(unshare -m sh -c 'mount --bind "$1$2" "$2" && MANPATH=$3 systemd-analyze verify "$4"/xenstored.service "$4"/xendomains.service' \
        sh "$D" "$prefix" "$mandir" "$D$unitdir" 2>&1)
    [ $? = 0 ] && [ -z "$out" ] && pass units_verify || fail units_verify "$out"
fi
check unit_xenstored_db grep -q -- "--db-file /run/xenkvm/xenstored.tdb" "$D$unitdir/xenstored.service"
check unit_xendomains_script grep -q "^ExecStop=$libexecdir/xenkvm/xendomains stop$" "$D$unitdir/xendomains.service"

# --- the lifecycle, installed programs only -------------------------------------
need_kvm install
unset XENKVM_VMM XENKVM_XENSTORED XENKVM_BLKBACK
export XENKVM_XL_CONF=$D$sysconfdir/xen/xl.conf
xl=$D$bindir/xl
# xl.conf's autoballoon: Xen's values accepted, others warned about as xl does.
echo 'autoballoon = "auto"' > "$tmp/ab.conf"
out=$(XENKVM_XL_CONF=$tmp/ab.conf "$xl" info 2>&1 >/dev/null)
[ -z "$out" ] && pass autoballoon_auto || fail autoballoon_auto "$out"
echo 'autoballoon = "sometimes"' > "$tmp/ab.conf"
out=$(XENKVM_XL_CONF=$tmp/ab.conf "$xl" info 2>&1 >/dev/null)
grep -q "ab.conf:1: warning: invalid autoballoon option" <<<"$out" && pass autoballoon_invalid \
    || fail autoballoon_invalid "'$out'"
conslog() { cat "$tmp/log/console/guest-$1.log" 2>/dev/null; }
in_console() { conslog "$1" | grep -qF -- "$2"; }
gone() { ! listed "$1"; }
xl_cfg inst "$guest" 'on_poweroff = "destroy"'
out=$("$xl" create "$tmp/inst.cfg" 2>&1)
[ $? = 0 ] && pass create || fail create "$out"
check listed listed inst
wait_for 20 in_console inst "pvcontrol: up" && pass console_log || fail console_log "$(conslog inst)"
vmm_pid=$(awk '{ print $2 }' "$XENKVM_RUNDIR/dom1.pid" 2>/dev/null)
exe=$(readlink "/proc/$vmm_pid/exe")
[ "$exe" = "$D$bindir/xenkvm" ] && pass runs_installed_vmm || fail runs_installed_vmm "'$exe'"
exe=$(readlink "/proc/$(cat "$XENKVM_RUNDIR/xenstored.pid" 2>/dev/null)/exe")
[ "$exe" = "$D$sbindir/xenstored" ] && pass runs_installed_xenstored || fail runs_installed_xenstored "'$exe'"
out=$( (sleep 1; printf 'hello console\n'; sleep 2; printf '\035') | timeout 20 "$xl" console inst 2>&1)
grep -qF "echo: hello console" <<<"$out" && pass console || fail console "$out"

# --- bash completion --------------------------------------------------------------
comp() { # WORDS...: the completions of the last word
    PATH=$D$bindir:$PATH bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _xl; printf "%s\n" "${COMPREPLY[@]}"' \
        sh "$D$prefix/share/bash-completion/completions/xl" "$@"
}
got=$(comp xl cre)
[ "$got" = create ] && pass completes_command || fail completes_command "'$got'"
got=$(comp xl block-l)
[ "$got" = block-list ] && pass completes_command_from_table || fail completes_command_from_table "'$got'"
: > "$tmp/with space.cfg"
got=$(comp xl create "$tmp/with")
[ "$got" = "$tmp/with space.cfg" ] && pass completes_config_file || fail completes_config_file "'$got'"
got=$(comp xl destroy in)
[ "$got" = inst ] && pass completes_domain || fail completes_domain "'$got'"
got=$(comp xl sched-credit -d in)
[ "$got" = inst ] && pass completes_sched_domain || fail completes_sched_domain "'$got'"
got=$(comp xl sched-credit2 -p P)
[ "$got" = Pool-0 ] && pass completes_sched_pool || fail completes_sched_pool "'$got'"
got=$(comp xl vcpu-set --ig)
[ "$got" = --ignore-host ] && pass completes_vcpu_set_option || fail completes_vcpu_set_option "'$got'"

out=$(timeout 120 "$xl" shutdown -w inst 2>&1)
rc=$?; [ $rc = 0 ] && wait_for 30 gone inst && pass shutdown || fail shutdown "status $rc: $out"
"$xl" create "$tmp/inst.cfg" >/dev/null 2>&1
check create_again listed inst
"$xl" destroy inst >/dev/null 2>&1 && wait_for 10 gone inst && pass destroy || fail destroy "$("$xl" list)"

# --- xendomains: boot and host shutdown -------------------------------------------
mkdir -p "$tmp/auto"
cp "$tmp/inst.cfg" "$tmp/auto/inst.cfg"
cat > "$tmp/xendomains" <<EOT
XENDOMAINS_SAVE=$tmp/save
XENDOMAINS_AUTO=$tmp/auto
XENDOMAINS_STOP_MAXWAIT=30
EOT
xd() { XL=$xl XENDOMAINS_DEFAULTS=$tmp/xendomains "$D$libexecdir/xenkvm/xendomains" "$@"; }
out=$(xd start 2>&1)
[ $? = 0 ] && listed inst && pass xendomains_starts_auto || fail xendomains_starts_auto "$out"
wait_for 20 in_console inst "pvcontrol: up"
out=$(xd stop 2>&1)
[ $? = 0 ] && gone inst && [ -s "$tmp/save/inst" ] && pass xendomains_saves \
    || fail xendomains_saves "$out; $(ls -l "$tmp/save")"
out=$(xd start 2>&1)
[ $? = 0 ] && listed inst && [ ! -e "$tmp/save/inst" ] && pass xendomains_restores \
    || fail xendomains_restores "$out; $("$xl" list)"
[ "$(grep -c '^Starting\|already running' <<<"$out")" = 1 ] && grep -q "already running" <<<"$out" \
    && pass xendomains_restored_not_created_again || fail xendomains_restored_not_created_again "$out"
echo 'XENDOMAINS_SAVE=' >> "$tmp/xendomains"
# XENDOMAINS_AUTO_ONLY: a domain not configured in the auto directory stays.
xl_cfg other "$guest" 'on_poweroff = "destroy"'
"$xl" create "$tmp/other.cfg" >/dev/null 2>&1
echo 'XENDOMAINS_AUTO_ONLY=true' >> "$tmp/xendomains"
offs() { conslog inst | grep -c "pvcontrol: shutdown poweroff"; }
before=$(offs)
out=$(xd stop 2>&1)
[ $? = 0 ] && gone inst && [ ! -e "$tmp/save/inst" ] && pass xendomains_shuts_down \
    || fail xendomains_shuts_down "$out"
[ "$(offs)" = $((before + 1)) ] && pass xendomains_shutdown_reaches_guest \
    || fail xendomains_shutdown_reaches_guest "$(conslog inst | tail -3)"
listed other && pass xendomains_auto_only_keeps_others || fail xendomains_auto_only_keeps_others "$("$xl" list)"
