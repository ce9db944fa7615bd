#!/usr/bin/env python3
# test-disk-full.py: a full disk refuses scans, loses nothing, and passes.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# First with SQLite's max_page_count ("aggctl run --max-pages N"), sized
# from the pages a few cases take so that the database fills after some
# hundreds of scans: the refusal is a JSON line with ok false, outcome
# STORE_FAILED and words saying the disk is full; the station keeps
# answering; what was acknowledged stays; a run with room accepts scans
# again.  Then the same on a real, tiny file system (tmpfs) filled with a
# ballast file, which is deleted while the station runs: the scans that
# follow are accepted without a restart.  That needs mount, which needs
# root; without it the case is skipped, and says why.  Prints TAP.

import os
import shutil
import signal
import subprocess
import sys
import tempfile

import aggtest
from aggtest import GTIN, Station, check, skip, unit, unit_key

MAX_SCANS = 20000               # a bound: the disk must be full long before


def says_disk_full(doc):
    return (doc is not None and doc.get("ok") is False and doc.get("outcome") == "STORE_FAILED" and
            "disk is full" in (doc.get("message") or "").lower())


def page_count(db):
    con = aggtest.connect_ro(db)
    try:
        return con.execute("PRAGMA page_count").fetchone()[0]
    finally:
        con.close()


def check_database(label, db, acked, absent=()):
    """Every acknowledged serial is there, complete; @absent ones are not."""
    con = aggtest.connect_ro(db)
    try:
        rows = con.execute("PRAGMA integrity_check").fetchall()
        check(label + "integrity_check is ok", rows == [("ok",)], repr(rows))
        units = {serial: (status, parent) for serial, status, parent in
                 con.execute("SELECT serial, status, parent_id FROM units WHERE gtin = ?", (GTIN,))}
        audited = {obj for (obj,) in
                   con.execute("SELECT object FROM audit WHERE action = 'unit.aggregate'")}
        missing = [s for s in acked if s not in units]
        check(label + "every acknowledged serial is in the database", not missing,
              "%d missing: %s" % (len(missing), missing[:10]))
        broken = [s for s, (status, parent) in units.items()
                  if status != "aggregated" or parent is None or unit_key(s) not in audited]
        check(label + "every unit is in a case and audited", not broken, repr(broken[:10]))
        there = [s for s in absent if s in units or unit_key(s) in audited]
        check(label + "refused scans left nothing behind", not there, repr(there))
        over = con.execute(
            "SELECT parent_id, count(*) FROM units WHERE status = 'aggregated'"
            " GROUP BY parent_id HAVING count(*) > 12").fetchall()
        check(label + "no case holds more than 12 units", not over, repr(over))
    finally:
        con.close()
    aggtest.check_audit_intact(db, label)


def login_and_start(label, station):
    login = station.ask("login operator 1111")
    start = station.ask("start WO-DEMO-1")
    check(label + "login and start answer ok",
          login is not None and login.get("ok") is True and
          start is not None and start.get("ok") is True,
          "%r %r %s" % (login, start, station.stderr_text()))


def scan_until_full(label, station, prefix, acked):
    """Scans new serials until one is refused; returns (serial, answer)
    of the refusal, or (None, last answer)."""
    doc = None
    for i in range(MAX_SCANS):
        serial = "%s%06d" % (prefix, i)
        doc = station.ask("scan " + unit(serial))
        if doc is None or doc.get("ok") is not True:
            return serial, doc
        if (doc.get("unit") or {}).get("serial") != serial:
            check(label + "an accepted scan names its serial", False, repr(doc))
            return None, doc
        acked.append(serial)
    return None, doc


