#!/usr/bin/env python3
# test-audit-tamper.py: "aggctl audit verify" catches every kind of tampering.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Builds a short trail (a session, 30 scans, a signed correction), proves
# it intact, and recomputes every hash from the encoding documented in
# app/line/agg-audit.c.  Then, each on its own backup copy: a row altered,
# a row altered with its own hash recomputed, a row removed, a row forged
# at the end.  Each must make verify exit 1 and name the row.  The
# triggers themselves must refuse UPDATE and DELETE.  Prints TAP.

import hashlib
import os
import re
import sqlite3
import tempfile

import aggtest
from aggtest import check, unit, unit_key

GENESIS = "0" * 64
COLUMNS = ("id, at, utc_offset, user_id, username, action, object, old_value, new_value,"
           " reason, signer, signer_name, meaning, prev_hash")


def connect(db):
    """A connection of its own, as the sqlite3 shell opens one."""
    return sqlite3.connect(db, timeout=30, isolation_level=None)


def tamper(db, *statements):
    """Runs each (sql, parameters) on @db behind the station's back."""
    con = connect(db)
    try:
        for sql, parameters in statements:
            con.execute(sql, parameters)
    finally:
        con.close()


def row_hash(row):
    """The documented encoding: each field as "LENGTH:BYTES", NULL as "-"."""
    h = hashlib.sha256()
    for value in row:
        if value is None:
            h.update(b"-")
            continue
        data = str(value).encode()
        h.update(b"%d:" % len(data) + data)
    return h.hexdigest()


def names_row(text, row_id):
    return re.search(r"\brow %d\b" % row_id, text) is not None


def check_caught(db, what, row_id, where=""):
    """Verification of the tampered @db exits 1 and names @row_id."""
    r = aggtest.audit_verify(db)
    check("%s: verify exits 1" % what, r.returncode == 1, r.stdout + r.stderr)
    check("%s: verify names row %d%s" % (what, row_id, where), names_row(r.stdout, row_id),
          r.stdout + r.stderr)


