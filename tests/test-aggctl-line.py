#!/usr/bin/env python3
# test-aggctl-line.py: the headless station and the administration commands
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Proves the contract of aggctl init, run, show, user, workorder, events,
# audit and backup as a script sees it: one JSON answer per command line,
# the engine's outcome names and ok flags, signatures through "sign",
# BAD_REQUEST for malformed lines, exit statuses 0/1/2, and a clean stop on
# SIGTERM and SIGINT.  Works on the demo line (12 units per case).  Prints
# TAP.

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

import aggtest
from aggtest import GTIN, check, unit

AGGCTL = os.environ["AGGCTL"]

tmp = tempfile.mkdtemp(prefix="test-aggctl-line-")
db = os.path.join(tmp, "station.db")


def aggctl(*args, stdin=None, pin=None, new_pin=None, database=None):
    """aggctl on @database (the station's by default), with the PINs it
    asks for in its environment."""
    pins = {}
    if pin is not None:
        pins["AGGCTL_PIN"] = pin
    if new_pin is not None:
        pins["AGGCTL_NEW_PIN"] = new_pin
    return aggtest.aggctl("--db", database or db, *args, stdin=stdin, **pins)


def session(lines, *args):
    """Runs "aggctl run" on @lines; returns the process and its answers."""
    r = aggctl("run", *args, stdin="".join(line + "\n" for line in lines))
    return r, aggtest.json_lines(r.stdout)


def outcome(answer):
    return answer.get("outcome"), answer.get("ok")


def check_next(answers, name, *expected):
    """Checks that the next of @answers has one of the @expected (outcome,
    ok) pairs; returns it."""
    a = next(answers)
    check(name, outcome(a) in expected, a)
    return a


