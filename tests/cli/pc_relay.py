#!/usr/bin/env python3
"""A migration channel's relay for tests/cli/xl_postcopy.sh: run as
xl migrate's -s '' host command, it runs the receiver command with pipes
of its own and copies both directions.  Once the sender's "go" message
has passed and STALL bytes after it, it stops copying the sender's side,
writes its pid to MARK and waits to be killed: a connection cut in the
middle of the postcopy stream, as a network would cut it.

usage: pc_relay.py STALL MARK RECEIVER-COMMAND...
"""
import os
import select
import subprocess
import sys

GO = b"domain is yours, you are cleared to unpause\0"


def main():
    stall, mark, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    child = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    up, down = sys.stdin.fileno(), child.stdout.fileno()
    to_child, to_parent = child.stdin.fileno(), sys.stdout.fileno()
    seen, after, stalled = b"", -1, False
    while True:
        fds = [down] + ([] if stalled else [up])
        ready, _, _ = select.select(fds, [], [])
        if down in ready:
            data = os.read(down, 65536)
            if not data:
                break
            os.write(to_parent, data)
        if up in ready:
            data = os.read(up, 65536 if after < 0 else max(1, stall - after))
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
            if after >= stall:
                stalled = True
                with open(mark + ".tmp", "w") as f:
                    f.write("%d\n" % os.getpid())
                os.rename(mark + ".tmp", mark)
    child.stdin.close()
    child.wait()


if __name__ == "__main__":
    main()
