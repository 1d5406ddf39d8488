#!/usr/bin/env python3
# Test helper: the receiving end of an OCI --console-socket. Listens on SOCKET, takes the pty master
# that the runtime sends over SCM_RIGHTS, optionally writes INPUT to it, and copies what the container
# prints to stdout until the pty closes. Usage: console-recv.py SOCKET [INPUT]
import array
import os
import socket
import sys

path = sys.argv[1]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
srv.settimeout(20)
open(path + ".ready", "w").close()
conn, _ = srv.accept()
fds = array.array("i")
msg, anc, _, _ = conn.recvmsg(1024, socket.CMSG_SPACE(4 * fds.itemsize))
for level, kind, data in anc:
    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
        fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
if len(fds) != 1:
    print("console-recv: expected one fd, got %d" % len(fds), file=sys.stderr)
    sys.exit(2)
master = fds[0]
conn.close()
srv.close()
if len(sys.argv) > 2:
    os.write(master, sys.argv[2].encode())
while True:
    try:
        b = os.read(master, 4096)
    except OSError:  # EIO once the last slave fd closes
        break
    if not b:
        break
    sys.stdout.buffer.write(b)
    sys.stdout.flush()
