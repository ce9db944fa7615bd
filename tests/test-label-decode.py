#!/usr/bin/env python3
# test-label-decode.py: labels as printed, read back by independent decoders
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Packs a case and a pallet on the demo line with "aggctl run", then renders
# their labels with "aggctl label": PNG at 203 and 300 dpi, and PDF
# rasterised by pdftoppm at 300 dpi.  zbarimg must read every GS1-128
# symbol as GS1 (FNC1 first) with exactly the data the database records:
# (00) and the SSCC; (02) and (37) with the units' GTIN and count; (17) and
# (10) with their expiry and lot.  dmtxread must read a template's GS1
# DataMatrix as the same element string.  Prints TAP; exits 77 when a
# decoder is missing.

import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import aggtest
from aggtest import check, unit

TOOLS = ("zbarimg", "pdftoppm", "dmtxread")
GS = "\x1d"
ZBAR_NS = "{http://zbar.sourceforge.net/2008/barcode}"

missing = [tool for tool in TOOLS if shutil.which(tool) is None]
if missing:
    print("1..0 # SKIP missing decoder(s): %s (Debian: zbar-tools, poppler-utils, dmtx-utils)"
          % ", ".join(missing))
    sys.exit(77)

tmp = tempfile.mkdtemp(prefix="test-label-decode-")
db = os.path.join(tmp, "station.db")


def label(*args, config=None):
    """aggctl label with @args; the completed process, output as bytes."""
    command = [os.environ["AGGCTL"], "--db", db]
    if config is not None:
        command += ["--config", config]
    return subprocess.run(command + ["label", *args], capture_output=True,
                          env=aggtest.env(), timeout=120)


def zbar_symbols(image):
    """(type, GS1-flagged, data) of every symbol zbarimg finds in @image."""
    r = subprocess.run(["zbarimg", "--quiet", "--xml", image], capture_output=True,
                       timeout=120)
    if r.returncode not in (0, 4):
        return None, r.stderr.decode(errors="replace")
    root = ET.fromstring(r.stdout)
    symbols = []
    for symbol in root.iter(ZBAR_NS + "symbol"):
        data = symbol.find(ZBAR_NS + "data").text or ""
        modifiers = (symbol.get("modifiers") or "").split(",")
        symbols.append((symbol.get("type"), "GS1" in modifiers, data))
    return symbols, r.stdout.decode(errors="replace")


def recorded(container_id, is_pallet):
    """The units' GTIN, count, lot and expiry as the database holds them."""
    with aggtest.connect_ro(db) as conn:
        where = ("parent_id IN (SELECT id FROM containers WHERE parent_id = ?)" if is_pallet
                 else "parent_id = ?")
        rows = conn.execute("SELECT DISTINCT gtin, lot, expiry FROM units WHERE status ="
                            " 'aggregated' AND " + where, (container_id,)).fetchall()
        count = conn.execute("SELECT count (*) FROM units WHERE status = 'aggregated' AND "
                             + where, (container_id,)).fetchone()[0]
    assert len(rows) == 1, rows
    gtin, lot, expiry = rows[0]
    return gtin, count, lot, expiry


def check_symbols(name, image, sscc, content):
    gtin, count, lot, expiry = content
    symbols, raw = zbar_symbols(image)
    if not check(name + ": zbarimg reads it", symbols, raw):
        return
    code128 = [s for s in symbols if s[0] == "CODE-128"]
    expected = {
        "SSCC": "00" + sscc,
        "content": "02%s37%d" % (gtin, count),
        "batch": "17%s10%s" % (expiry, lot),
    }
    for what, data in expected.items():
        found = [s for s in code128 if s[2] == data]
        check("%s: the %s symbol carries exactly %s" % (name, what, data), found, raw)
        check("%s: the %s symbol is flagged GS1 (FNC1 first)" % (name, what),
              found and all(s[1] for s in found), raw)
    check(name + ": no other symbol", len(symbols) == 3, raw)


