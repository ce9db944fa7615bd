#!/usr/bin/env python3
# test-aggctl-plc.py: commissioning the PLC with aggctl plc
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs aggctl plc status, plc pulse reject and plc pulse test-lights
# against tests/plc-server.py, a pymodbus server that logs every write:
# status reads the inputs and the outputs' current values and writes
# nothing; a pulse reaches the PLC once, as long as configured; the light
# test shows green, amber, red, then all three.  Also the exit statuses for
# a PLC that is not there, a configuration without [plc], a bad one and a
# wrong command line.  Prints TAP.

import json
import os
import shutil
import subprocess
import sys
import tempfile

import aggtest
from aggtest import check

HERE = os.path.dirname(os.path.abspath(__file__))


class Peer:
    """plc-server.py, steered over its standard input."""

    def __init__(self, port=0):
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "plc-server.py"),
                                      "--port", str(port)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        first = self.proc.stdout.readline().strip()
        self.skip = first[len("skip: "):] if first.startswith("skip: ") else None
        self.port = int(first.split()[1]) if first.startswith("port ") else None

    def ask(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def history(self, table, address):
        """[(time, value)] of the client's writes to @address."""
        words = self.ask("history %s %d" % (table, address)).split()[1:]
        return [(float(w.split(":")[0]), int(w.split(":")[1])) for w in words]

    def kill(self):
        self.proc.kill()
        self.proc.wait(timeout=30)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)


MAP = """
[plc.map]
trigger = discrete:3
case-present = input-register:40.2
line-running = coil:100
reject = coil:10
reject-pulse = 200ms
ready = coil:11
heartbeat = coil:12
line-stop = coil:13
light-green = holding-register:20.0
light-amber = holding-register:20.1
light-red = holding-register:20.2
"""

OUTPUTS = [("co", 10), ("co", 11), ("co", 12), ("co", 13), ("hr", 20)]


def write_config(path, port):
    with open(path, "w") as f:
        f.write("[plc]\ntype = modbus-tcp\nhost = 127.0.0.1\nport = %d\n"
                "response-timeout = 300ms\npoll-interval = 50ms\n" % port)
        f.write(MAP)