def main():
    tmp = tempfile.TemporaryDirectory(prefix="agg-tamper-")
    db = os.path.join(tmp.name, "station.db")
    if not aggtest.init_demo(db):
        return

    serials = ["TAMPER%04d" % i for i in range(30)]
    lines = ["login operator 1111", "start WO-DEMO-1"]
    lines += ["scan " + unit(s) for s in serials]
    lines += ['remove-unit %s "damaged"' % unit(serials[3]), "sign supervisor 2222"]
    r = aggtest.aggctl("--db", db, "run", stdin="\n".join(lines) + "\n")
    docs = aggtest.json_lines(r.stdout)
    check("the session runs and exits 0", r.returncode == 0 and len(docs) == len(lines),
          "exit %d, %d answers for %d lines\n%s" % (r.returncode, len(docs), len(lines), r.stderr))
    check("login, start and 30 scans are accepted",
          len(docs) >= 32 and all(d.get("ok") is True for d in docs[:32]),
          repr([d for d in docs[:32] if d.get("ok") is not True][:3]))
    check("remove-unit asks for a signature",
          len(docs) >= 33 and docs[32].get("outcome") == "SIGNATURE_REQUIRED", repr(docs[32:33]))
    check("the supervisor's signature carries it out",
          len(docs) >= 34 and docs[33].get("ok") is True, repr(docs[33:34]))

    r = aggtest.audit_verify(db)
    check("audit verify exits 0 on the intact trail", r.returncode == 0, r.stdout + r.stderr)

    con = aggtest.connect_ro(db)
    rows = con.execute("SELECT %s, hash FROM audit ORDER BY id" % COLUMNS).fetchall()
    removal = con.execute(
        "SELECT id, reason, signer FROM audit WHERE action LIKE 'unit.%' AND object = ?"
        " AND action <> 'unit.aggregate'", (unit_key(serials[3]),)).fetchall()
    con.close()
    check("the removal is audited with its reason and signer",
          len(removal) == 1 and removal[0][1] == "damaged" and removal[0][2] == "supervisor",
          repr(removal))

    # An independent check of the chain, from the documented encoding.
    prev = GENESIS
    bad = []
    for n, row in enumerate(rows, 1):
        fields, stored = row[:-1], row[-1]
        if fields[0] != n or fields[-1] != prev or row_hash(fields) != stored:
            bad.append(fields[0])
        prev = stored
    check("every stored hash matches the documented encoding (%d rows)" % len(rows),
          rows and not bad, "first bad rows: %r" % bad[:5])

    n_rows = len(rows)
    middle = n_rows // 2
    check("the trail is long enough to tamper with its middle", n_rows >= 40, "%d rows" % n_rows)

    # Copies to tamper with, made by the station's own backup.
    copies = {}
    for name in ("triggers", "update", "rehash", "delete", "forge"):
        path = os.path.join(tmp.name, name + ".db")
        r = aggtest.aggctl("--db", db, "backup", path)
        ok = r.returncode == 0 and os.path.exists(path)
        check("backup to a copy for the %s case" % name, ok, r.stdout + r.stderr)
        copies[name] = path if ok else None

    # With the triggers in place, SQLite itself refuses.
    if copies["triggers"]:
        con = connect(copies["triggers"])
        for what, sql in (("UPDATE", "UPDATE audit SET reason = 'x' WHERE id = %d" % middle),
                          ("DELETE", "DELETE FROM audit WHERE id = %d" % middle)):
            try:
                con.execute(sql)
                refused, message = False, "it went through"
            except sqlite3.DatabaseError as e:
                refused, message = "append-only" in str(e), str(e)
            check("the trigger refuses %s of an audit row" % what, refused, message)
        con.close()
        r = aggtest.audit_verify(copies["triggers"])
        check("the copy is intact after the refused changes", r.returncode == 0,
              r.stdout + r.stderr)

    # A row altered: verify names it.
    if copies["update"]:
        tamper(copies["update"],
               ("DROP TRIGGER audit_no_update", ()),
               ("UPDATE audit SET reason = 'nothing happened', new_value = 'forged'"
                " WHERE id = ?", (middle,)))
        check_caught(copies["update"], "an altered row", middle)

    # A row altered and its own hash recomputed: the next row no longer
    # follows it.
    if copies["rehash"]:
        row = list(rows[middle - 1][:-1])
        row[8] = "forged"
        tamper(copies["rehash"],
               ("DROP TRIGGER audit_no_update", ()),
               ("UPDATE audit SET new_value = ?, hash = ? WHERE id = ?",
                (row[8], row_hash(row), middle)))
        check_caught(copies["rehash"], "an altered, re-hashed row", middle + 1)

    # A row removed: verify names the row after the gap.
    if copies["delete"]:
        tamper(copies["delete"],
               ("DROP TRIGGER audit_no_delete", ()),
               ("PRAGMA foreign_keys = OFF", ()),
               ("DELETE FROM audit WHERE id = ?", (middle,)))
        check_caught(copies["delete"], "a removed row", middle + 1, " after the gap")

    # A row forged at the end, chained to the last one but with a made-up
    # hash: verify names it.
    if copies["forge"]:
        last = rows[-1]
        forged = [n_rows + 1, last[1], last[2], last[3], last[4], "unit.aggregate",
                  unit_key("FORGED"), None, "009506000000000019", None, None, None, None,
                  last[-1]]
        tamper(copies["forge"],
               ("INSERT INTO audit (%s, hash) VALUES (%s)" % (COLUMNS, ", ".join("?" * 15)),
                forged + ["f" * 64]))
        check_caught(copies["forge"], "a forged last row", n_rows + 1)

    r = aggtest.audit_verify(db)
    check("the original is still intact", r.returncode == 0, r.stdout + r.stderr)
    tmp.cleanup()


if __name__ == "__main__":
    aggtest.run(main)
