#!/usr/bin/env python3
# test-station-devices.py: the headless station with real devices around it
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# "aggctl --config FILE run" with a handheld on a socat pseudo-terminal
# pair, a fixed reader on loopback TCP, and the case packer's PLC played
# by tests/plc-server.py (Debian's pymodbus).  Scans from every reader and
# from standard input are answered in one JSON line each, tagged with
# their source; refused scans pulse the PLC's reject coil; a PLC trigger
# makes the fixed reader read; a station fault stops the line; SIGTERM
# stops the station cleanly.  Prints TAP.

import json
import os
import queue
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

import aggtest
from aggtest import check, unit

HERE = os.path.dirname(os.path.abspath(__file__))

REJECT, READY, HEARTBEAT, LINE_STOP = 0, 1, 2, 3
TRIGGER = 0


def wait_for(predicate, timeout=15.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


class Plc:
    """tests/plc-server.py, driven over its standard input."""

    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "plc-server.py")],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        first = self.proc.stdout.readline().split()
        if self.proc.poll() == 77 or len(first) != 2 or first[0] != "port":
            self.port = None
            return
        self.port = int(first[1])
        self.lock = threading.Lock()

    def ask(self, line):
        with self.lock:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
            return self.proc.stdout.readline().strip()

    def history(self, table, address):
        words = self.ask("history %s %d" % (table, address)).split()[1:]
        return [(float(t), int(v)) for t, v in (w.split(":") for w in words)]

    def rising_edges(self, table, address):
        values = [v for _, v in self.history(table, address)]
        return sum(1 for a, b in zip([0] + values, values) if a == 0 and b == 1)

    def close(self):
        try:
            self.ask("exit")
        except (BrokenPipeError, OSError):
            pass
        self.proc.wait(timeout=10)


class FixedReader:
    """A fixed reader's result channel: the station connects to it."""

    def __init__(self):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.conn = None
        self.received = b""

    def accept(self, timeout=15):
        self.listener.settimeout(timeout)
        self.conn, _ = self.listener.accept()
        self.conn.setblocking(False)

    def send(self, data):
        self.conn.sendall(data)

    def read_available(self):
        while True:
            ready, _, _ = select.select([self.conn], [], [], 0)
            if not ready:
                return self.received
            chunk = self.conn.recv(4096)
            if not chunk:
                return self.received
            self.received += chunk


