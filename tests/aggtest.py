# aggtest.py: what the integration tests share — checks printed as TAP, aggctl, unit codes
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The test scripts run as "python3 tests/test-x.py", so that their own
# folder, and with it this module, is on sys.path.  aggctl is the one the
# AGGCTL environment variable names, as meson sets it.
#
#     import aggtest
#
#     def main():
#         aggtest.check("it works", True)
#
#     if __name__ == "__main__":
#         aggtest.run(main)

import json
import os
import queue
import sqlite3
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse

GS = "\x1d"
GTIN = "09506000134352"
LOT = "DEMO01"
EXPIRY = "281231"

# Every check in the order made: (name, passed, diagnostic, skip reason).
results = []


def check(name, condition, diagnostic=""):
    """Records a check; the diagnostic is printed only when it fails."""
    results.append((name, bool(condition), str(diagnostic), None))
    return bool(condition)


def skip(name, reason):
    results.append((name, True, "", reason))


def finish():
    """Prints the checks as TAP; returns the exit status: 0 when there was
    at least one check and all of them passed."""
    print("1..%d" % len(results))
    for i, (name, ok, diagnostic, skipped) in enumerate(results, 1):
        if skipped is not None:
            print("ok %d - %s # SKIP %s" % (i, name, skipped))
            continue
        print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
        if not ok:
            for line in diagnostic.splitlines():
                print("# " + line)
    return 0 if results and all(ok for _, ok, _, _ in results) else 1


def run(main):
    """Runs @main, then prints the checks and exits.  A crash of the test is
    a failed check of its own."""
    try:
        main()
    except Exception:
        check("the test ran to its end", False, traceback.format_exc())
    sys.exit(finish())


# aggctl

def env(**extra):
    """The environment aggctl runs in: the caller's, in C.UTF-8, without
    the PINs of an earlier command, and with @extra."""
    environ = dict(os.environ, LC_ALL="C.UTF-8")
    environ.pop("AGGCTL_PIN", None)
    environ.pop("AGGCTL_NEW_PIN", None)
    environ.update(extra)
    return environ


def aggctl(*args, stdin=None, timeout=120, **extra_env):
    """Runs aggctl with @args and text @stdin; the completed process."""
    return subprocess.run([os.environ["AGGCTL"], *args], input=stdin, capture_output=True,
                          text=True, env=env(**extra_env), timeout=timeout)


def parse_answer(line):
    """One line of answer, text or bytes, as JSON; {"unparsable": line} when
    it is none."""
    try:
        return json.loads(line)
    except ValueError:
        if isinstance(line, bytes):
            line = line.decode(errors="replace")
        return {"unparsable": line}


def json_lines(text):
    """The answers in @text, one a line."""
    return [parse_answer(line) for line in text.splitlines()]


def init_demo(db, label=""):
    """Makes @db the demo line with "aggctl init --demo", checked; returns
    whether that worked."""
    r = aggctl("--db", db, "init", "--demo")
    return check(label + "init --demo", r.returncode == 0, r.stdout + r.stderr)


def audit_verify(db):
    return aggctl("--db", db, "audit", "verify")


def check_audit_intact(db, label=""):
    r = audit_verify(db)
    return check(label + "audit verify exits 0", r.returncode == 0, r.stdout + r.stderr)


def connect_ro(db):
    """A read-only connection, as another program reads the file."""
    return sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(db), uri=True, timeout=30)


# Codes of the demo line

def unit(serial, lot=LOT, gtin=GTIN, expiry=EXPIRY):
    """A unit's GS1 DataMatrix scan data; the GS ends the lot."""
    return "]d2" + "01" + gtin + "17" + expiry + "10" + lot + GS + "21" + serial


def unit_key(serial, gtin=GTIN):
    """The form a supervisor types, and the audit trail's object."""
    return "(01)%s(21)%s" % (gtin, serial)


# The station

class Station:
    """One "aggctl run" on @db, its standard error kept in @stderr_path.
    A reader thread collects the answers with the time each came; the
    caller may send one command at a time (ask) or a whole burst from a
    thread of its own (send_all), and kill the station at any moment."""

    def __init__(self, db, stderr_path, args=()):
        self.stderr_path = stderr_path
        self.stderr = open(stderr_path, "wb")
        self.proc = subprocess.Popen([os.environ["AGGCTL"], "--db", db, "run", *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, env=env())
        self.answers = queue.Queue()
        self.lines = []
        self.writer = None
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.proc.stdout:
            self.lines.append(raw)
            self.answers.put((time.monotonic(), raw))
        self.answers.put(None)

    def _write(self, data):
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            pass

    def send_all(self, lines):
        """Writes @lines from a thread: the station may die half-way."""
        data = b"".join(line.encode() + b"\n" for line in lines)
        self.writer = threading.Thread(target=self._write, args=(data,), daemon=True)
        self.writer.start()

    def next_answer(self, timeout):
        """(time, raw line) of the next answer; None at the end of the
        output or after @timeout seconds."""
        try:
            return self.answers.get(timeout=timeout)
        except queue.Empty:
            return None

    def ask(self, line, timeout=60):
        """Sends one command and returns its answer as a dict, or None."""
        try:
            self.proc.stdin.write(line.encode() + b"\n")
            self.proc.stdin.flush()
            item = self.answers.get(timeout=timeout)
        except (BrokenPipeError, OSError, queue.Empty):
            return None
        if item is None:
            return None
        return parse_answer(item[1])

    def alive(self):
        return self.proc.poll() is None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()

    def finish(self, timeout=60):
        """Closes input and waits for the end; returns the exit status."""
        try:
            self.proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        try:
            status = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            status = self.proc.wait(timeout=30)
        self.reader.join(timeout=30)
        if self.writer is not None:
            self.writer.join(timeout=30)
        self.stderr.close()
        return status

    def stderr_text(self):
        """The end of what the station wrote to standard error."""
        with open(self.stderr_path, errors="replace") as f:
            return f.read()[-2000:]
