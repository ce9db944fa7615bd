#!/usr/bin/env python3
# printer-peer.py: a Zebra-class label printer on a loopback TCP port
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Listens on 127.0.0.1, prints "PORT <n>" on its first line of output, and
# then serves one connection at a time as a ZPL printer on port 9100 does:
#
#   - every ~HS gets the three host status strings of the ZPL II
#     Programming Guide for the current state;
#   - every format (^XA … ^XZ) is written to its own file in --jobs
#     (job-0001.zpl, …), in the order received.
#
# Its state is read from --state-file before each answer, so that a test
# changes it while the peer runs: "ok", "paper-out", "head-open",
# "paused", "ribbon-out", "silent" (reads, never answers), "hangup"
# (closes each connection at once), "cut" (closes a connection halfway
# through the first format it receives).  A missing file means "ok".

import argparse
import os
import socket
import sys

STX, ETX = "\x02", "\x03"


def host_status(state):
    """The three strings for @state: (paper out, pause) in the first,
    (head up, ribbon out) in the second; a thermal-transfer printer in
    tear-off mode with nothing else to report."""
    paper_out = 1 if state == "paper-out" else 0
    paused = 1 if state in ("paused", "paper-out", "head-open", "ribbon-out") else 0
    head_up = 1 if state == "head-open" else 0
    ribbon_out = 1 if state == "ribbon-out" else 0
    first = "030,%d,%d,1218,000,0,0,0,000,0,0,0" % (paper_out, paused)
    second = "001,0,%d,%d,1,2,6,0,00000000,1,000" % (head_up, ribbon_out)
    third = "1234,0"
    return "".join(STX + s + ETX + "\r\n" for s in (first, second, third)).encode()


def read_state(path):
    try:
        with open(path) as f:
            return f.read().strip() or "ok"
    except FileNotFoundError:
        return "ok"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", required=True, help="folder for the formats received")
    parser.add_argument("--state-file", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()

    os.makedirs(args.jobs, exist_ok=True)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(8)
    print("PORT %d" % listener.getsockname()[1], flush=True)

    n_jobs = 0
    while True:
        connection, _ = listener.accept()
        state = read_state(args.state_file)
        if state == "hangup":
            connection.close()
            continue
        pending = b""
        cut = state == "cut"
        try:
            while True:
                data = connection.recv(65536)
                if not data:
                    break
                pending += data
                while True:
                    hs = pending.find(b"~HS")
                    start = pending.find(b"^XA")
                    end = pending.find(b"^XZ", start) if start >= 0 else -1
                    if hs >= 0 and (start < 0 or hs < start):
                        pending = pending[hs + 3:]
                        state = read_state(args.state_file)
                        if state != "silent":
                            connection.sendall(host_status(state))
                        continue
                    if cut and start >= 0:
                        # Half a format, then the line goes dead.
                        raise ConnectionAbortedError
                    if start >= 0 and end >= 0:
                        n_jobs += 1
                        path = os.path.join(args.jobs, "job-%04d.zpl" % n_jobs)
                        with open(path + ".part", "wb") as f:
                            f.write(pending[start:end + 3])
                        os.rename(path + ".part", path)
                        pending = pending[end + 3:]
                        continue
                    break
        except (ConnectionError, OSError):
            pass
        finally:
            connection.close()


if __name__ == "__main__":
    sys.exit(main())
