#!/usr/bin/env python3
"""A migration channel's relay for tests/cli/xl_postcopy.sh: run as
xl migrate's -s '' host command, it runs the receiver command with pipes
of its own and copies both directions.  Once the sender's "go" message
has passed and STALL bytes after it, it stops copying the sender's side,
writes its pid to MARK and waits to be killed: a connection cut in the
middle of the postcopy stream, as a network would cut it.  SIGUSR1
instead lets it copy on (no stall again): a stream held back for a while
(tests/cli/xl_postcopy_devices.sh: nothing arrives until a backend has
asked for a page).

usage: pc_relay.py STALL MARK RECEIVER-COMMAND...
"""
import os
import select
import signal
import subprocess
import sys

GO = b"domain is yours, you are cleared to unpause\0"


def main():
    stall, mark, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    child = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    up, down = sys.stdin.fileno(), child.stdout.fileno()
    to_child, to_parent = child.stdin.fileno(), sys.stdout.fileno()
    seen, after, stalled, parent_gone = b"", -1, False, False
    released = []
    signal.signal(signal.SIGUSR1, lambda *_: released.append(1))
    while True:
        if stalled and released:
            stalled, stall = False, float("inf")
        fds = ([] if parent_gone else [down]) + ([] if stalled else [up])
        ready, _, _ = select.select(fds, [], [], 0.2)
        if down in ready:
            data = os.read(down, 65536)
            if not data:
                break
            try:
                os.write(to_parent, data)
            except BrokenPipeError:
                # The sender is done (a request came after its last page):
                # what it wrote before is still to be copied on.
                parent_gone = True
        if up in ready:
            data = os.read(up, 65536 if after < 0 or stall == float("inf")
                           else max(1, stall - after))
            if not data:
                break
            if after < 0:
                seen = (seen + data)[-(len(GO) + 65536):]
                at = seen.find(GO)
                if at >= 0:
                    after = len(seen) - at - len(GO)
            else:
                after += len(data)
            os.write(to_child, data)
            if after >= stall and not released:
                stalled = True
                with open(mark + ".tmp", "w") as f:
                    f.write("%d\n" % os.getpid())
                os.rename(mark + ".tmp", mark)
    child.stdin.close()
    child.wait()


if __name__ == "__main__":
    main()
