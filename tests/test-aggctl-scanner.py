#!/usr/bin/env python3
# test-aggctl-scanner.py: aggctl scanner list and listen
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Proves what an integrator sees while wiring readers: the configured
# readers listed, a bad group refused with its file and line, and
# "scanner listen" printing a reader's connection and its frames, GS
# restored, from a real pseudo-terminal pair, then stopping cleanly on
# --count and on SIGTERM.  Prints TAP.

import json
import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import aggtest
from aggtest import check

AGGCTL = os.environ["AGGCTL"]

tmp = tempfile.mkdtemp(prefix="test-aggctl-scanner-")


def write_config(name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def wait_for(condition, timeout=10.0):
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            return False
        time.sleep(0.01)
    return True


def read_line(proc, timeout=10.0):
    """The next line of @proc's output, parsed; None at a timeout or the
    end of its output."""
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    if not ready:
        return None
    line = proc.stdout.readline()
    return json.loads(line) if line else None


def test_list():
    config = write_config("list.conf",
                          "[scanner:hand]\n"
                          "type = serial\n"
                          "device = /dev/serial/by-id/usb-Reader-if00\n"
                          "role = unit\n"
                          "[scanner:case]\n"
                          "type = tcp-client\n"
                          "host = 192.0.2.7\n"
                          "port = 23\n"
                          "role = case\n")
    r = aggtest.aggctl("--config", config, "scanner", "list", "--json")
    check("scanner list --json exits 0", r.returncode == 0, r.stderr)
    readers = json.loads(r.stdout) if r.returncode == 0 else []
    check("scanner list names the readers in file order",
          [x["name"] for x in readers] == ["hand", "case"], r.stdout)
    check("scanner list gives each reader's endpoint, role and kind",
          [(x["endpoint"], x["role"], x["kind"]) for x in readers]
          == [("/dev/serial/by-id/usb-Reader-if00", "unit", "handheld"),
              ("192.0.2.7:23", "case", "fixed")], r.stdout)
    check("listed readers are stopped", all(x["state"] == "stopped" for x in readers), r.stdout)

    r = aggtest.aggctl("--config", config, "scanner", "list")
    check("scanner list prints one line per reader", len(r.stdout.splitlines()) == 2, r.stdout)


def test_bad_config():
    config = write_config("bad.conf",
                          "[scanner:hand]\n"
                          "type = serial\n"
                          "device = /dev/ttyACM0\n"
                          "parity = maybe\n")
    r = aggtest.aggctl("--config", config, "scanner", "list")
    check("a bad scanner group fails with exit status 1", r.returncode == 1, r.stderr)
    check("the error names the file, line, group and key",
          "bad.conf:4: [scanner:hand] parity:" in r.stderr, r.stderr)

    r = aggtest.aggctl("--config", config.replace("bad", "list"), "scanner", "listen", "nosuch")
    check("listening to an unknown reader fails", r.returncode == 1 and "nosuch" in r.stderr,
          r.stderr)

    r = aggtest.aggctl("scanner", "frobnicate")
    check("an unknown scanner command is a usage error", r.returncode == 2, r.stderr)


def test_listen_serial():
    if shutil.which("socat") is None:
        aggtest.skip("scanner listen on a pseudo-terminal", "socat is not installed")
        return
    a = os.path.join(tmp, "a")
    b = os.path.join(tmp, "b")
    socat = subprocess.Popen(["socat", "-d", "-d", "pty,raw,echo=0,link=" + a,
                              "pty,raw,echo=0,link=" + b],
                             stderr=subprocess.DEVNULL)
    try:
        check("socat makes a pseudo-terminal pair",
              wait_for(lambda: os.path.exists(a) and os.path.exists(b)))
        config = write_config("listen.conf",
                              "[scanner:hand]\n"
                              "type = serial\n"
                              "device = %s\n"
                              "gs-substitute = ~\n" % a)
        proc = subprocess.Popen([AGGCTL, "--config", config, "scanner", "listen", "--json",
                                 "--count", "3"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=aggtest.env())
        first = read_line(proc)
        check("listen reports the reader connected",
              first is not None and first["event"] == "connected" and first["reader"] == "hand"
              and first["data"] == a, first)

        fd = os.open(b, os.O_RDWR | os.O_NOCTTY)
        os.write(fd, b"A1\r0109506000134352~10X\rB")
        os.write(fd, b"2\r")
        events = [read_line(proc) for _ in range(3)]
        frames = [e["data"] for e in events if e is not None and e["event"] == "frame"]
        check("listen prints each frame once, in order, GS restored",
              frames == ["A1", "0109506000134352\x1d10X", "B2"], events)
        check("listen stops after --count frames with status 0", proc.wait(10) == 0,
              proc.stderr.read())
        proc.stdout.close()
        proc.stderr.close()
        os.close(fd)
    finally:
        socat.terminate()
        socat.wait()


def test_listen_stops_on_sigterm():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = write_config("server.conf",
                          "[scanner:tunnel]\n"
                          "type = tcp-server\n"
                          "listen = 127.0.0.1\n"
                          "port = %d\n" % port)
    proc = subprocess.Popen([AGGCTL, "--config", config, "scanner", "listen"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=aggtest.env())
    peer = None
    end = time.monotonic() + 10
    while peer is None and time.monotonic() < end:
        try:
            peer = socket.create_connection(("127.0.0.1", port), timeout=1)
        except OSError:
            time.sleep(0.02)
    check("the tcp-server reader accepts a peer", peer is not None)
    if peer is not None:
        peer.sendall(b"HELLO\r")
        peer.close()
    line = proc.stdout.readline()
    check("listen prints the peer's connection as text", "tunnel" in line and "connected" in line,
          line)
    line = proc.stdout.readline()
    check("listen prints the peer's frame as text", "frame" in line and "HELLO" in line, line)
    proc.send_signal(signal.SIGTERM)
    check("listen stops on SIGTERM with status 0", proc.wait(10) == 0, proc.stderr.read())
    proc.stdout.close()
    proc.stderr.close()


def main():
    try:
        test_list()
        test_bad_config()
        test_listen_serial()
        test_listen_stops_on_sigterm()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    aggtest.run(main)
