#!/usr/bin/env python3
# test-printing.py: printers, the print queue, print and verify, reprints and voids
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs aggctl against real databases of the demo line and printer-peer.py,
# a loopback Zebra that captures each format and answers ~HS with the state
# the test sets.  Proves: the ZPL that reaches the printer is one whole
# format whose SSCC symbol is a GS1-128 ^BC field carrying FNC1, 00 and
# the container's SSCC; ~HS answers for paper out and head open, and a
# silent printer, give their documented faults (exit status, message,
# JSON); a case closed while the printer is down stays "label pending"
# and is printed exactly once when the printer is back; print and verify
# refuses the next case until the label is scanned back, and a wrong
# label queues an audited reprint; signed reprints say REPRINT; a voided
# case's label is never printed and its SSCC never comes back.  Prints TAP.

import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

import aggtest
from aggtest import GTIN, check, unit

HERE = os.path.dirname(os.path.abspath(__file__))
tmp = tempfile.mkdtemp(prefix="test-printing-")


class Peer:
    """printer-peer.py on a free port, its formats in @jobs."""

    def __init__(self, name):
        self.jobs = os.path.join(tmp, name + "-jobs")
        self.state_file = os.path.join(tmp, name + ".state")
        self.set("ok")
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "printer-peer.py"),
                                      "--jobs", self.jobs, "--state-file", self.state_file],
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        self.port = int(line.split()[1])

    def set(self, state):
        with open(self.state_file, "w") as f:
            f.write(state)

    def captured(self):
        """The formats received so far, oldest first."""
        if not os.path.isdir(self.jobs):
            return []
        names = sorted(n for n in os.listdir(self.jobs) if n.endswith(".zpl"))
        return [open(os.path.join(self.jobs, n), "rb").read().decode("latin-1") for n in names]

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def write_config(name, port, extra=""):
    path = os.path.join(tmp, name + ".conf")
    with open(path, "w") as f:
        f.write("[printer:zebra]\n"
                "type = tcp\n"
                "host = 127.0.0.1\n"
                "port = %d\n"
                "role = any\n"
                "status-timeout = 300ms\n"
                "connect-timeout = 1s\n"
                "retry-max = 500ms\n"
                "poll-interval = 200ms\n%s" % (port, extra))
    return path


def aggctl(db, conf, *args, **env):
    return aggtest.aggctl("--db", db, "--config", conf, *args, **env)


def session(db, lines):
    r = aggtest.aggctl("--db", db, "run", stdin="".join(line + "\n" for line in lines))
    return aggtest.json_lines(r.stdout)


def fill_case(first):
    """Twelve unit scans, serials from @first on: the last closes a case."""
    return ["scan " + unit("PR%05d" % n) for n in range(first, first + 12)]


def record(db, code):
    r = aggtest.aggctl("--db", db, "show", "--json", code)
    if r.returncode != 0:
        return {}
    return json.loads(r.stdout).get("record", {})


def audit_rows(db, code):
    r = aggtest.aggctl("--db", db, "audit", "list", "--json", "--object", code)
    return json.loads(r.stdout) if r.returncode == 0 else []


