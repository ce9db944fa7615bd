#!/usr/bin/env python3
# test-crash-durability.py: what the operator saw go green survives kill -9.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs "aggctl run" in rounds on one demo database.  Each round logs in,
# starts the demo order and sends a burst of scans with unique serials;
# the process is killed with SIGKILL at a random moment in the middle of
# the burst.  After each kill the database, opened read-only (SQLite
# recovers the WAL on open), must hold every acknowledged scan completely
# and nothing half-written.  The random generator is seeded; the seed is
# printed, and AGG_TEST_SEED repeats a run.  Prints TAP.

import json
import os
import random
import tempfile
import time
import urllib.parse

import aggtest
from aggtest import GTIN, Station, check, unit, unit_key

UNITS_PER_CASE = 12
ROUNDS = 20
BURST = 640                     # scans written per round: 12,800 in all
ROUND_TIMEOUT = 120             # seconds; no round may take longer


def unit_uri(serial):
    return "https://id.gs1.org/01/%s/21/%s" % (GTIN, urllib.parse.quote(serial, safe=""))


def sscc_uri(sscc):
    return "https://id.gs1.org/00/" + sscc


def short(items, limit=10):
    items = sorted(items)
    return ", ".join(map(str, items[:limit])) + (" …" if len(items) > limit else "")


def parse(raw):
    try:
        return json.loads(raw)
    except ValueError:
        return None


