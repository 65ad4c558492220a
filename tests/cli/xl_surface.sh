#!/bin/bash
# xl's surface against xl 4.17 (issue 19 items 11, 12, 13, 15, 16): what
# `create -n`/`-d` print and where, exit statuses and messages of a missing
# or broken config, `xl info KEY`, unattached disks, the domain name limit,
# Xen commands xenkvm lacks, and an installed xl finding its programs.
set -u
. "$SRCDIR/tests/cli/common.inc"
guest=$BUILDDIR/tests/guest/pvcontrol64.elf
xl_private xls
ixl=$tmp/dest/usr/local/bin/xl      # the installed xl (item 13)
trap 'xl_teardown "$xl" "$ixl"' EXIT
cd "$tmp"

# run NAME WANT_STATUS CMD...: the command's status, its stdout in $out
# and stderr in $err.
run() {
    local n=$1 want=$2; shift 2
    out=$("$@" 2> "$tmp/err"); st=$?
    err=$(cat "$tmp/err")
    if [ "$st" != "$want" ]; then fail "$n" "status $st, expected $want: $err"; return 1; fi
    if grep -qE "AddressSanitizer|runtime error" <<<"$err"; then fail "$n" "$err"; return 1; fi
    return 0
}
has() { grep -qF -- "$2" <<<"$1"; }
mkcfg() { xl_cfg "$1" "$guest" "${@:2}"; }
long_name() { printf "n%.0s" $(seq "$1"); }

# --- item 11: create -n / -d, missing and broken configs, xl info ---------
mkcfg one 'disk = [ "/nonexistent/one.img,raw,xvda,rw" ]'
# xl 4.17 prints the bare libxl_domain_config (xen-init-name reads
# ["c_info"]["name"]), not {"domid": null, "config": ...}.
run dryrun_bare_config 0 "$xl" create -n one.cfg &&
    if [ "$(head -2 <<<"$out")" = "$(printf '{\n    "c_info": {')" ] && ! has "$out" '"domid"' &&
       has "$out" '"name": "one"' && [ "$(tail -1 <<<"$out")" = "}" ]; then
        pass dryrun_bare_config
    else fail dryrun_bare_config "$out"; fi
# A dry run shows the config as parsed, disks included.
has "$out" '"pdev_path": "/nonexistent/one.img"' && pass dryrun_shows_disks \
    || fail dryrun_shows_disks "$out"
run create_missing_config_exit_3 3 "$xl" create "$tmp/no-such.cfg" &&
    if has "$err" "Failed to read config file: $tmp/no-such.cfg: No such file or directory"; then
        pass create_missing_config_exit_3
    else fail create_missing_config_exit_3 "$err"; fi
run create_no_config_exit_6 6 "$xl" create &&
    if has "$err" "Config file not specified and none in save file"; then
        pass create_no_config_exit_6
    else fail create_no_config_exit_6 "$err"; fi
printf 'name = "bad"\nmemory = = 3\n' > bad.cfg
run syntax_error_says_failed_to_parse 1 "$xl" create bad.cfg &&
    if has "$err" "bad.cfg:2: config parsing error near" &&
       [ "$(tail -1 <<<"$err")" = "Failed to parse config: Invalid argument" ]; then
        pass syntax_error_says_failed_to_parse
    else fail syntax_error_says_failed_to_parse "$err"; fi
run info_virt_caps 0 "$xl" info virt_caps &&
    if [ "$out" = hvm ]; then pass info_virt_caps; else fail info_virt_caps "'$out'"; fi
run info_virt_caps_line 0 "$xl" info &&
    if grep -qx 'virt_caps              : hvm' <<<"$out"; then pass info_virt_caps_line
    else fail info_virt_caps_line "$(grep virt_caps <<<"$out")"; fi
# xl's maybe_printf matches a prefix of the key.
run info_key_prefix 0 "$xl" info xen_m &&
    if [ "$(wc -l <<<"$out")" = 2 ]; then pass info_key_prefix; else fail info_key_prefix "$out"; fi

# --- item 16: Xen commands xenkvm lacks, and typos ------------------------
run missing_xen_command 1 "$xl" vtpm-list one &&
    if has "$err" "'vtpm-list' is an xl command that xenkvm does not have yet"; then
        pass missing_xen_command
    else fail missing_xen_command "$err"; fi