def main():
    tmp = tempfile.mkdtemp(prefix="test-aggctl-plc-")
    conf = os.path.join(tmp, "station.conf")
    peer = Peer()
    if peer.skip is not None:
        print("1..0 # SKIP %s" % peer.skip)
        sys.exit(0)

    try:
        write_config(conf, peer.port)
        peer.ask("set di 3 1")
        peer.ask("set ir 40 4")
        peer.ask("set co 11 1")
        peer.ask("set hr 20 2")

        r = aggtest.aggctl("--config", conf, "plc", "status", "--json")
        check("plc status exits 0 with the PLC there", r.returncode == 0, r.stdout + r.stderr)
        status = aggtest.parse_answer(r.stdout)
        check("plc status --json: connected, online, no error",
              status.get("connected") is True and status.get("state") == "online"
              and status.get("last_error") is None, status)
        check("plc status --json: the inputs as the PLC holds them",
              status.get("inputs") == {"trigger": True, "case_present": True,
                                       "line_running": False}, status)
        check("plc status --json: the outputs as the PLC holds them",
              status.get("outputs") == {"reject": False, "ready": True, "heartbeat": False,
                                        "line_stop": False, "green": False, "amber": True,
                                        "red": False}, status)
        check("plc status --json: a round-trip time",
              isinstance(status.get("rtt_ms"), float) and status["rtt_ms"] > 0, status)
        check("plc status writes nothing",
              all(peer.history(t, a) == [] for t, a in OUTPUTS),
              [(t, a, peer.history(t, a)) for t, a in OUTPUTS])

        r = aggtest.aggctl("--config", conf, "plc", "status")
        check("plc status in words", r.returncode == 0 and "online" in r.stdout
              and "Round trip" in r.stdout and "case_present" in r.stdout, r.stdout + r.stderr)

        r = aggtest.aggctl("--config", conf, "plc", "pulse", "reject")
        check("plc pulse reject exits 0", r.returncode == 0, r.stdout + r.stderr)
        writes = peer.history("co", 10)
        ons = [i for i, (_, v) in enumerate(writes) if v == 1]
        check("plc pulse reject: one pulse, then off",
              len(ons) == 1 and ons[0] + 1 < len(writes) and writes[-1][1] == 0, writes)
        if len(ons) == 1 and ons[0] + 1 < len(writes):
            length = writes[ons[0] + 1][0] - writes[ons[0]][0]
            check("plc pulse reject: at least the configured 200 ms", length >= 0.2, length)
        ready = peer.history("co", 11)
        check("the commissioning run leaves the station not ready",
              len(ready) > 0 and ready[-1][1] == 0, ready)

        r = aggtest.aggctl("--config", conf, "plc", "pulse", "test-lights", timeout=60)
        check("plc pulse test-lights exits 0", r.returncode == 0, r.stdout + r.stderr)
        check("plc pulse test-lights names each step",
              r.stdout.split("\n")[:4] == ["green", "amber", "red", "all three"], r.stdout)
        # Each lamp is its own bit, written one at a time: the register
        # passes through other values on the way from one step to the next.
        lights = [v & 7 for _, v in peer.history("hr", 20)]
        wanted = iter(lights)
        check("plc pulse test-lights: green, amber, red, all three, in that order",
              all(step in wanted for step in (1, 2, 4, 7)), lights)

        # The PLC gone: status says why and exits 1.
        port = peer.port
        peer.kill()
        r = aggtest.aggctl("--config", conf, "plc", "status", "--json")
        status = aggtest.parse_answer(r.stdout)
        check("plc status without the PLC exits 1", r.returncode == 1, r.stdout + r.stderr)
        check("plc status without the PLC says it cannot connect",
              "127.0.0.1:%d" % port in (status.get("last_error") or "")
              and status.get("connected") is False, status)
        r = aggtest.aggctl("--config", conf, "plc", "pulse", "reject")
        check("plc pulse without the PLC exits 1", r.returncode == 1, r.stdout + r.stderr)

        other = os.path.join(tmp, "none.conf")
        with open(other, "w") as f:
            f.write("[station]\nname = L1\n")
        r = aggtest.aggctl("--config", other, "plc", "status")
        check("plc status without [plc] exits 1 and says so",
              r.returncode == 1 and "[plc]" in r.stderr, r.stderr)

        bad = os.path.join(tmp, "bad.conf")
        with open(bad, "w") as f:
            f.write("[plc]\ntype = modbus-tcp\nhost = 127.0.0.1\n[plc.map]\nreject = discrete:4\n")
        r = aggtest.aggctl("--config", bad, "plc", "status")
        check("a read-only reject address is refused with its file and line",
              r.returncode == 1 and (bad + ":5: [plc.map] reject:") in r.stderr, r.stderr)

        nolights = os.path.join(tmp, "nolights.conf")
        with open(nolights, "w") as f:
            f.write("[plc]\ntype = modbus-tcp\nhost = 127.0.0.1\n[plc.map]\nready = coil:4\n")
        for command in (["pulse", "test-lights"], ["pulse", "reject"]):
            r = aggtest.aggctl("--config", nolights, "plc", *command)
            check("plc %s with nothing to drive exits 1" % " ".join(command),
                  r.returncode == 1 and "[plc.map]" in r.stderr, r.stderr)

        for args in (["plc"], ["plc", "pulse"], ["plc", "pulse", "horn"], ["plc", "status", "-x"]):
            r = aggtest.aggctl("--config", conf, *args)
            check("usage error exits 2: " + " ".join(args), r.returncode == 2, r.stderr)
    finally:
        peer.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    aggtest.run(main)
