#!/usr/bin/env python3
"""A migration channel over TCP for tests/cli/xl_migrate_netns.sh.

tcp_pipe.py listen ADDR PORT READY PEER -- COMMAND...
    accept one connection on ADDR:PORT (READY is created once listening),
    write the peer's address to PEER, and run COMMAND with the socket as
    its stdin and stdout (the receiving host's xl migrate-receive).
tcp_pipe.py connect ADDR PORT
    connect and copy stdin to the socket and the socket to stdout (the
    sending host's side, run by xl migrate -s '' as its host command).
"""
import os
import select
import socket
import subprocess
import sys


def listen(addr, port, ready, peer, cmd):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(1)
    open(ready, "w").close()
    conn, who = srv.accept()
    srv.close()
    with open(peer, "w") as f:
        f.write("%s\n" % who[0])
    sys.exit(subprocess.call(cmd, stdin=conn.fileno(), stdout=conn.fileno()))


def connect(addr, port):
    s = socket.create_connection((addr, port))
    up, down = sys.stdin.fileno(), sys.stdout.fileno()
    fds = [up, s.fileno()]
    while fds:
        ready, _, _ = select.select(fds, [], [])
        if up in ready:
            data = os.read(up, 65536)
            if data:
                s.sendall(data)
            else:
                s.shutdown(socket.SHUT_WR)
                fds.remove(up)
        if s.fileno() in ready:
            data = s.recv(65536)
            if not data:
                break
            os.write(down, data)


if __name__ == "__main__":
    if sys.argv[1] == "listen":
        listen(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[7:])
    else:
        connect(sys.argv[2], int(sys.argv[3]))