def check_database(label, db, acked, round_sent, round_acked):
    """The database after a kill: complete records only."""
    con = aggtest.connect_ro(db)
    try:
        rows = con.execute("PRAGMA integrity_check").fetchall()
        check(label + "integrity_check is ok", rows == [("ok",)], repr(rows))

        units = {}
        duplicates = []
        for serial, status, parent, kind in con.execute(
                "SELECT u.serial, u.status, u.parent_id, c.kind FROM units u"
                " LEFT JOIN containers c ON c.id = u.parent_id WHERE u.gtin = ?", (GTIN,)):
            if serial in units:
                duplicates.append(serial)
            units[serial] = (status, parent, kind)
        other = con.execute("SELECT count(*) FROM units WHERE gtin <> ?", (GTIN,)).fetchone()[0]
        check(label + "each unit is in units once", not duplicates and other == 0,
              "duplicates: %s; other GTINs: %d" % (short(duplicates), other))

        missing = [s for s in acked if s not in units]
        check(label + "every acknowledged serial is in units", not missing,
              "%d missing: %s" % (len(missing), short(missing)))

        # No corrections happen here: every unit ever written sits in a case.
        incomplete = [s for s, (status, parent, kind) in units.items()
                      if status != "aggregated" or parent is None or kind != "case"]
        check(label + "every unit is aggregated in a case", not incomplete,
              "; ".join("%s: %r" % (s, units[s]) for s in sorted(incomplete)[:10]))

        audited = {}
        for (obj,) in con.execute("SELECT object FROM audit WHERE action = 'unit.aggregate'"):
            audited[obj] = audited.get(obj, 0) + 1
        keys = {unit_key(s) for s in units}
        no_audit = [k for k in keys if audited.get(k, 0) != 1]
        no_unit = [k for k in audited if k not in keys]
        check(label + "every unit has exactly one unit.aggregate audit row", not no_audit,
              "%d without (or with several): %s" % (len(no_audit), short(no_audit)))
        check(label + "no unit.aggregate audit row without its unit", not no_unit,
              "%d orphans: %s" % (len(no_unit), short(no_unit)))

        # The kill landed within this round's burst: what it wrote is the
        # acknowledged scans, plus at most the one whose answer was lost.
        present = [s for s in round_sent if s in units]
        n_present = len(present)
        check(label + "the round's scans are in the database in order, without gaps",
              present == round_sent[:n_present],
              "present: %d, first gap after %r" % (n_present, present[-1:] or None))
        check(label + "at most one committed scan went unacknowledged",
              round_acked <= n_present <= round_acked + 1,
              "acknowledged %d, in the database %d" % (round_acked, n_present))

        cases = con.execute(
            "SELECT c.id, c.sscc, c.status, count(u.id) FROM containers c"
            " LEFT JOIN units u ON u.parent_id = c.id AND u.status = 'aggregated'"
            " WHERE c.kind = 'case' GROUP BY c.id ORDER BY c.id").fetchall()
        over = [(sscc, n) for _, sscc, _, n in cases if n > UNITS_PER_CASE]
        check(label + "no case holds more than %d units" % UNITS_PER_CASE, not over, repr(over))
        closed = [(cid, sscc, n) for cid, sscc, status, n in cases if status == "closed"]
        open_ = [(cid, sscc, n) for cid, sscc, status, n in cases if status == "open"]
        other_status = [(sscc, status) for _, sscc, status, _ in cases
                        if status not in ("open", "closed")]
        check(label + "closed cases are full, one open case holds 1 to 11",
              all(n == UNITS_PER_CASE for _, _, n in closed) and len(open_) <= 1 and
              all(1 <= n < UNITS_PER_CASE for _, _, n in open_) and not other_status,
              "closed not full: %r; open: %r; other: %r"
              % ([c for c in closed if c[2] != UNITS_PER_CASE][:5], open_, other_status))

        events = {}
        for parent, epcs in con.execute(
                "SELECT parent, epcs FROM events"
                " WHERE type = 'AggregationEvent' AND action = 'ADD'"):
            events.setdefault(parent, []).append(epcs)
        bad_events = []
        for cid, sscc, _ in closed:
            found = events.pop(sscc_uri(sscc), [])
            serials = [s for (s,) in con.execute(
                "SELECT serial FROM units WHERE parent_id = ?", (cid,))]
            if len(found) != 1:
                bad_events.append("%s: %d AggregationEvent ADD" % (sscc, len(found)))
            elif sorted(json.loads(found[0])) != sorted(unit_uri(s) for s in serials):
                bad_events.append("%s: the event lists other units" % sscc)
        for parent in events:
            bad_events.append("%s: an ADD for a case that is not closed" % parent)
        check(label + "each closed case has exactly one AggregationEvent ADD of its units",
              not bad_events, "; ".join(bad_events[:10]))

        # Each case was opened (audit row, commissioning event, one SSCC
        # drawn) in the same transaction as its first unit.
        n_containers = con.execute("SELECT count(*) FROM containers").fetchone()[0]
        n_opened = con.execute(
            "SELECT count(*) FROM audit WHERE action IN ('case.open', 'pallet.open')").fetchone()[0]
        n_closed = con.execute("SELECT count(*) FROM audit WHERE action = 'case.close'").fetchone()[0]
        n_commissioned = con.execute(
            "SELECT count(*) FROM events WHERE type = 'ObjectEvent'"
            " AND biz_step = 'commissioning'").fetchone()[0]
        n_drawn = con.execute("SELECT sum(next_ref - first_ref) FROM sscc_ranges").fetchone()[0]
        check(label + "containers, their audit rows, events and SSCCs drawn agree",
              n_containers == n_opened == n_commissioned == n_drawn and n_closed == len(closed),
              "containers %d, opened %d, commissioned %d, SSCCs drawn %r, closed %d/%d"
              % (n_containers, n_opened, n_commissioned, n_drawn, n_closed, len(closed)))
        return len(units), n_present - round_acked
    finally:
        con.close()