run typo_command 1 "$xl" craete one.cfg &&
    if [ "$err" = "command not implemented" ]; then pass typo_command
    else fail typo_command "$err"; fi
run help_missing_xen_command 0 "$xl" help vtpm-attach &&
    if has "$out" "xenkvm does not have yet"; then pass help_missing_xen_command
    else fail help_missing_xen_command "$out"; fi

# --- item 15: the domain name limit (guest-NAME.log fits NAME_MAX) ---------
run name_246_refused 1 "$xl" create -n one.cfg "name=\"$(long_name 246)\"" &&
    if has "$err" "is 246 bytes long; at most 245"; then pass name_246_refused
    else fail name_246_refused "$err"; fi
run name_245_accepted 0 "$xl" create -n one.cfg "name=\"$(long_name 245)\"" && pass name_245_accepted

# --- item 13: make install gives an xl that finds xenstored and xenkvm -----
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$BUILDDIR" install \
        DESTDIR="$tmp/dest" > "$tmp/install.log" 2>&1 && [ -x "$ixl" ]; then
    pass make_install_destdir
else
    fail make_install_destdir "$(tail -5 "$tmp/install.log")"
    ixl=
fi
if [ -n "$ixl" ]; then
    # No xenstored runs yet: the installed xl must start the installed one.
    run installed_xl_starts_xenstored 0 env PATH=/usr/bin:/bin "$ixl" list &&
        if has "$out" Domain-0 && [ -S "$XENSTORED_PATH" ]; then
            pass installed_xl_starts_xenstored
        else fail installed_xl_starts_xenstored "$out $err"; fi
fi

need_kvm xl_surface_domains

# --- item 13 with a domain: the installed xl runs the installed VMM -------
if [ -n "$ixl" ]; then
    mkcfg inst
    run installed_xl_creates 0 env PATH=/usr/bin:/bin "$ixl" create inst.cfg &&
        if "$ixl" list | grep -q '^inst '; then pass installed_xl_creates
        else fail installed_xl_creates "$("$ixl" list)"; fi
    "$ixl" destroy inst > /dev/null 2>&1
fi

# --- item 12: disks are checked before anything is built -----------------
# (tests/cli/blkfront_xl.sh attaches real ones.)  A missing image names
# the file, the line and the disk; nothing is left behind.
run create_refuses_missing_disk 1 "$xl" create one.cfg &&
    if has "$err" "one.cfg:5: error: disk \`xvda': failed to stat /nonexistent/one.img" &&
       ! "$xl" list one > /dev/null 2>&1; then
        pass create_refuses_missing_disk
    else fail create_refuses_missing_disk "$err"; fi
# An image that is there but no block backend to serve it: the domain is
# torn down again with the reason.
: > "$tmp/two.img"
mkcfg two "disk = [ \"$tmp/two.img,raw,xvda,rw\" ]"
run create_without_blkback_fails 3 env XENKVM_BLKBACK=/nonexistent/xenkvm-blkback \
    "$xl" create two.cfg &&
    if has "$err" "cannot run the block backend /nonexistent/xenkvm-blkback" &&
       ! "$xl" list two > /dev/null 2>&1; then
        pass create_without_blkback_fails
    else fail create_without_blkback_fails "$err"; fi

# --- item 11: -d prints the config to stderr ------------------------------
mkcfg dbg
run create_debug_to_stderr 0 "$xl" create -d dbg.cfg &&
    if ! has "$out" '"c_info"' && has "$err" '"c_info"'; then pass create_debug_to_stderr
    else fail create_debug_to_stderr "stdout: $out"; fi
"$xl" destroy dbg > /dev/null 2>&1

# --- item 15: a name of the longest length runs; renaming past it fails ---
name=$(long_name 245)
mkcfg "$name"
run longest_name_runs 0 "$xl" create "$name.cfg" &&
    if wait_for 20 grep -q "pvcontrol: up" "$tmp/log/console/guest-$name.log"; then
        pass longest_name_runs
    else fail longest_name_runs "$(cat "$tmp/log/xl-$name.log" 2>&1 | tail -3)"; fi
run rename_past_limit_refused 1 "$xl" rename "$name" "$(long_name 300)" &&
    if has "$err" "is 300 bytes long; at most 245" && "$xl" domid "$name" > /dev/null; then
        pass rename_past_limit_refused
    else fail rename_past_limit_refused "$err"; fi
"$xl" destroy "$name" > /dev/null 2>&1
exit 0