def status_figures(db):
    answers = session(db, ["status"])
    return answers[0].get("status", {}) if answers else {}


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def with_check_digit(digits):
    """@digits and their GS1 mod-10 check digit."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return digits + str((10 - total % 10) % 10)


def sscc_field(zpl, sscc):
    """Whether @zpl carries (00)@sscc in a GS1-128 ^BC field: FNC1 (>8)
    after the start code, then 00 and the 18 digits."""
    for part in zpl.split("^FS"):
        if "^BC" in part and "^FD" in part:
            data = part.split("^FD", 1)[1]
            digits = data.replace(">;", "").replace(">5", "").replace(">6", "")
            if digits.startswith(">8") and digits[2:].replace(">8", "") == "00" + sscc:
                return True
    return False


def main():
    peer = Peer("zebra")
    conf = write_config("zebra", peer.port)
    db = os.path.join(tmp, "station.db")
    if not aggtest.init_demo(db):
        return

    # Configuration errors name the file, the line and the key.
    bad = os.path.join(tmp, "bad.conf")
    with open(bad, "w") as f:
        f.write("[printer:zebra]\ntype = tcp\nhost = 127.0.0.1\ndpi = 250\n")
    r = aggtest.aggctl("--config", bad, "printer", "status")
    check("a bad dpi is refused with FILE:LINE and the key",
          r.returncode == 1 and "bad.conf:4" in r.stderr and "dpi" in r.stderr, r.stderr)
    with open(bad, "w") as f:
        f.write("[printer:zebra]\ntype = tcp\n")
    r = aggtest.aggctl("--config", bad, "printer", "status")
    check("a TCP printer without host is refused",
          r.returncode == 1 and "host" in r.stderr, r.stderr)

    # ~HS: ready, paper out, head open, silence, and nobody listening.
    r = aggtest.aggctl("--config", conf, "printer", "status", "--json")
    printers = json.loads(r.stdout) if r.returncode == 0 else []
    check("printer status: a ready printer exits 0 with no fault",
          r.returncode == 0 and len(printers) == 1 and printers[0]["fault_id"] is None and
          printers[0]["connected"] is True, r.stdout + r.stderr)
    for state, fault, words in (("paper-out", "paper-out", "Out of labels"),
                                ("head-open", "head-open", "head is open"),
                                ("ribbon-out", "ribbon-out", "Out of ribbon"),
                                ("paused", "paused", "paused"),
                                ("silent", "no-answer", "does not answer")):
        peer.set(state)
        r = aggtest.aggctl("--config", conf, "printer", "status", "--json")
        try:
            p = json.loads(r.stdout)[0]
        except (ValueError, IndexError):
            p = {}
        check("printer status --json: %s gives %s" % (state, fault),
              r.returncode == 1 and p.get("fault_id") == fault and words in p.get("fault", ""),
              r.stdout + r.stderr)
        r = aggtest.aggctl("--config", conf, "printer", "status")
        check("printer status in words: %s" % state,
              r.returncode == 1 and fault in r.stdout and words in r.stdout, r.stdout + r.stderr)
    peer.set("ok")
    closed = write_config("closed", 1)
    r = aggtest.aggctl("--config", closed, "printer", "status", "--json")
    try:
        p = json.loads(r.stdout)[0]
    except (ValueError, IndexError):
        p = {}
    check("printer status: nobody listening is unreachable",
          r.returncode == 1 and p.get("fault_id") == "unreachable" and p.get("connected") is False,
          r.stdout + r.stderr)

    # A case closes: its label waits in the queue, durably.
    answers = session(db, ["login operator 1111", "start WO-DEMO-1"] + fill_case(1))
    last = answers[-1] if answers else {}
    sscc1 = last.get("case", {}).get("sscc", "")
    check("the twelfth unit closes case 1 with its label pending",
          last.get("case_closed") is True and last.get("case", {}).get("label_status") ==
          "pending", last)
    check("status counts one label pending", status_figures(db).get("labels_pending") == 1,
          status_figures(db))

    # aggctl print sends it now.
    r = aggctl(db, conf, "print", sscc1)
    jobs = peer.captured()
    check("print exits 0 and reports the printer before and after",
          r.returncode == 0 and "Before:" in r.stdout and "After:" in r.stdout and
          "ready" in r.stdout, r.stdout + r.stderr)
    check("one format reached the printer", len(jobs) == 1, jobs)
    zpl = jobs[0] if jobs else ""
    check("the format is whole: ^XA first, ^XZ last, once each",
          zpl.startswith("^XA") and zpl.endswith("^XZ") and zpl.count("^XA") == 1 and
          zpl.count("^XZ") == 1, zpl[:200])
    check("the SSCC symbol is ^BC with FNC1, 00 and the case's SSCC", sscc_field(zpl, sscc1), zpl)
    check("the first print is no reprint", "REPRINT" not in zpl, zpl)
    rec = record(db, sscc1)
    check("show: the case's label is printed, its job sent to zebra",
          rec.get("label_status") == "printed" and
          [(j["status"], j["printer"]) for j in rec.get("labels", [])] == [("sent", "zebra")], rec)
    check("the print is in the audit trail",
          any(a["action"] == "label.print" and a["new_value"] == "zebra"
              for a in audit_rows(db, sscc1)), audit_rows(db, sscc1))
    r = aggctl(db, conf, "print", sscc1)
    check("a second print without a reprint reason is refused",
          r.returncode == 1 and "reprint" in r.stderr and len(peer.captured()) == 1,
          r.stdout + r.stderr)

    # A signed reprint says so on the label.
    r = aggtest.aggctl("--db", db, "--config", conf, "--as", "operator", "print",
                       "--reprint-reason", "label torn", sscc1, AGGCTL_PIN="1111")
    check("an operator cannot sign a reprint", r.returncode == 1 and len(peer.captured()) == 1,
          r.stdout + r.stderr)
    r = aggtest.aggctl("--db", db, "--config", conf, "--as", "supervisor", "print",
                       "--reprint-reason", "label torn", sscc1, AGGCTL_PIN="2222")
    jobs = peer.captured()
    check("a supervisor's reprint is printed", r.returncode == 0 and len(jobs) == 2,
          r.stdout + r.stderr)
    check("the reprinted label says REPRINT and carries the same SSCC",
          len(jobs) == 2 and "REPRINT" in jobs[1] and sscc_field(jobs[1], sscc1), jobs[-1:])
    rows = audit_rows(db, sscc1)
    check("the reprint is audited with its reason and signature",
          any(a["action"] == "label.reprint" and a["reason"] == "label torn" and
              a["signer"] == "supervisor" for a in rows) and
          any(a["action"] == "label.reprinted" for a in rows), rows)

    # The queue: the printer is out of paper when case 2 closes.
    peer.set("paper-out")
    answers = session(db, ["login operator 1111"] + fill_case(13))
    sscc2 = answers[-1].get("case", {}).get("sscc", "") if answers else ""
    serve = subprocess.Popen([os.environ["AGGCTL"], "--db", db, "--config", conf, "printer",
                              "serve"], stdout=subprocess.PIPE, text=True, env=aggtest.env())
    events = []
    reader = threading.Thread(target=lambda: events.extend(
        aggtest.parse_answer(line) for line in serve.stdout), daemon=True)
    reader.start()
    check("serve reports the paper-out fault",
          wait_for(lambda: any(e.get("event") == "fault" and e.get("fault_id") == "paper-out"
                               for e in events)), events)
    check("case 2 stays label pending while the printer is out of paper",
          record(db, sscc2).get("label_status") == "pending" and
          status_figures(db).get("labels_pending") == 1 and len(peer.captured()) == 2,
          record(db, sscc2))
    queued = [e for e in events if e.get("event") == "status"]
    check("serve's status: queued 1, fault paper-out",
          queued and queued[-1]["printers"][0]["queued"] == 1 and
          queued[-1]["printers"][0]["fault_id"] == "paper-out", queued[-1:])

    peer.set("ok")
    check("paper loaded: case 2's label is printed",
          wait_for(lambda: record(db, sscc2).get("label_status") == "printed"),
          record(db, sscc2))
    time.sleep(1.5)
    jobs = peer.captured()
    check("printed exactly once", len(jobs) == 3 and sscc_field(jobs[2], sscc2) and
          sum(sscc_field(j, sscc2) for j in jobs) == 1, [j[-120:] for j in jobs])
    check("the fault cleared", any(e.get("event") == "fault" and e.get("fault_id") is None
                                   for e in events), events[-3:])
    check("nothing pending any more", status_figures(db).get("labels_pending") == 0,
          status_figures(db))

    # A connection cut in the middle of a label: the label waits, then
    # goes out whole.
    serve.send_signal(signal.SIGTERM)
    check("serve stops on SIGTERM", serve.wait(timeout=30) == 0)
    peer.set("cut")
    answers = session(db, ["login operator 1111"] + fill_case(25))
    sscc3 = answers[-1].get("case", {}).get("sscc", "") if answers else ""
    r = aggctl(db, conf, "print", sscc3)
    check("a cut connection: print exits 1 and the label waits",
          r.returncode == 1 and record(db, sscc3).get("label_status") == "pending",
          r.stdout + r.stderr)
    peer.set("ok")
    r = aggctl(db, conf, "print", sscc3)
    jobs = peer.captured()
    check("after the cut, the label goes out whole, once",
          r.returncode == 0 and sum(sscc_field(j, sscc3) for j in jobs) == 1,
          r.stdout + r.stderr)
    check("the label cut mid-way is audited as a possible second print",
          any(a["action"] == "label.resend" for a in audit_rows(db, sscc3)),
          audit_rows(db, sscc3))

    # Killed between sending and recording: the resend is audited.
    answers = session(db, ["login operator 1111"] + fill_case(37))
    sscc4 = answers[-1].get("case", {}).get("sscc", "") if answers else ""
    with sqlite3.connect(db) as c:
        # The state a station killed after the bytes left leaves behind:
        # one attempt counted and in doubt, neither failed nor marked sent.
        c.execute("UPDATE label_jobs SET attempts = 1, in_doubt = 1"
                  " WHERE status = 'queued' AND container_id ="
                  " (SELECT id FROM containers WHERE sscc = ?)", (sscc4,))
    r = aggctl(db, conf, "print", sscc4)
    check("an interrupted job is sent again, and that is audited",
          r.returncode == 0 and any(a["action"] == "label.resend" for a in audit_rows(db, sscc4)),
          r.stdout + r.stderr)

    # Unpacking a case whose label waits cancels the label; its SSCC is
    # never used again.
    peer.set("hangup")
    answers = session(db, ["login operator 1111"] + fill_case(49))
    sscc5 = answers[12].get("case", {}).get("sscc", "") if len(answers) > 12 else ""
    answers = session(db, ["login operator 1111", "unpack %s 'crushed case'" % sscc5,
                           "sign supervisor 2222"])
    check("the case is unpacked with a signature",
          [a.get("outcome") for a in answers] == ["ACCEPTED", "SIGNATURE_REQUIRED", "ACCEPTED"],
          answers)
    rec = record(db, sscc5)
    check("its waiting label is cancelled",
          rec.get("status") == "voided" and
          [j["status"] for j in rec.get("labels", [])] == ["cancelled"], rec)
    peer.set("ok")
    r = aggctl(db, conf, "print", sscc5)
    check("a voided case's label is refused", r.returncode == 1 and "voided" in r.stderr,
          r.stdout + r.stderr)
    answers = session(db, ["login operator 1111", "scan ]C100" + sscc5] + fill_case(61))
    check("the voided SSCC cannot come back as a case label",
          answers[1].get("ok") is False, answers[1:2])
    with sqlite3.connect(db) as c:
        ssccs = [row[0] for row in c.execute("SELECT sscc FROM containers")]
    check("no SSCC is used twice, the voided one included",
          len(ssccs) == len(set(ssccs)) and ssccs.count(sscc5) == 1, ssccs)

    # Voiding an empty case's label: audited, and the next case gets a new SSCC.
    answers = session(db, ["login operator 1111", "scan " + unit("PV00001"),
                           "remove-unit (01)%s(21)PV00001 'wrong unit'" % GTIN,
                           "sign supervisor 2222"])
    empty = answers[1].get("case", {}).get("sscc", "") if len(answers) > 1 else ""
    answers = session(db, ["login operator 1111", "void-label %s 'not needed'" % empty,
                           "sign supervisor 2222", "scan " + unit("PV00002")])
    check("void-label of an empty case", len(answers) == 4 and answers[2].get("ok") is True and
          any(a["action"] == "label.void" for a in audit_rows(db, empty)), answers)
    check("the next case gets a new SSCC",
          len(answers) == 4 and answers[3].get("case", {}).get("sscc") not in ("", empty),
          answers[3:])

    serve_status = serve.returncode
    check("serve exited cleanly", serve_status == 0, serve_status)
    aggtest.check_audit_intact(db)

    print_and_verify(peer, conf)
    peer.stop()


def print_and_verify(peer, conf):
    db = os.path.join(tmp, "verify.db")
    if not aggtest.init_demo(db, "verify: "):
        return
    product = os.path.join(tmp, "product.json")
    with open(product, "w") as f:
        json.dump({"products": [{"gtin": GTIN, "description": "Demo tablets 30 x 10 mg",
                                 "units_per_case": 12, "cases_per_pallet": 4,
                                 "require_serial_list": False, "print_verify": True}]}, f)
    r = aggtest.aggctl("--db", db, "--as", "admin", "product", "import", product,
                       AGGCTL_PIN="3333")
    check("verify: print_verify is imported", r.returncode == 0, r.stdout + r.stderr)

    answers = session(db, ["login operator 1111", "start WO-DEMO-1"] + fill_case(1) +
                      ["scan " + unit("PR00013")])
    case1 = answers[-2].get("case", {}).get("sscc", "") if len(answers) > 2 else ""
    a = answers[-1] if answers else {}
    check("verify: with the label not printed yet, the next case is refused",
          a.get("outcome") == "LABEL_NOT_VERIFIED" and "not printed yet" in a.get("message", ""),
          a)
    before = len(peer.captured())
    r = aggctl(db, conf, "print", case1)
    check("verify: the label prints", r.returncode == 0, r.stdout + r.stderr)

    other = with_check_digit("09506000999999999")
    answers = session(db, ["login operator 1111", "scan " + unit("PR00013"),
                           "scan ]C100" + other])
    check("verify: printed but not scanned back, the next case is still refused",
          len(answers) == 3 and answers[1].get("outcome") == "LABEL_NOT_VERIFIED" and
          case1 in answers[1].get("message", ""), answers)
    check("verify: another SSCC is a mismatch",
          len(answers) == 3 and answers[2].get("outcome") == "LABEL_MISMATCH", answers)
    rows = audit_rows(db, case1)
    check("verify: the mismatch is audited with both SSCCs",
          any(a["action"] == "label.verify-mismatch" and a["new_value"] == other for a in rows),
          rows)
    rec = record(db, case1)
    check("verify: a reprint is queued by itself",
          rec.get("label_status") == "pending" and
          [(j["status"], j["reprint"]) for j in rec.get("labels", [])] ==
          [("sent", 0), ("queued", 1)], rec)
    r = aggctl(db, conf, "print", case1)
    jobs = peer.captured()
    check("verify: the automatic reprint prints as a reprint",
          r.returncode == 0 and len(jobs) == before + 2 and "REPRINT" in jobs[-1],
          r.stdout + r.stderr)

    answers = session(db, ["login operator 1111", "scan ]C100" + case1,
                           "scan " + unit("PR00013")])
    check("verify: the right label verifies the case",
          len(answers) == 3 and answers[1].get("outcome") == "ACCEPTED" and
          answers[1].get("case", {}).get("label_status") == "verified", answers)
    check("verify: then the next case starts",
          len(answers) == 3 and answers[2].get("outcome") == "ACCEPTED" and
          answers[2].get("case", {}).get("sscc") != case1, answers)
    check("verify: the verification is audited",
          any(a["action"] == "label.verify" for a in audit_rows(db, case1)), audit_rows(db, case1))
    aggtest.check_audit_intact(db, "verify: ")


if __name__ == "__main__":
    aggtest.run(main)
