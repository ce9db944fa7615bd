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
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import urllib.parse

AGGCTL = os.environ["AGGCTL"]
GS = "\x1d"
GTIN = "09506000134352"
UNIT_PREFIX = "]d2" "01" + GTIN + "17281231" "10DEMO01" + GS + "21"
ENV = dict(os.environ, LC_ALL="C.UTF-8")
GENESIS = "0" * 64
COLUMNS = ("id, at, utc_offset, user_id, username, action, object, old_value, new_value,"
           " reason, signer, signer_name, meaning, prev_hash")

results = []


def check(name, condition, diagnostic=""):
    results.append((name, bool(condition), diagnostic))


def aggctl(*args, stdin=None, timeout=120):
    return subprocess.run([AGGCTL, *args], input=stdin, capture_output=True, text=True,
                          env=ENV, timeout=timeout)


def connect(db, readonly=False):
    if readonly:
        return sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(db), uri=True, timeout=30)
    return sqlite3.connect(db, timeout=30, isolation_level=None)


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


def verify(db):
    return aggctl("--db", db, "audit", "verify")


def main():
    tmp = tempfile.TemporaryDirectory(prefix="agg-tamper-")
    db = os.path.join(tmp.name, "station.db")
    r = aggctl("--db", db, "init", "--demo")
    check("init --demo", r.returncode == 0, r.stdout + r.stderr)
    if r.returncode != 0:
        return

    serials = ["TAMPER%04d" % i for i in range(30)]
    lines = ["login operator 1111", "start WO-DEMO-1"]
    lines += ["scan " + UNIT_PREFIX + s for s in serials]
    lines += ['remove-unit %s%s "damaged"' % (UNIT_PREFIX, serials[3]), "sign supervisor 2222"]
    r = aggctl("--db", db, "run", stdin="\n".join(lines) + "\n")
    docs = []
    for raw in r.stdout.splitlines():
        try:
            docs.append(json.loads(raw))
        except ValueError:
            docs.append({"unparsable": raw})
    check("the session runs and exits 0", r.returncode == 0 and len(docs) == len(lines),
          "exit %d, %d answers for %d lines\n%s" % (r.returncode, len(docs), len(lines), r.stderr))
    check("login, start and 30 scans are accepted",
          len(docs) >= 32 and all(d.get("ok") is True for d in docs[:32]),
          repr([d for d in docs[:32] if d.get("ok") is not True][:3]))
    check("remove-unit asks for a signature",
          len(docs) >= 33 and docs[32].get("outcome") == "SIGNATURE_REQUIRED", repr(docs[32:33]))
    check("the supervisor's signature carries it out",
          len(docs) >= 34 and docs[33].get("ok") is True, repr(docs[33:34]))

    r = verify(db)
    check("audit verify exits 0 on the intact trail", r.returncode == 0, r.stdout + r.stderr)

    con = connect(db, readonly=True)
    rows = con.execute("SELECT %s, hash FROM audit ORDER BY id" % COLUMNS).fetchall()
    removal = con.execute(
        "SELECT id, reason, signer FROM audit WHERE action LIKE 'unit.%' AND object = ?"
        " AND action <> 'unit.aggregate'", ("(01)%s(21)%s" % (GTIN, serials[3]),)).fetchall()
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
        r = aggctl("--db", db, "backup", path)
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
        r = verify(copies["triggers"])
        check("the copy is intact after the refused changes", r.returncode == 0,
              r.stdout + r.stderr)

    # A row altered: verify names it.
    if copies["update"]:
        con = connect(copies["update"])
        con.execute("DROP TRIGGER audit_no_update")
        con.execute("UPDATE audit SET reason = 'nothing happened', new_value = 'forged'"
                    " WHERE id = ?", (middle,))
        con.close()
        r = verify(copies["update"])
        check("an altered row: verify exits 1", r.returncode == 1, r.stdout + r.stderr)
        check("an altered row: verify names row %d" % middle, names_row(r.stdout, middle),
              r.stdout + r.stderr)

    # A row altered and its own hash recomputed: the next row no longer
    # follows it.
    if copies["rehash"]:
        con = connect(copies["rehash"])
        con.execute("DROP TRIGGER audit_no_update")
        row = list(rows[middle - 1][:-1])
        row[8] = "forged"
        con.execute("UPDATE audit SET new_value = ?, hash = ? WHERE id = ?",
                    (row[8], row_hash(row), middle))
        con.close()
        r = verify(copies["rehash"])
        check("an altered, re-hashed row: verify exits 1", r.returncode == 1, r.stdout + r.stderr)
        check("an altered, re-hashed row: verify names row %d" % (middle + 1),
              names_row(r.stdout, middle + 1), r.stdout + r.stderr)

    # A row removed: verify names the row after the gap.
    if copies["delete"]:
        con = connect(copies["delete"])
        con.execute("DROP TRIGGER audit_no_delete")
        con.execute("PRAGMA foreign_keys = OFF")
        con.execute("DELETE FROM audit WHERE id = ?", (middle,))
        con.close()
        r = verify(copies["delete"])
        check("a removed row: verify exits 1", r.returncode == 1, r.stdout + r.stderr)
        check("a removed row: verify names row %d after the gap" % (middle + 1),
              names_row(r.stdout, middle + 1), r.stdout + r.stderr)

    # A row forged at the end, chained to the last one but with a made-up
    # hash: verify names it.
    if copies["forge"]:
        last = rows[-1]
        forged = [n_rows + 1, last[1], last[2], last[3], last[4], "unit.aggregate",
                  "(01)%s(21)FORGED" % GTIN, None, "009506000000000019", None, None, None, None,
                  last[-1]]
        con = connect(copies["forge"])
        con.execute("INSERT INTO audit (%s, hash) VALUES (%s)"
                    % (COLUMNS, ", ".join("?" * 15)), forged + ["f" * 64])
        con.close()
        r = verify(copies["forge"])
        check("a forged last row: verify exits 1", r.returncode == 1, r.stdout + r.stderr)
        check("a forged last row: verify names row %d" % (n_rows + 1),
              names_row(r.stdout, n_rows + 1), r.stdout + r.stderr)

    r = verify(db)
    check("the original is still intact", r.returncode == 0, r.stdout + r.stderr)
    tmp.cleanup()


if __name__ == "__main__":
    try:
        main()
    except Exception:                               # a crash of the test is a failure
        import traceback
        check("the test ran to its end", False, traceback.format_exc())
    print("1..%d" % len(results))
    for i, (name, ok, diagnostic) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
        if not ok:
            for line in diagnostic.splitlines():
                print("# " + line)
    sys.exit(0 if results and all(ok for _, ok, _ in results) else 1)
