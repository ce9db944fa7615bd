#!/usr/bin/env python3
# test-sync.py: the outbox reaches a repository exactly once, whatever happens on the way
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A station that was offline for a week (50,000 events written by the
# engine's own agg_events_add through sync-fill) delivers them to the
# loopback capture interface of epcis-capture-server.py, through every
# fault in turn: nobody listening, connections reset mid-body, 500s,
# failed capture jobs, slow answers past the timeout, a 413 below the
# batch size, refused events, and "aggctl sync" killed with SIGKILL in
# the middle of uploads, several times.  In the end every event is in the
# repository exactly once by its ID, the duplicates the repository saw
# are no more than the in-flight batches and are counted, each case's
# events arrived in the order they happened, the refused events are
# exceptions a supervisor resends or marks handled, signed and audited,
# and the credentials are in no output, log or audit row.
#
# With --benchmark: the catch-up of 50,000 events on a clean line, with
# its throughput and aggctl's resident memory sampled as it runs.
#
# SYNC_QUICK=1 runs the fault tour on 5,000 events instead of 50,000.
# Prints TAP.

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

import aggtest
from aggtest import check

AGGCTL = os.environ["AGGCTL"]
FILL = os.environ["SYNC_FILL"]
SERVER = os.environ["EPCIS_CAPTURE_SERVER"]
PYTHON = os.environ.get("PYTHON3", sys.executable)

USER = "station-7"
PASSWORD = "s3cret-Pa55-for-the-test"
TOKEN = "tok-9f8e7d6c5b4a-never-print-me"
SECRETS = (PASSWORD, TOKEN)

N_EVENTS = 5000 if os.environ.get("SYNC_QUICK") else 50000
BATCH = 500

tmp = tempfile.mkdtemp(prefix="test-sync-")


class Repository:
    """epcis-capture-server.py on loopback; restartable on the same port
    with the same events."""

    def __init__(self, name, *args, port=0):
        self.db = os.path.join(tmp, name + ".sqlite")
        self.args = args
        self.port = port
        self.proc = None
        self.start()

    def start(self):
        self.proc = subprocess.Popen([PYTHON, SERVER, "--db", self.db, "--port", str(self.port),
                                      *self.args], stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        self.port = int(line.split()[1])

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def control(self, **changes):
        request = urllib.request.Request(self.url + "/_control", data=json.dumps(changes).encode(),
                                         method="POST")
        with urllib.request.urlopen(request, timeout=30) as r:
            return json.load(r)

    def stats(self):
        with urllib.request.urlopen(self.url + "/_stats", timeout=30) as r:
            return json.load(r)

    def events(self):
        db = sqlite3.connect(self.db, timeout=30)
        try:
            return db.execute("SELECT seq, event_id, parent FROM events ORDER BY seq").fetchall()
        finally:
            db.close()


def write_config(path, repository, *extra):
    with open(path, "w") as f:
        f.write("[sync]\nurl = %s/\n" % repository.url)
        f.write("\n".join(extra) + "\n")
    return path


def outbox(db, sql, *args):
    con = aggtest.connect_ro(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def fill(db, n, reject_every=None):
    args = [FILL, db, str(n)] + ([str(reject_every)] if reject_every else [])
    r = subprocess.run(args, capture_output=True, text=True, timeout=600)
    return check("sync-fill writes %d events" % n, r.returncode == 0, r.stderr)


def sync_once(db, config, timeout=600):
    return aggtest.aggctl("--db", db, "--config", config, "sync", "--once", timeout=timeout)


def start_sync(db, config, log):
    return subprocess.Popen([AGGCTL, "--db", db, "--config", config, "sync"],
                            stdout=log, stderr=subprocess.STDOUT, env=aggtest.env())


def wait_for(condition, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def pending(db):
    return outbox(db, "SELECT count(*) FROM events WHERE status = 'pending'")[0][0]


def check_no_secret(name, text):
    leaked = [s for s in SECRETS if s in text]
    check("no secret in " + name, not leaked, "leaked: %s" % leaked)


def test_config_errors():
    db = os.path.join(tmp, "config.db")
    aggtest.init_demo(db, "config: ")
    secret_file = os.path.join(tmp, "token")
    with open(secret_file, "w") as f:
        f.write(TOKEN + "\n")
    cases = [
        ("a URL with credentials", "[sync]\nurl = https://u:%s@example.com/epcis\n" % PASSWORD,
         "conf:2: [sync] url:"),
        ("no URL", "[sync]\nmode = capture-job\n", "conf:1: [sync]: the key"),
        ("an unknown mode", "[sync]\nurl = https://example.com\nmode = fast\n",
         "conf:3: [sync] mode:"),
        ("basic auth over plain http", "[sync]\nurl = http://example.com\nauth = basic\n"
         "user = u\npassword = %s\n" % PASSWORD, "conf:3: [sync] auth:"),
        ("tls-verify off without the acknowledgement",
         "[sync]\nurl = https://example.com\ntls-verify = false\n", "conf:3: [sync] tls-verify:"),
        ("both a token and a token file", "[sync]\nurl = https://example.com\nauth = bearer\n"
         "token = %s\ntoken-file = %s\n" % (TOKEN, secret_file), "conf:5: [sync] token-file:"),
        ("an unknown key", "[sync]\nurl = https://example.com\npasswd = x\n", "conf:3:"),
    ]
    for name, text, expected in cases:
        path = os.path.join(tmp, "conf")
        with open(path, "w") as f:
            f.write(text)
        r = aggtest.aggctl("--db", db, "--config", path, "sync", "--once")
        check("config refused, with file and line: " + name,
              r.returncode == 1 and expected in r.stderr, r.stderr)
        check_no_secret("the error for " + name, r.stdout + r.stderr)

    path = os.path.join(tmp, "conf")
    with open(path, "w") as f:
        f.write("[station]\nname = Line 1\n")
    r = aggtest.aggctl("--db", db, "--config", path, "sync", "--once")
    check("sync without a [sync] group says so", r.returncode == 1 and "[sync]" in r.stderr,
          r.stderr)


def test_fault_tour():
    db = os.path.join(tmp, "station.db")
    aggtest.init_demo(db, "tour: ")
    if not fill(db, N_EVENTS):
        return
    total_rows = outbox(db, "SELECT count(*) FROM events")[0][0]
    check("the outbox holds a week of events", total_rows >= N_EVENTS, total_rows)

    password_file = os.path.join(tmp, "password")
    with open(password_file, "w") as f:
        f.write(PASSWORD + "\n")

    repo = Repository("tour", "--auth", "basic:%s:%s" % (USER, PASSWORD),
                      "--capture-limit", "400", "--size-limit", "200000")
    config = write_config(os.path.join(tmp, "tour.conf"), repo,
                          "auth = basic", "user = " + USER, "password-file = " + password_file,
                          "batch-size = %d" % BATCH, "timeout = 1s", "retry-min = 50ms",
                          "retry-max = 400ms", "poll-interval = 20ms")
    log_path = os.path.join(tmp, "sync.log")
    log = open(log_path, "w")
    outputs = []

    # Nobody listening: the station stays offline and loses nothing.
    repo.stop()
    r = sync_once(db, config)
    outputs.append(r.stdout + r.stderr)
    check("offline: sync --once fails", r.returncode == 1, r.stdout + r.stderr)
    check("offline: it says the repository cannot be reached",
          "Cannot reach the repository" in r.stderr, r.stderr)
    check("offline: the progress line says offline", "online=no" in r.stdout, r.stdout)
    check("offline: nothing was marked sent", pending(db) == total_rows, pending(db))

    # The worker keeps trying while nobody listens, then catches up.
    proc = start_sync(db, config, log)
    time.sleep(1.0)
    check("offline: the worker is still running", proc.poll() is None)
    repo.start()
    repo.control(reset=2, fail_5xx=2, fail_jobs=2)
    wait_for(lambda: pending(db) < total_rows - 3 * BATCH, 120)
    stats = repo.stats()
    check("faults: reset, 500s and failed jobs were all met and passed",
          stats.get("posts", 0) >= 7, stats)

    # SIGKILL in the middle of uploads, several times, with slow capture
    # jobs so that a kill often falls between capture and confirmation.
    repo.control(job_delay=0.2)
    kills = 0
    for i in range(5):
        time.sleep(0.3 + 0.15 * i)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
            kills += 1
        proc = start_sync(db, config, log)
    check("kill: aggctl sync was killed mid-upload 5 times", kills == 5, kills)
    repo.control(job_delay=0)

    # Slow answers past the client's timeout: captured, but unconfirmed.
    repo.control(slow=1.5)
    time.sleep(2.5)
    repo.control(slow=0)

    finished = wait_for(lambda: pending(db) == 0, 300)
    proc.send_signal(signal.SIGTERM)
    status = proc.wait(timeout=60)
    log.close()
    check("the outbox emptied", finished, pending(db))
    check("aggctl sync stops cleanly on SIGTERM", status == 0, status)

    with open(log_path) as f:
        outputs.append(f.read())

    rows = outbox(db, "SELECT id, event_id, parent, status FROM events ORDER BY id")
    sent = [r for r in rows if r[3] == "sent"]
    check("every event is marked sent", len(sent) == len(rows),
          "%d of %d" % (len(sent), len(rows)))

    captured = repo.events()
    ids = [c[1] for c in captured]
    check("every event is in the repository", set(ids) == {r[1] for r in sent},
          "%d captured, %d sent" % (len(set(ids)), len(sent)))
    check("no event is in the repository twice", len(ids) == len(set(ids)))
    stats = repo.stats()
    print("# repository: %s" % json.dumps(stats, sort_keys=True))
    duplicates = stats.get("duplicates", 0)
    check("the repository's duplicates are no more than the in-flight batches",
          duplicates <= (kills + 3) * BATCH, stats)
    check("the repository counted what it captured",
          stats.get("captured", 0) == len(ids), stats)
    check("a 413 or the announced limits kept every request within 400 events",
          stats.get("too_large", 0) == 0, stats)

    order = {r[1]: r[0] for r in rows}
    last = {}
    out_of_order = []
    for seq, event_id, parent in captured:
        row = order[event_id]
        if parent in last and last[parent] > row:
            out_of_order.append((parent, last[parent], row))
        last[parent] = row
    check("each case's events arrived in the order they happened", not out_of_order,
          out_of_order[:5])

    audit = outbox(db, "SELECT coalesce(old_value, '') || coalesce(new_value, '') ||"
                       " coalesce(reason, '') FROM audit")
    check_no_secret("the audit trail", "\n".join(a[0] for a in audit))
    check_no_secret("the outbox's errors",
                    "\n".join(r[0] or "" for r in outbox(db, "SELECT last_error FROM events")))
    check_no_secret("aggctl's output", "\n".join(outputs))
    check("the progress lines were printed", "state=" in outputs[-1], outputs[-1][-500:])
    aggtest.check_audit_intact(db, "tour: ")
    repo.stop()


def test_limits_and_exceptions():
    db = os.path.join(tmp, "exceptions.db")
    aggtest.init_demo(db, "exceptions: ")
    fill(db, 600, reject_every=150)
    token_file = os.path.join(tmp, "token")
    with open(token_file, "w") as f:
        f.write(TOKEN + "\n")

    # The repository hides its limits and answers 413 above 100 events:
    # the station halves until its batches fit.
    repo = Repository("exceptions", "--auth", "bearer:" + TOKEN, "--capture-limit", "100")
    repo.control(advertise_limits=False, reject=["REJECT"])
    config = write_config(os.path.join(tmp, "exceptions.conf"), repo, "auth = bearer",
                          "token-file = " + token_file, "poll-interval = 20ms")
    r = sync_once(db, config)
    check("413 and refusals: sync --once succeeds", r.returncode == 0, r.stdout + r.stderr)
    check_no_secret("the output with a bearer token", r.stdout + r.stderr)
    stats = repo.stats()
    check("413: the repository said too large, and the station split", stats.get("too_large", 0) > 0,
          stats)

    rows = outbox(db, "SELECT event_id, status, last_error, epcs FROM events ORDER BY id")
    exceptions = [r for r in rows if r[1] == "exception"]
    check("exactly the refused events are exceptions", len(exceptions) == 4 and
          all("REJECT" in r[3] for r in exceptions), [r[:3] for r in exceptions])
    check("the exceptions carry the repository's reason",
          all("master data" in (r[2] or "") for r in exceptions), exceptions[:1])
    check("the others are sent", sum(1 for r in rows if r[1] == "sent") == len(rows) - 4)
    check("the refused events are not in the repository",
          not {r[0] for r in exceptions} & {e[1] for e in repo.events()})

    r = aggtest.aggctl("--db", db, "events", "exceptions", "--json")
    listed = aggtest.parse_answer(r.stdout.strip()).get("exceptions", [])
    check("events exceptions lists them with the reason",
          len(listed) == 4 and all(e.get("last_error") for e in listed), r.stdout)
    audit = outbox(db, "SELECT object FROM audit WHERE action = 'event.exception'")
    check("each exception is in the audit trail", len(audit) == 4, audit)

    # An operator may not resolve; a supervisor resends one after the fix
    # and marks another handled; both signed and audited.
    first, second = exceptions[0][0], exceptions[1][0]
    r = aggtest.aggctl("--db", db, "--as", "operator", "events", "resend", first, "fixed",
                       AGGCTL_PIN="1111")
    check("an operator's signature is refused", r.returncode == 1, r.stdout + r.stderr)
    r = aggtest.aggctl("--db", db, "--as", "supervisor", "events", "resend", first,
                       "product master data loaded", AGGCTL_PIN="2222")
    check("a supervisor resends an exception", r.returncode == 0, r.stdout + r.stderr)
    r = aggtest.aggctl("--db", db, "--as", "supervisor", "events", "handled", second,
                       "reported to the repository's operator", AGGCTL_PIN="2222")
    check("a supervisor marks one handled", r.returncode == 0, r.stdout + r.stderr)
    r = aggtest.aggctl("--db", db, "--as", "supervisor", "events", "handled", second, "again",
                       AGGCTL_PIN="2222")
    check("a handled event cannot be handled again", r.returncode == 1, r.stdout + r.stderr)

    audit = outbox(db, "SELECT action, object, reason, signer FROM audit"
                       " WHERE action IN ('event.resend', 'event.handled') ORDER BY id")
    check("resend and handled are audited with reason and signer",
          audit == [("event.resend", first, "product master data loaded", "supervisor"),
                    ("event.handled", second, "reported to the repository's operator",
                     "supervisor")], audit)
    row = outbox(db, "SELECT status, resolution, resolved_audit_id FROM events"
                     " WHERE event_id = ?", second)[0]
    check("the handled event keeps its resolution", row[0] == "handled" and row[1] and row[2],
          row)

    # With the fix on the repository's side, the resent event goes through.
    repo.control(reject=[])
    r = sync_once(db, config)
    status = outbox(db, "SELECT status FROM events WHERE event_id = ?", first)[0][0]
    check("the resent event is delivered", r.returncode == 0 and status == "sent",
          r.stdout + r.stderr + status)
    check("the repository has it once", [e[1] for e in repo.events()].count(first) == 1)
    aggtest.check_audit_intact(db, "exceptions: ")
    repo.stop()


def test_synchronous_xml_and_master_data():
    db = os.path.join(tmp, "sync-mode.db")
    aggtest.init_demo(db, "synchronous: ")
    fill(db, 300, reject_every=100)
    master = os.path.join(tmp, "master.json")
    with open(master, "w") as f:
        json.dump({"products": [{"gtin": "09506000134369", "description": "Upstream product",
                                 "units_per_case": 10, "cases_per_pallet": 5}]}, f)
    repo = Repository("synchronous", "--mode", "sync", "--master-data", master)
    repo.control(reject=["REJECT"])
    config = write_config(os.path.join(tmp, "synchronous.conf"), repo, "mode = synchronous",
                          "format = xml", "batch-size = 50",
                          "master-data-url = %s/masterdata" % repo.url)
    r = sync_once(db, config)
    check("synchronous XML: sync --once succeeds", r.returncode == 0, r.stdout + r.stderr)
    rows = outbox(db, "SELECT status, count(*) FROM events GROUP BY status ORDER BY status")
    check("synchronous: 3 exceptions and the rest sent", rows == [("exception", 3), ("sent", 297)],
          rows)
    check("synchronous: the repository has the 297", len(repo.events()) == 297)
    product = outbox(db, "SELECT description FROM products WHERE gtin = '09506000134369'")
    check("master data from the repository are imported", product == [("Upstream product",)],
          product)
    audit = outbox(db, "SELECT count(*) FROM audit WHERE username IS NULL AND action LIKE"
                       " 'product%'")
    check("the import is audited as the station", audit[0][0] >= 1, audit)

    # An error declaration for a delivered event goes the same way.
    declared = outbox(db, "SELECT event_id FROM events WHERE status = 'sent' ORDER BY id"
                          " LIMIT 1")[0][0]
    con = sqlite3.connect(db, timeout=30)
    con.execute("INSERT INTO error_declarations (event_id, declared_at, tz_offset, reason,"
                " corrective_ids) VALUES (?, '2026-11-24T12:00:00.000Z', '+00:00',"
                " 'incorrect_data', '[]')", (declared,))
    con.commit()
    con.close()
    r = sync_once(db, config)
    status = outbox(db, "SELECT status FROM error_declarations")
    check("an error declaration is delivered", r.returncode == 0 and status == [("sent",)],
          r.stdout + r.stderr + str(status))
    con = sqlite3.connect(repo.db, timeout=30)
    received = con.execute("SELECT event_id FROM declarations").fetchall()
    con.close()
    check("the repository has the declaration of that event", received == [(declared,)],
          received)
    repo.stop()


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def benchmark():
    db = os.path.join(tmp, "bench.db")
    aggtest.init_demo(db, "bench: ")
    fill(db, 50000)
    repo = Repository("bench")
    config = write_config(os.path.join(tmp, "bench.conf"), repo, "poll-interval = 10ms")
    start = time.monotonic()
    proc = subprocess.Popen([AGGCTL, "--db", db, "--config", config, "sync", "--once"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=aggtest.env())
    samples = []
    while proc.poll() is None:
        rss = rss_kib(proc.pid)
        if rss:
            samples.append((time.monotonic() - start, rss))
        time.sleep(0.25)
    elapsed = time.monotonic() - start
    check("bench: sync --once succeeds", proc.returncode == 0, proc.stderr.read())
    check("bench: all 50,000 delivered", len(repo.events()) == 50000 and pending(db) == 0)
    print("# catch-up: 50000 events in %.1f s, %.0f events/s" % (elapsed, 50000 / elapsed))
    if samples:
        quarter = max(1, len(samples) // 4)
        early = max(s[1] for s in samples[:quarter])
        late = max(s[1] for s in samples[-quarter:])
        print("# RSS: first quarter max %d KiB, last quarter max %d KiB, overall max %d KiB,"
              " %d samples" % (early, late, max(s[1] for s in samples), len(samples)))
    repo.stop()


def main():
    if "--benchmark" in sys.argv:
        benchmark()
        return
    test_config_errors()
    test_limits_and_exceptions()
    test_synchronous_xml_and_master_data()
    test_fault_tour()


if __name__ == "__main__":
    try:
        aggtest.run(main)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