class Run:
    """aggctl --config FILE run, its answers collected by a thread."""

    def __init__(self, db, config, stderr_path):
        self.stderr = open(stderr_path, "wb")
        self.proc = subprocess.Popen([os.environ["AGGCTL"], "--db", db, "--config", config, "run"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, env=aggtest.env())
        self.answers = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.proc.stdout:
            self.answers.put(aggtest.parse_answer(raw))
        self.answers.put(None)

    def send(self, line):
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def next(self, timeout=15):
        try:
            return self.answers.get(timeout=timeout)
        except queue.Empty:
            return None

    def ask(self, line):
        self.send(line)
        return self.next()


def check_labels_waiting(tmp):
    """A printer that cannot be reached: the closed case's label waits, and
    the station says how many labels wait, beside the printer's fault."""
    db = os.path.join(tmp, "labels.db")
    aggtest.init_demo(db, "labels: ")
    closed = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    closed.bind(("127.0.0.1", 0))
    config = os.path.join(tmp, "labels.conf")
    with open(config, "w") as f:
        f.write("[printer:zebra]\ntype = tcp\nhost = 127.0.0.1\nport = %d\n"
                "connect-timeout = 200ms\nretry-max = 1s\n" % closed.getsockname()[1])

    run = Run(db, config, os.path.join(tmp, "labels.stderr"))
    try:
        for line in ("login operator 1111", "start WO-DEMO-1", "scan " + unit("LBL00001")):
            answer = run.ask(line)
            check("labels: " + line.split()[0], answer is not None and answer.get("ok"), answer)
        answer = run.ask("close-case --partial 'printer test'")
        if answer is not None and answer.get("outcome") == "SIGNATURE_REQUIRED":
            answer = run.ask("sign supervisor 2222")
        check("labels: the case closes while the printer is down",
              answer is not None and answer.get("ok"), answer)

        def waiting():
            r = aggtest.aggctl("--db", db, "status", "--json")
            if r.returncode != 0:
                return None
            station = json.loads(r.stdout).get("station") or {}
            warnings = {w["id"]: w["message"] for w in station.get("warnings", [])}
            faults = {w["id"] for w in station.get("faults", [])}
            if warnings.get("labels") == "1 label waiting to print" and "printer:zebra" in faults:
                return True
            return None
        check("labels: the station says a label waits, beside the printer's fault",
              wait_for(waiting), aggtest.aggctl("--db", db, "status", "--json").stdout)
    finally:
        run.proc.send_signal(signal.SIGTERM)
        run.proc.wait(timeout=20)
        closed.close()


def main():
    if shutil.which("socat") is None:
        aggtest.skip("the headless station with devices", "socat is not installed")
        return

    plc = Plc()
    if plc.port is None:
        aggtest.skip("the headless station with devices", "python3-pymodbus is not installed")
        return

    tmp = tempfile.mkdtemp(prefix="station-devices-")
    db = os.path.join(tmp, "station.db")
    pty_station = os.path.join(tmp, "hand-station")
    pty_reader = os.path.join(tmp, "hand-reader")
    socat = subprocess.Popen(["socat", "pty,raw,echo=0,link=" + pty_station,
                              "pty,raw,echo=0,link=" + pty_reader],
                             stderr=subprocess.DEVNULL)
    fixed = FixedReader()
    run = None

    try:
        check("pseudo-terminal pair ready",
              wait_for(lambda: os.path.exists(pty_station) and os.path.exists(pty_reader)))
        aggtest.init_demo(db)

        config = os.path.join(tmp, "station.conf")
        with open(config, "w") as f:
            f.write("""[station]
name = Test line
gln = 9506000000008

[scanner:hand]
type = serial
device = %s
role = unit
framing = cr

[scanner:fixed]
type = tcp-client
host = 127.0.0.1
port = %d
role = any
framing = crlf
trigger-command = LON\\r
no-read = ERROR
reconnect-min = 50ms
reconnect-max = 500ms

[plc]
type = modbus-tcp
host = 127.0.0.1
port = %d
response-timeout = 500ms
poll-interval = 50ms
heartbeat-period = 200ms

[plc.map]
trigger = discrete:%d
reject = coil:%d
reject-pulse = 100ms
ready = coil:%d
heartbeat = coil:%d
line-stop = coil:%d
""" % (pty_station, fixed.port, plc.port, TRIGGER, REJECT, READY, HEARTBEAT, LINE_STOP))

        # A configuration with a typo is refused before anything opens.
        bad = os.path.join(tmp, "bad.conf")
        with open(bad, "w") as f:
            f.write("[station]\nname = x\n\n[scanner:hand]\ntype = serial\ndevice = %s\nbaud = fast\n"
                    % pty_station)
        r = aggtest.aggctl("--db", db, "--config", bad, "run", stdin="")
        check("a bad configuration is refused with its file and line",
              r.returncode == 1 and (bad + ":7:") in r.stderr and "baud" in r.stderr, r.stderr)

        run = Run(db, config, os.path.join(tmp, "run.stderr"))
        fixed.accept()
        check("the station connects to the fixed reader", fixed.conn is not None)

        answer = run.ask("login operator 1111")
        check("login on standard input", answer is not None and answer.get("ok"), answer)
        answer = run.ask("start WO-DEMO-1")
        check("start the order", answer is not None and answer.get("ok"), answer)

        check("the PLC sees the station ready and its heartbeat",
              wait_for(lambda: plc.ask("get co %d" % READY) == "value 1" and
                       plc.rising_edges("co", HEARTBEAT) >= 2), plc.history("co", HEARTBEAT))

        # The handheld on its serial port.
        with open(pty_reader, "wb", buffering=0) as hand:
            hand.write(unit("DEV00001").encode() + b"\r")
            answer = run.next()
            check("a handheld scan is processed, tagged with its reader",
                  answer is not None and answer.get("ok") and answer.get("source") == "hand",
                  answer)

            edges_before = plc.rising_edges("co", REJECT)
            hand.write(unit("DEV00001").encode() + b"\r")
            answer = run.next()
            check("the same unit again is refused",
                  answer is not None and not answer.get("ok") and answer.get("source") == "hand",
                  answer)
            check("a refused scan pulses the reject coil once",
                  wait_for(lambda: plc.rising_edges("co", REJECT) == edges_before + 1),
                  plc.history("co", REJECT))
            check("the reject pulse ends",
                  wait_for(lambda: plc.ask("get co %d" % REJECT) == "value 0"))

            hand.write(b"\x00\xff garbage \x01\r")
            answer = run.next()
            check("garbage on the port is reported, not lost",
                  answer is not None and not answer.get("ok") and answer.get("source") == "hand",
                  answer)

            # A case label on the unit reader never reaches the engine.
            hand.write(b"]C1" + b"00095060000000000015" + b"\r")
            answer = run.next()
            check("a unit reader refuses a case label",
                  answer is not None and answer.get("outcome") == "NOT_A_UNIT", answer)

        # The fixed reader: partial frames, and a read on the PLC's trigger.
        data = unit("DEV00002").encode() + b"\r\n"
        fixed.send(data[:7])
        time.sleep(0.1)
        fixed.send(data[7:])
        answer = run.next()
        check("a fixed reader's frame, sent in parts, is one scan",
              answer is not None and answer.get("ok") and answer.get("source") == "fixed", answer)

        answer = run.ask("scan " + unit("DEV00003"))
        check("standard input scans still work beside the readers",
              answer is not None and answer.get("ok") and answer.get("source") == "stdin", answer)

        plc.ask("set di %d 1" % TRIGGER)
        check("the PLC's trigger makes the fixed reader read",
              wait_for(lambda: b"LON\r" in fixed.read_available()), fixed.received)
        plc.ask("set di %d 0" % TRIGGER)
        fixed.send(b"ERROR\r\n")
        answer = run.next()
        check("a no-read is reported as a refused scan",
              answer is not None and not answer.get("ok") and answer.get("source") == "fixed",
              answer)

        # What aggctl status sees of the running station.
        def devices():
            r = aggtest.aggctl("--db", db, "status", "--json")
            if r.returncode != 0:
                return None
            status = json.loads(r.stdout)
            station = status.get("station") or {}
            found = {d["name"]: d for d in status.get("devices", [])}
            if station.get("running") and all(found.get(n, {}).get("connected")
                                               for n in ("hand", "fixed", "plc")) and \
                    found["hand"]["figures"]["frames"] >= 4:
                return status
            return None
        status = wait_for(devices)
        check("aggctl status shows the running station's readers and PLC", status is not None,
              aggtest.aggctl("--db", db, "status", "--json").stdout)
        if status is not None:
            hand_status = next(d for d in status["devices"] if d["name"] == "hand")
            check("the reader's counters reach aggctl status",
                  hand_status["figures"]["frames"] >= 4 and hand_status["figures"]["good"] >= 1 and
                  hand_status["figures"]["bad"] >= 3, hand_status)

        # The fixed reader's link drops: the station says so and reconnects.
        fixed.conn.close()
        fixed.accept()
        fixed.send(unit("DEV00004").encode() + b"\r\n")
        answer = run.next()
        check("after a reconnect the fixed reader's scans arrive again",
              answer is not None and answer.get("ok") and answer.get("source") == "fixed", answer)

        # A station fault: the line stops.  A full SSCC range is one; it
        # is simplest to make by exhausting the demo's range.
        answer = run.ask("close-case --partial 'line test'")
        if answer is not None and answer.get("outcome") == "SIGNATURE_REQUIRED":
            answer = run.ask("sign supervisor 2222")
        check("the open case closes", answer is not None and answer.get("ok"), answer)
        rw = sqlite3.connect(db, timeout=30)
        rw.execute("UPDATE sscc_ranges SET next_ref = last_ref + 1")
        rw.commit()
        rw.close()
        answer = run.ask("scan " + unit("DEV00005"))
        check("no SSCC left: the scan is refused",
              answer is not None and answer.get("outcome") == "SSCC_RANGE_EXHAUSTED", answer)
        check("a station fault requests line stop",
              wait_for(lambda: plc.ask("get co %d" % LINE_STOP) == "value 1"))
        check("a station fault takes the ready signal away",
              wait_for(lambda: plc.ask("get co %d" % READY) == "value 0"))

        run.proc.send_signal(signal.SIGTERM)
        code = run.proc.wait(timeout=20)
        check("SIGTERM stops the station cleanly", code == 0, code)
        r = aggtest.aggctl("--db", db, "status", "--json")
        station = json.loads(r.stdout).get("station") if r.returncode == 0 else None
        check("a stopped station says so", station is not None and not station.get("running"),
              r.stdout)
        check_labels_waiting(tmp)
        aggtest.check_audit_intact(db)
    finally:
        if run is not None and run.proc.poll() is None:
            run.proc.kill()
            run.proc.wait()
        socat.terminate()
        socat.wait()
        plc.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    aggtest.run(main)