try:
    # No database yet: run and read-only commands refuse and create nothing.
    r = aggctl("run", stdin="help\n")
    check("run without a database exits 1", r.returncode == 1, r.stderr)
    r = aggctl("audit", "verify")
    check("audit verify without a database exits 1", r.returncode == 1, r.stderr)
    check("no database was created by them", not os.path.exists(db))

    # init --demo creates the demo line once; init is no reset.
    r = aggctl("init", "--demo")
    check("init --demo exits 0", r.returncode == 0, r.stdout + r.stderr)
    check("init --demo prints what it created",
          "WO-DEMO-1" in r.stdout and "operator" in r.stdout, r.stdout)
    r = aggctl("init", "--demo")
    check("init refuses a database with users", r.returncode == 1, r.stdout + r.stderr)
    for args in (["init"], ["init", "--admin", "root"], ["init", "--demo", "--admin", "root",
                                                         "--name", "Root"]):
        r = aggctl(*args)
        check("usage error exits 2: " + " ".join(args), r.returncode == 2, r.stderr)

    # init --admin on a fresh database, the PIN from the first line of input.
    other = os.path.join(tmp, "other.db")
    r = aggctl("init", "--admin", "root", "--name", "Root Admin", stdin="987654\n",
               database=other)
    check("init --admin exits 0", r.returncode == 0 and "root" in r.stdout, r.stdout + r.stderr)
    r = aggctl("user", "list", "--json", database=other)
    users = json.loads(r.stdout) if r.returncode == 0 else []
    check("init --admin made one admin",
          [(u["username"], u["role"]) for u in users] == [("root", "admin")], r.stdout)
    r = aggctl("--as", "root", "user", "add", "op", "--name", "Op", "--role", "operator",
               stdin="987654\n4242\n", database=other)
    check("the first admin can add users (PINs from input lines)", r.returncode == 0,
          r.stdout + r.stderr)

    # The session.
    serials = ["SN%04d" % i for i in range(1, 13)]
    lines = ["help",
             "scan " + unit("SN9999"),
             "login operator 1111",
             "start WO-DEMO-1"]
    lines += ["scan " + unit(s) for s in serials]
    lines += ["scan " + unit("SN0013", lot="WRONG1"),
              "scan " + unit("SN0001"),
              "scan " + unit("SN0014"),
              "scan " + unit("SN0014"),
              "scan ]d1HELLO",
              "scan ]d2" + "01" + "09506000134353" + "21X",
              "",
              "   ",
              "remove-unit (01)%s(21)SN0002 'damaged in the case'" % GTIN,
              "sign supervisor 0000",
              "sign supervisor 2222",
              "sign supervisor 2222",
              "remove-unit (01)%s(21)SN0003 damaged" % GTIN,
              "help",
              "sign supervisor 2222",
              "frobnicate",
              "start",
              "close-case --partial 'unbalanced",
              "mode sideways",
              "logout\r"]
    r, answers = session(lines)
    n_commands = len([line for line in lines if line.strip()])
    check("run exits 0 at the end of input", r.returncode == 0, r.stderr)
    check("one JSON answer per non-empty line", len(answers) == n_commands,
          "%d answers for %d commands\n%s" % (len(answers), n_commands, r.stdout))
    check("every answer has ok, outcome and message",
          all({"ok", "outcome", "message"} <= set(a) for a in answers), r.stdout)

    if len(answers) == n_commands:
        it = iter(answers)
        a = next(it)
        check("help answers with the commands",
              a["ok"] and any(c.startswith("remove-unit") for c in a.get("commands", [])), a)
        check_next(it, "a scan before login is refused", ("NOT_LOGGED_IN", False))
        check_next(it, "login operator", ("ACCEPTED", True))
        check_next(it, "start WO-DEMO-1", ("ACCEPTED", True))

        scans = [next(it) for _ in serials]
        check("12 valid scans accepted", all(outcome(a) == ("ACCEPTED", True) for a in scans),
              "\n".join(json.dumps(a) for a in scans))
        check("the first 11 leave the case open",
              all(a.get("case_closed") is False for a in scans[:11]), scans[10])
        last = scans[-1]
        case = last.get("case", {})
        sscc = case.get("sscc", "")
        check("the 12th closes the case",
              last.get("case_closed") is True and case.get("status") == "closed" and
              case.get("count") == 12, last)
        check("all 12 went into the same case",
              len({a.get("case", {}).get("sscc") for a in scans}) == 1 and len(sscc) == 18,
              scans)

        check_next(it, "wrong lot", ("WRONG_LOT", False))
        check_next(it, "a unit already in a closed case",
                   ("ALREADY_AGGREGATED", False), ("DUPLICATE_IN_THIS_CASE", False))
        a = next(it)
        check("the next unit opens a new case",
              outcome(a) == ("ACCEPTED", True) and a.get("case", {}).get("sscc") != sscc, a)
        check_next(it, "the same unit twice in the open case", ("DUPLICATE_IN_THIS_CASE", False))
        check_next(it, "non-GS1 data", ("NOT_GS1", False))
        check_next(it, "a wrong check digit", ("INVALID_GS1", False))

        check_next(it, "an operator's correction needs a signature",
                   ("SIGNATURE_REQUIRED", False), ("NOT_PERMITTED", False))
        a = next(it)
        check("a wrong signer PIN is refused",
              a["ok"] is False and a["outcome"] in ("BAD_CREDENTIALS", "NOT_PERMITTED"), a)
        check_next(it, "the supervisor's signature runs the correction", ("ACCEPTED", True))
        check_next(it, "a signature is used once", ("BAD_REQUEST", False))

        check_next(it, "another correction waits for a signature", ("SIGNATURE_REQUIRED", False))
        a = next(it)
        check("help in between", a["ok"] is True, a)
        check_next(it, "any other command drops the pending request", ("BAD_REQUEST", False))

        for what in ("unknown command", "wrong argument count", "unbalanced quotes",
                     "bad mode"):
            a = next(it)
            check("BAD_REQUEST for " + what, outcome(a) == ("BAD_REQUEST", False) and
                  a["message"], a)
        check_next(it, "a CRLF line is a command", ("ACCEPTED", True))
    else:
        sscc = ""

    # show: the case as the record holds it, without logging in.
    r = aggctl("show", "--json", sscc)
    record = {}
    if r.returncode == 0:
        record = json.loads(r.stdout).get("record", {})
    check("show --json exits 0", r.returncode == 0, r.stdout + r.stderr)
    children = record.get("children", [])
    check("show --json: the case and its units",
          record.get("kind") == "case" and record.get("sscc") == sscc and
          len(children) == 11 and "SN0002" not in [c.get("serial") for c in children],
          r.stdout)
    check("show --json: the case's history",
          [h.get("action") for h in record.get("history", [])][:1] == ["case.open"], r.stdout)
    r = aggctl("show", sscc)
    check("show in words: status, units and history",
          r.returncode == 0 and sscc in r.stdout and "SN0012" in r.stdout and
          "History:" in r.stdout, r.stdout + r.stderr)
    r = aggctl("show", "(01)%s(21)SN0002" % GTIN)
    check("show a removed unit: who signed", r.returncode == 0 and "removed" in r.stdout and
          "supervisor" in r.stdout and "damaged in the case" in r.stdout, r.stdout)
    r = aggctl("show", "009506000999999999")
    check("show an unknown SSCC exits 1", r.returncode == 1, r.stdout + r.stderr)
    r = aggctl("show")
    check("show without a code exits 2", r.returncode == 2, r.stderr)

    # The audit trail and the EPCIS outbox.
    r = aggctl("audit", "verify")
    check("audit verify exits 0", r.returncode == 0 and
          r.stdout.startswith("Audit trail intact:"), r.stdout + r.stderr)
    r = aggctl("audit", "list", "--json", "--object", sscc)
    rows = json.loads(r.stdout) if r.returncode == 0 else []
    check("audit list --object gives the case's rows",
          rows and all(row["object"] == sscc for row in rows), r.stdout + r.stderr)
    r = aggctl("events", "list", "--json")
    events = json.loads(r.stdout) if r.returncode == 0 else []
    aggregation = [e for e in events if e["type"] == "AggregationEvent" and e["action"] == "ADD"]
    check("events list shows the case's AggregationEvent",
          any(e["parent"] and e["parent"].endswith(sscc) and len(e["epcs"]) == 12
              for e in aggregation), r.stdout + r.stderr)
    check("events have the documented columns",
          events and {"id", "event_id", "type", "action", "biz_step", "disposition",
                      "event_time", "tz_offset", "parent", "epcs", "read_point",
                      "biz_location", "order_id", "status"} <= set(events[0]), events[:1])
    r = aggctl("events", "list", "--pending")
    check("events list --pending in words",
          r.returncode == 0 and "AggregationEvent" in r.stdout, r.stdout + r.stderr)

    # Backup: a copy whose audit trail verifies; an existing file is kept.
    copy = os.path.join(tmp, "copy.db")
    r = aggctl("backup", copy)
    check("backup exits 0", r.returncode == 0 and os.path.exists(copy), r.stdout + r.stderr)
    r = aggctl("audit", "verify", database=copy)
    check("the copy's audit trail is intact", r.returncode == 0, r.stdout + r.stderr)
    r = aggctl("backup", copy)
    check("backup refuses an existing file", r.returncode == 1, r.stdout + r.stderr)

    # Users.
    r = aggctl("--as", "admin", "user", "add", "jdoe", "--name", "Jane Doe", "--role",
               "supervisor", pin="3333", new_pin="5151")
    check("user add exits 0", r.returncode == 0, r.stdout + r.stderr)
    r = aggctl("--as", "admin", "user", "add", "jdoe", "--name", "Jane Doe", "--role",
               "supervisor", pin="3333", new_pin="5151")
    check("user add of an existing user exits 1", r.returncode == 1, r.stdout + r.stderr)
    r = aggctl("--as", "operator", "user", "add", "x", "--name", "X", "--role", "operator",
               pin="1111", new_pin="5151")
    check("an operator may not add users", r.returncode == 1, r.stdout + r.stderr)
    r = aggctl("--as", "admin", "user", "add", "x", "--name", "X", "--role", "operator",
               pin="0000", new_pin="5151")
    check("a wrong admin PIN is refused", r.returncode == 1, r.stdout + r.stderr)
    r = aggctl("user", "add", "x", "--name", "X", "--role", "operator", pin="3333")
    check("user add without --as exits 2", r.returncode == 2, r.stdout + r.stderr)
    r = aggctl("--as", "admin", "user", "add", "x", "--name", "X", "--role", "boss", pin="3333")
    check("user add with an unknown role exits 2", r.returncode == 2, r.stdout + r.stderr)
    _, answers = session(["login jdoe 5151"])
    check("the new user can log in", answers and answers[0]["ok"] is True, answers)
    r = aggctl("--as", "admin", "user", "disable", "jdoe", pin="3333")
    check("user disable exits 0", r.returncode == 0, r.stdout + r.stderr)
    r = aggctl("user", "list", "--json")
    listed = {u["username"]: u for u in json.loads(r.stdout)} if r.returncode == 0 else {}
    check("user list shows the disabled user",
          "jdoe" in listed and listed["jdoe"]["active"] is False and
          listed["jdoe"]["role"] == "supervisor", r.stdout)
    _, answers = session(["login jdoe 5151"])
    check("a disabled user cannot log in", answers and answers[0]["ok"] is False, answers)
    r = aggctl("--as", "admin", "user", "enable", "jdoe", stdin="3333\n")
    check("user enable (PIN from input) exits 0", r.returncode == 0, r.stdout + r.stderr)
    r = aggctl("--as", "admin", "user", "passwd", "jdoe", stdin="3333\n6262\n")
    check("user passwd exits 0", r.returncode == 0, r.stdout + r.stderr)
    _, answers = session(["login jdoe 6262"])
    check("the new PIN works", answers and answers[0]["ok"] is True, answers)
    r = aggctl("user", "list")
    check("user list in words", r.returncode == 0 and "Jane Doe" in r.stdout, r.stdout)

    # Work orders.
    orders = os.path.join(tmp, "orders.json")
    with open(orders, "w") as f:
        json.dump({"products": [{"gtin": "09506000134369", "description": "Test drops",
                                 "units_per_case": 6, "cases_per_pallet": 2}],
                   "work_orders": [{"id": "WO-TEST-2", "gtin": "09506000134369",
                                    "lot": "T2", "expiry": "291231", "planned": 60}]}, f)
    r = aggctl("--as", "admin", "workorder", "import", orders, pin="3333")
    check("workorder import exits 0", r.returncode == 0, r.stdout + r.stderr)
    bad = os.path.join(tmp, "bad.json")
    with open(bad, "w") as f:
        f.write('{"work_orders": [{"id": "WO-BAD"}]}')
    r = aggctl("--as", "admin", "product", "import", bad, pin="3333")
    check("a bad import exits 1 and says where",
          r.returncode == 1 and "work_orders[0]" in r.stderr, r.stdout + r.stderr)
    r = aggctl("--as", "supervisor", "workorder", "import", orders, pin="2222")
    check("a supervisor may not import", r.returncode == 1, r.stdout + r.stderr)
    r = aggctl("workorder", "list", "--json")
    listed = {o["id"]: o for o in json.loads(r.stdout)} if r.returncode == 0 else {}
    check("workorder list shows the imported order",
          listed.get("WO-TEST-2", {}).get("status") == "planned" and
          listed.get("WO-TEST-2", {}).get("planned") == 60 and "WO-BAD" not in listed, r.stdout)
    check("workorder list counts packed units",
          listed.get("WO-DEMO-1", {}).get("aggregated") == 12, r.stdout)
    r = aggctl("--as", "supervisor", "workorder", "close", "WO-DEMO-1", "end of shift",
               pin="2222")
    check("an order with an open case does not close", r.returncode == 1 and
          "open_containers" in r.stdout, r.stdout + r.stderr)
    r = aggctl("--as", "operator", "workorder", "close", "WO-TEST-2", "cancelled", pin="1111")
    check("an operator may not close an order", r.returncode == 1, r.stdout + r.stderr)
    r = aggctl("--as", "supervisor", "workorder", "close", "WO-TEST-2", "cancelled",
               pin="2222")
    check("workorder close prints the reconciliation", r.returncode == 0 and
          "planned" in r.stdout and "60" in r.stdout, r.stdout + r.stderr)
    r = aggctl("workorder", "list")
    check("the order is closed", r.returncode == 0 and
          any("WO-TEST-2" in l and "closed" in l for l in r.stdout.splitlines()), r.stdout)
    r = aggctl("audit", "verify")
    check("audit verify after the administration", r.returncode == 0, r.stdout + r.stderr)

    # A full disk: every answer says so, nothing half-written.
    lines = ["login operator 1111"] + ["scan " + unit("FULL%05d" % i) for i in range(300)]
    r, answers = session(lines, "--max-pages", "1")
    check("a full disk: run exits 0 with one answer per line",
          r.returncode == 0 and len(answers) == len(lines), r.stderr)
    check("a full disk: STORE_FAILED, not ok",
          any(outcome(a) == ("STORE_FAILED", False) for a in answers),
          set(a.get("outcome") for a in answers))
    r = aggctl("audit", "verify")
    check("a full disk leaves the audit trail intact", r.returncode == 0, r.stdout + r.stderr)

    # Signals: the station stops cleanly, between commands.
    for sig in (signal.SIGTERM, signal.SIGINT):
        p = subprocess.Popen([AGGCTL, "--db", db, "run"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
        p.stdin.write("login operator 1111\n")
        p.stdin.flush()
        first = p.stdout.readline()
        p.send_signal(sig)
        try:
            status = p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            status = None
        check("%s while waiting for input: exit 0" % sig.name,
              status == 0 and json.loads(first)["ok"] is True, (status, first))

    p = subprocess.Popen([AGGCTL, "--db", db, "run"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    p.stdin.write("".join("show %s\n" % sscc for _ in range(200)))
    p.stdin.flush()
    first = p.stdout.readline()
    p.send_signal(signal.SIGTERM)
    rest = p.stdout.read()
    status = p.wait(timeout=20)
    answers = [first] + rest.splitlines()
    check("SIGTERM while busy: exit 0, every answer whole",
          status == 0 and all(json.loads(a)["ok"] is True for a in answers), (status, rest[-200:]))

    # Usage errors exit 2.
    for args in (["run", "extra"], ["run", "--max-pages", "x"], ["user"],
                 ["user", "frob", "x"], ["workorder"], ["events"], ["audit"], ["backup"],
                 ["--db"], ["--bogus", "run"]):
        r = aggtest.aggctl(*(args if args[0].startswith("--") else ["--db", db, *args]),
                           timeout=60)
        check("usage error exits 2: " + " ".join(args), r.returncode == 2, r.stdout + r.stderr)
    r = aggctl("run", "--help")
    check("run --help documents the test aid", r.returncode == 0 and "--max-pages" in r.stdout,
          r.stdout)
finally:
    shutil.rmtree(tmp, ignore_errors=True)

sys.exit(aggtest.finish())