def test_page_limit(tmp):
    label = "page limit: "
    db = os.path.join(tmp, "station.db")
    if not aggtest.init_demo(db, label):
        return

    # How many pages do scans take?  Four cases' worth, without a limit.
    pages_init = page_count(db)
    acked = []
    station = Station(db, os.path.join(tmp, "stderr-measure.txt"))
    login_and_start(label + "measuring: ", station)
    for i in range(48):
        serial = "M%05d" % i
        doc = station.ask("scan " + unit(serial))
        if doc is not None and doc.get("ok") is True:
            acked.append(serial)
    status = station.finish()
    check(label + "48 scans to measure, all accepted", status == 0 and len(acked) == 48,
          "exit %r, accepted %d; %s" % (status, len(acked), station.stderr_text()))
    pages_measured = page_count(db)
    per_scan = max(pages_measured - pages_init, 1) / 48.0
    max_pages = pages_measured + max(8, int(per_scan * 300))
    print("# %d pages after init, %d after 48 scans: %.3f pages a scan; limit %d pages"
          % (pages_init, pages_measured, per_scan, max_pages))

    station = Station(db, os.path.join(tmp, "stderr-full.txt"), ["--max-pages", str(max_pages)])
    login_and_start(label, station)
    before = len(acked)
    refused_serial, refusal = scan_until_full(label, station, "F", acked)
    n_accepted = len(acked) - before
    check(label + "scans are refused once the database is full",
          refused_serial is not None and refusal is not None,
          "after %d scans: %r; %s" % (n_accepted, refusal, station.stderr_text()))
    check(label + "it filled after some hundreds of scans (%d)" % n_accepted,
          100 <= n_accepted <= 5000, "")
    check(label + "the refusal is ok false, STORE_FAILED, saying the disk is full",
          says_disk_full(refusal), repr(refusal))

    # The station goes on answering: reading works, writing is refused.
    again = station.ask("scan " + unit(refused_serial)) if refused_serial else None
    check(label + "the same scan again is still refused as disk full",
          says_disk_full(again), repr(again))
    first_case = None
    shown = station.ask("show " + unit(acked[0]))
    if shown is not None and shown.get("ok") is True:
        parents = (shown.get("record") or {}).get("parents") or []
        first_case = parents[0].get("sscc") if parents else None
    check(label + "show of an earlier unit still answers with its case",
          first_case is not None and station.alive(), repr(shown))
    shown = station.ask("show " + first_case) if first_case else None
    record = (shown or {}).get("record") or {}
    check(label + "show of an earlier case still answers with its units",
          shown is not None and shown.get("ok") is True and record.get("sscc") == first_case and
          acked[0] in [c.get("serial") for c in record.get("children") or []],
          repr(shown)[:2000])
    helped = station.ask("help")
    check(label + "the station still runs and answers help",
          station.alive() and helped is not None and helped.get("ok") is True, repr(helped))
    status = station.finish()
    check(label + "it exits 0 at the end of input", status == 0,
          "exit %r; %s" % (status, station.stderr_text()))
    check_database(label + "after the refusal: ", db, acked,
                   absent=[refused_serial] if refused_serial else [])

    # Space returns: a run with a higher limit accepts scans again, the
    # refused one first.
    station = Station(db, os.path.join(tmp, "stderr-room.txt"), ["--max-pages", str(max_pages * 4)])
    login_and_start(label + "with room: ", station)
    retried = [refused_serial] if refused_serial else []
    answers = [station.ask("scan " + unit(s)) for s in retried]
    answers += [station.ask("scan " + unit("G%05d" % i)) for i in range(24)]
    status = station.finish()
    accepted = [d is not None and d.get("ok") is True for d in answers]
    check(label + "with room again, the refused scan and 24 more are accepted",
          all(accepted) and len(accepted) == len(retried) + 24 and status == 0,
          "exit %r; %r" % (status, [d for d in answers if not (d and d.get("ok"))][:3]))
    acked += retried + ["G%05d" % i for i in range(24)]
    check_database(label + "recovered: ", db, acked)


def test_real_filesystem(tmp):
    label = "tiny tmpfs: "
    name = label + "a real full file system refuses scans and recovers when space returns"
    if not sys.platform.startswith("linux"):
        skip(name, "tmpfs mounts need Linux")
        return
    if os.geteuid() != 0:
        skip(name, "mounting a tmpfs needs root, and this runs as uid %d" % os.geteuid())
        return
    if shutil.which("mount") is None or shutil.which("umount") is None:
        skip(name, "mount or umount is not installed")
        return

    mnt = os.path.join(tmp, "tiny")
    os.mkdir(mnt)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", mnt],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        skip(name, "mount -t tmpfs is not permitted here: " +
             (" ".join(r.stderr.split()) or "exit %d" % r.returncode))
        return

    try:
        db = os.path.join(mnt, "station.db")
        if not aggtest.init_demo(db, label):
            return

        # Leave 2 MiB: the write-ahead log takes a few pages a scan.
        ballast = os.path.join(mnt, "ballast")
        st = os.statvfs(mnt)
        free = st.f_bavail * st.f_frsize
        with open(ballast, "wb") as f:
            chunk = b"\0" * (1 << 20)
            left = free - (2 << 20)
            while left > 0:
                left -= f.write(chunk[:min(left, len(chunk))])
        st = os.statvfs(mnt)
        print("# tmpfs of 8 MiB, %d KiB left free" % (st.f_bavail * st.f_frsize // 1024))

        acked = []
        station = Station(db, os.path.join(tmp, "stderr-tmpfs.txt"))
        login_and_start(label, station)
        refused_serial, refusal = scan_until_full(label, station, "T", acked)
        check(label + "scans are refused once the file system is full (after %d)" % len(acked),
              refused_serial is not None and len(acked) > 0,
              "%r; %s" % (refusal, station.stderr_text()))
        check(label + "the refusal is ok false, STORE_FAILED, saying the disk is full",
              says_disk_full(refusal), repr(refusal))
        shown = station.ask("show " + unit(acked[0])) if acked else None
        check(label + "show of an earlier unit still answers",
              station.alive() and shown is not None and shown.get("ok") is True, repr(shown))

        # Space returns while the station runs.
        os.unlink(ballast)
        retried = station.ask("scan " + unit(refused_serial)) if refused_serial else None
        more = [station.ask("scan " + unit("U%05d" % i)) for i in range(24)]
        check(label + "once space returns, the refused scan and 24 more are accepted",
              retried is not None and retried.get("ok") is True and
              all(d is not None and d.get("ok") is True for d in more),
              "%r %r" % (retried, [d for d in more if not (d and d.get("ok"))][:3]))
        status = station.finish()
        check(label + "it exits 0 at the end of input", status == 0,
              "exit %r; %s" % (status, station.stderr_text()))
        if refused_serial:
            acked.append(refused_serial)
        acked += ["U%05d" % i for i in range(24)]
        check_database(label, db, acked)
    finally:
        r = subprocess.run(["umount", mnt], capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            subprocess.run(["umount", "-l", mnt], capture_output=True, timeout=60)


def main():
    with tempfile.TemporaryDirectory(prefix="agg-disk-full-") as tmp:
        test_page_limit(tmp)
        test_real_filesystem(tmp)


if __name__ == "__main__":
    # A timeout's SIGTERM still unmounts the tmpfs on its way out.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    aggtest.run(main)