def main():
    if not aggtest.init_demo(db):
        return

    # Four cases of twelve make the demo's full pallet; both close by
    # themselves.
    lines = ["login operator 1111", "start WO-DEMO-1"]
    lines += ["scan " + unit("LB%04d" % i) for i in range(1, 49)]
    r = aggtest.aggctl("--db", db, "run", stdin="".join(line + "\n" for line in lines))
    check("48 units packed", r.returncode == 0, r.stdout[-2000:] + r.stderr)
    with aggtest.connect_ro(db) as conn:
        cases = conn.execute("SELECT id, sscc FROM containers WHERE kind = 'case'"
                             " AND status = 'closed' ORDER BY id").fetchall()
    check("four closed cases", len(cases) == 4, cases)

    lines = ["login operator 1111", "start WO-DEMO-1", "mode pallet"]
    lines += ["scan ]C100" + sscc for _, sscc in cases]
    r = aggtest.aggctl("--db", db, "run", stdin="".join(line + "\n" for line in lines))
    with aggtest.connect_ro(db) as conn:
        pallets = conn.execute("SELECT id, sscc FROM containers WHERE kind = 'pallet'"
                               " AND status = 'closed'").fetchall()
    check("a closed pallet of them", len(pallets) == 1, r.stdout[-2000:] + r.stderr)
    if not cases or not pallets:
        return

    containers = [("case", cases[0], False), ("pallet", pallets[0], True)]
    for kind, (container_id, sscc), is_pallet in containers:
        content = recorded(container_id, is_pallet)
        for dpi in ("203", "300"):
            name = "%s, PNG at %s dpi" % (kind, dpi)
            r = label("--format", "png", "--dpi", dpi, sscc)
            if not check(name + ": aggctl label exits 0", r.returncode == 0, r.stderr):
                continue
            image = os.path.join(tmp, "%s-%s.png" % (kind, dpi))
            with open(image, "wb") as f:
                f.write(r.stdout)
            check_symbols(name, image, sscc, content)

        name = "%s, PDF rasterised at 300 dpi" % kind
        r = label("--format", "pdf", "--size", "4x6", "--reprint", sscc)
        if check(name + ": aggctl label exits 0", r.returncode == 0, r.stderr):
            pdf = os.path.join(tmp, kind + ".pdf")
            with open(pdf, "wb") as f:
                f.write(r.stdout)
            prefix = os.path.join(tmp, kind + "-pdf")
            p = subprocess.run(["pdftoppm", "-r", "300", "-png", "-singlefile", pdf, prefix],
                               capture_output=True, timeout=120)
            if check(name + ": pdftoppm renders one page", p.returncode == 0, p.stderr):
                check_symbols(name, prefix + ".png", sscc, content)

    # A template of the site's own with a GS1 DataMatrix, from the
    # configured template folder.
    templates = os.path.join(tmp, "templates")
    os.mkdir(templates)
    with open(os.path.join(templates, "with-datamatrix.label"), "w") as f:
        f.write("[label]\nwidth=101.6\nheight=148\n"
                "[field:datamatrix]\ncontent=datamatrix\nx=55\ny=5\nwidth=40\nheight=40\n"
                "[field:sscc]\ncontent=barcode-sscc\nx=0\ny=100\nwidth=101.6\nheight=32\n")
    config = os.path.join(tmp, "station.conf")
    with open(config, "w") as f:
        f.write("[labels]\ntemplate-dir=%s\n" % templates)
    for kind, (container_id, sscc), is_pallet in containers:
        gtin, count, lot, expiry = recorded(container_id, is_pallet)
        expected = GS + "00%s02%s17%s37%d%s10%s" % (sscc, gtin, expiry, count, GS, lot)
        for dpi in ("203", "300"):
            name = "%s, DataMatrix at %s dpi" % (kind, dpi)
            r = label("--format", "png", "--dpi", dpi, "--template", "with-datamatrix", sscc,
                      config=config)
            if not check(name + ": aggctl label exits 0", r.returncode == 0, r.stderr):
                continue
            image = os.path.join(tmp, "%s-dm-%s.png" % (kind, dpi))
            with open(image, "wb") as f:
                f.write(r.stdout)
            d = subprocess.run(["dmtxread", "--gs1=29", "--stop-after=1", image],
                               capture_output=True, timeout=300)
            data = d.stdout.decode(errors="replace")
            check(name + ": dmtxread reads FNC1 first and the element string",
                  data == expected, "%r != %r %s" % (data, expected, d.stderr))
            symbols, raw = zbar_symbols(image)
            check(name + ": the GS1-128 beside it still reads as (00) " + sscc,
                  symbols and ("CODE-128", True, "00" + sscc) in symbols, raw)

    # Refusals: an unknown SSCC fails, a bad option is a usage error, and
    # neither writes a label.
    r = label("--format", "zpl", "395060003000009997")
    check("an SSCC not on record: exit 1, nothing written",
          r.returncode == 1 and r.stdout == b"", r.stderr)
    r = label("--dpi", "250", cases[0][1])
    check("--dpi 250: exit 2", r.returncode == 2 and r.stdout == b"", r.stderr)
    r = label("--template", "no-such-template", cases[0][1])
    check("an unknown template: exit 1 naming it",
          r.returncode == 1 and b"no-such-template" in r.stderr, r.stderr)


if __name__ == "__main__":
    try:
        aggtest.run(main)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