def main():
    seed = os.environ.get("AGG_TEST_SEED")
    seed = int(seed) if seed else random.SystemRandom().randrange(1 << 32)
    print("# seed %d (AGG_TEST_SEED=%d repeats this run)" % (seed, seed))
    rng = random.Random(seed)
    started = time.monotonic()

    tmp = tempfile.TemporaryDirectory(prefix="agg-crash-")
    db = os.path.join(tmp.name, "station.db")
    if not aggtest.init_demo(db):
        return

    acked = set()
    sent_total = 0
    mid_burst = 0
    lost_answers = 0
    for rnd in range(1, ROUNDS + 1):
        label = "round %d: " % rnd
        serials = ["R%02dS%05d%s" % (rnd, i, "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ")
                                                       for _ in range(4)))
                   for i in range(BURST)]
        # Where the kill lands: after a random number of answers, then a
        # random fraction of up to two scan times, so that it may hit any
        # point of a scan: before, during or after its COMMIT.
        kill_after = rng.randint(BURST // 10, BURST * 9 // 10)
        jitter = rng.random()

        station = Station(db, os.path.join(tmp.name, "stderr-%d.txt" % rnd))
        station.send_all(["login operator 1111", "start WO-DEMO-1"] +
                         ["scan " + unit(s) for s in serials])
        sent_total += len(serials)

        answers = []
        first_scan_at = None
        deadline = time.monotonic() + ROUND_TIMEOUT
        n_scans = 0
        while n_scans < kill_after and time.monotonic() < deadline:
            item = station.next_answer(timeout=max(0.1, deadline - time.monotonic()))
            if item is None:
                break
            at, raw = item
            answers.append(raw)
            if len(answers) > 2:
                n_scans += 1
                if first_scan_at is None:
                    first_scan_at = at
        reached = n_scans >= kill_after
        interval = ((time.monotonic() - first_scan_at) / max(1, n_scans - 1)
                    if first_scan_at is not None else 0.0)
        time.sleep(jitter * 2 * interval)
        station.kill()
        status = station.finish(timeout=30)
        check(label + "the station ran until the kill (%d of %d scans answered)"
              % (n_scans, kill_after), reached and status == -9,
              "exit status %r; stderr: %s" % (status, station.stderr_text()))

        docs = [parse(raw) for raw in station.lines]
        check(label + "every answer is one JSON object per line",
              all(isinstance(d, dict) for d in docs),
              repr([raw for raw, d in zip(station.lines, docs) if not isinstance(d, dict)][:3]))
        docs = [d if isinstance(d, dict) else {} for d in docs]
        check(label + "login and start answer ok",
              len(docs) >= 2 and docs[0].get("ok") is True and docs[1].get("ok") is True,
              repr(docs[:2]))

        scan_docs = docs[2:]
        round_acked = 0
        refused = []
        for serial, doc in zip(serials, scan_docs):
            if doc.get("ok") is True and (doc.get("unit") or {}).get("serial") == serial:
                acked.add(serial)
                round_acked += 1
            else:
                refused.append((serial, doc.get("outcome"), doc.get("message")))
        check(label + "every scan answered was accepted, in order", not refused,
              repr(refused[:5]))
        if round_acked < len(serials):
            mid_burst += 1

        lost_answers += check_database(label, db, acked, serials, round_acked)[1]
        aggtest.check_audit_intact(db, label)

    check("%d scans written, every kill landed mid-burst" % sent_total,
          sent_total >= 5000 and mid_burst == ROUNDS,
          "kills mid-burst: %d of %d" % (mid_burst, ROUNDS))

    # After all that, the station still works: it resumes the same order.
    label = "after the kills: "
    serials = ["FINAL%03d" % i for i in range(30)]
    station = Station(db, os.path.join(tmp.name, "stderr-final.txt"))
    station.send_all(["login operator 1111", "start WO-DEMO-1"] +
                     ["scan " + unit(s) for s in serials])
    deadline = time.monotonic() + ROUND_TIMEOUT
    while len(station.lines) < 2 + len(serials) and time.monotonic() < deadline:
        if station.next_answer(timeout=max(0.1, deadline - time.monotonic())) is None:
            break
    status = station.finish(timeout=60)
    docs = [parse(raw) or {} for raw in station.lines]
    check(label + "a new run answers every command ok and exits 0",
          status == 0 and len(docs) == 2 + len(serials) and all(d.get("ok") is True for d in docs),
          "exit %r; %r" % (status, [d for d in docs if d.get("ok") is not True][:3]))
    acked.update(s for s, d in zip(serials, docs[2:]) if d.get("ok") is True)
    n_units = check_database(label, db, acked, serials, len(serials))[0]
    aggtest.check_audit_intact(db, label)
    print("# %d scans acknowledged, %d units in the database; %d kills fell between a COMMIT"
          " and its answer, %d before a COMMIT; %.1f s"
          % (len(acked), n_units, lost_answers, ROUNDS - lost_answers,
             time.monotonic() - started))
    tmp.cleanup()


if __name__ == "__main__":
    aggtest.run(main)
