#!/usr/bin/env python3
# test-epcis-schema.py: the station's EPCIS documents against the EPCIS schemas
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Drives the demo line through every event the engine writes — the
# commissioning of cases and pallets, packing, pallets, and every
# correction: remove, replace, unpack, remove-case, move-case, reopen,
# decommission, destroy, sample, void and reprint, with an error
# declaration for a delivered event — then exports the outbox with
# "aggctl epcis export" as JSON-LD, EPCIS 2.0 XML and 1.2 XML and checks:
# the JSON against EPCIS-JSON-Schema.json (python3-jsonschema), the XML
# with xmllint against the 2.0 and 1.2 XSDs, the JSON-LD @context and
# types, and that the three formats carry the same event IDs.  The
# standards folder comes from AGG_EPCIS_STANDARDS; without it the test
# skips with status 77.  Prints TAP.

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import aggtest
from aggtest import GTIN, check, unit

STANDARDS = os.environ.get("AGG_EPCIS_STANDARDS", "")
if not os.path.isdir(os.path.join(STANDARDS, "json-schema")):
    print("1..0 # SKIP the EPCIS standards folder (AGG_EPCIS_STANDARDS, meson option "
          "epcis_standards) is absent")
    sys.exit(77)

import jsonschema  # noqa: E402  (Debian's python3-jsonschema)

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
SIGN = "sign supervisor 2222"

tmp = tempfile.mkdtemp(prefix="test-epcis-schema-")
db = os.path.join(tmp, "station.db")


def aggctl(*args, stdin=None):
    return aggtest.aggctl("--db", db, *args, stdin=stdin)


def session(lines):
    r = aggctl("run", stdin="".join(line + "\n" for line in lines))
    return aggtest.json_lines(r.stdout)


def key(serial):
    return "(01)%s(21)%s" % (GTIN, serial)


def run_checked(name, lines):
    """Runs @lines; every answer but the signature requests must be ok."""
    answers = [a for a in session(lines) if a.get("outcome") != "SIGNATURE_REQUIRED"]
    bad = [a for a in answers if not a.get("ok")]
    check(name, answers and not bad, json.dumps(bad or answers)[:2000])
    return answers


def mark_sent():
    """Marks the outbox delivered, as the sync worker does."""
    con = sqlite3.connect(db, timeout=30)
    with con:
        con.execute("UPDATE events SET status = 'sent'")
    con.close()


def export(*args):
    return aggctl("epcis", "export", *args)


def xml_ids(text):
    root = ET.fromstring(text)
    return [e.text for e in root.iter("eventID")]


def main():
    if not aggtest.init_demo(db):
        return

    # Production: three full cases (12 units each) onto a pallet.
    lines = ["login operator 1111", "start WO-DEMO-1"]
    lines += ["scan " + unit("A%02d" % i) for i in range(1, 13)]
    lines += ["scan " + unit("B%02d" % i) for i in range(1, 13)]
    lines += ["scan " + unit("C%02d" % i) for i in range(1, 13)]
    answers = run_checked("three cases are packed", lines)
    ssccs = []
    for a in answers:
        sscc = a.get("case", {}).get("sscc")
        if sscc and sscc not in ssccs:
            ssccs.append(sscc)
    if not check("three cases were made", len(ssccs) == 3, ssccs):
        return
    case_a, case_b, case_c = ssccs

    answers = run_checked("two cases go onto a pallet, which closes",
                          ["login operator 1111", "mode pallet",
                           "scan ]C100" + case_a, "scan ]C100" + case_b,
                           "close-pallet --partial 'end of shift'"])
    pallet = None
    for a in answers:
        for k in ("pallet", "case"):
            c = a.get(k) or {}
            if c.get("kind") == "pallet":
                pallet = c.get("sscc")
    if not check("a pallet was made", pallet is not None, answers):
        return

    # The repository has had everything so far.
    mark_sent()

    run_checked("every correction runs", [
        "login operator 1111",
        "remove-unit %s damaged" % key("C01"), SIGN,
        "replace-unit %s '%s' 'wrong unit scanned'" % (key("A02"), unit("A99")), SIGN,
        "unpack %s 'rework'" % case_c, SIGN,
        "remove-case %s 'restack'" % case_b, SIGN,
        "move-case %s %s 'restack'" % (case_b, pallet), SIGN,
        "sample %s 'QC'" % key("A03"), SIGN,
        "decommission %s 'damaged'" % key("C01"), SIGN,
        "destroy %s 'crushed'" % key("C02"), SIGN,
        "reprint-label %s 'smudged'" % case_a, SIGN,
        "start WO-DEMO-1",
        "scan " + unit("E01"),
        "remove-unit %s 'wrong case'" % key("E01"), SIGN,
    ])
    con = aggtest.connect_ro(db)
    case_e = con.execute("SELECT sscc FROM containers WHERE kind = 'case'"
                         " AND status = 'open'").fetchone()
    con.close()
    if not check("an empty open case is left", case_e is not None):
        return
    mark_sent()
    run_checked("reopen and void", [
        "login operator 1111",
        "void-label %s 'misprint'" % case_e[0], SIGN,
        "reopen-case %s 'check contents'" % case_a, SIGN,
        "close-case --partial 'QC sample taken'",
    ])

    # Every format, with Digital Link and with EPC URNs.
    documents = {}
    for fmt in ("jsonld", "xml", "xml12"):
        for urns in (False, True):
            extra = ["--epc-urns", "--gcp-length", "7"] if urns else []
            r = export("--format", fmt, "--all", *extra)
            name = fmt + (" with EPC URNs" if urns else "")
            check("export %s exits 0" % name, r.returncode == 0, r.stderr)
            documents[(fmt, urns)] = r.stdout

    schema_path = os.path.join(STANDARDS, "json-schema", "EPCIS-JSON-Schema.json")
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    validator_class = jsonschema.validators.validator_for(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)

    for urns in (False, True):
        label = " (EPC URNs)" if urns else ""
        doc = json.loads(documents[("jsonld", urns)])
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        check("JSON-LD is valid against the EPCIS JSON schema" + label, not errors,
              "\n".join("%s: %s" % (list(e.path), e.message) for e in errors[:10]))
        check("JSON-LD names the EPCIS 2.0 context" + label,
              EPCIS_CONTEXT in doc.get("@context", []), doc.get("@context"))
        check("JSON-LD is an EPCISDocument of schema 2.0" + label,
              doc.get("type") == "EPCISDocument" and doc.get("schemaVersion") == "2.0", doc.get("type"))

    for fmt, xsd in (("xml", "xsd-2.0/EPCglobal-epcis-2_0.xsd"),
                     ("xml12", "xsd-1.2/EPCglobal-epcis-1_2.xsd")):
        for urns in (False, True):
            path = os.path.join(tmp, "%s-%d.xml" % (fmt, urns))
            with open(path, "w", encoding="utf-8") as f:
                f.write(documents[(fmt, urns)])
            r = subprocess.run(["xmllint", "--noout", "--schema",
                                os.path.join(STANDARDS, xsd), path],
                               capture_output=True, text=True)
            check("%s%s is valid against %s" % (fmt, " (EPC URNs)" if urns else "", xsd),
                  r.returncode == 0, r.stderr)

    # The same events, with the same IDs, in every format.
    doc = json.loads(documents[("jsonld", False)])
    events = doc["epcisBody"]["eventList"]
    ids = [e["eventID"] for e in events]
    check("every event ID is a CBV 2.0 hash ID",
          ids and all(i.startswith("ni:///sha-256;") and i.endswith("?ver=CBV2.0") for i in ids),
          ids[:3])
    for (fmt, urns), text in documents.items():
        other = ([e["eventID"] for e in json.loads(text)["epcisBody"]["eventList"]]
                 if fmt == "jsonld" else xml_ids(text))
        check("%s%s carries the same event IDs" % (fmt, " (EPC URNs)" if urns else ""),
              other == ids, (other[:3], ids[:3]))

    con = aggtest.connect_ro(db)
    stored = [row[0] for row in con.execute("SELECT event_id FROM events ORDER BY id")]
    declared = [row[0] for row in con.execute("SELECT event_id FROM error_declarations")]
    con.close()
    check("the document holds the outbox, then the declarations", ids == stored + declared,
          (len(ids), len(stored), len(declared)))

    # Every kind of event the engine writes is there.
    kinds = {(e["type"], e["action"], e["bizStep"], e.get("disposition")) for e in events}
    expected = {
        ("ObjectEvent", "ADD", "commissioning", "active"),
        ("AggregationEvent", "ADD", "packing", "in_progress"),
        ("AggregationEvent", "DELETE", "unpacking", None),
        ("ObjectEvent", "OBSERVE", "sampling", "non_sellable_other"),
        ("ObjectEvent", "DELETE", "decommissioning", "inactive"),
        ("ObjectEvent", "DELETE", "destroying", "destroyed"),
    }
    check("every event type the engine writes was exported", expected <= kinds,
          sorted(map(str, expected - kinds)))
    declarations = [e["errorDeclaration"] for e in events if "errorDeclaration" in e]
    reasons = sorted(d["reason"] for d in declarations)
    check("the replacement and the void declared delivered events in error",
          reasons == ["did_not_occur", "incorrect_data"], reasons)
    known = set(stored)
    check("declarations name corrective events of the outbox",
          all(d.get("correctiveEventIDs") and set(d["correctiveEventIDs"]) <= known
              for d in declarations), declarations)

    urn_doc = documents[("jsonld", True)]
    check("EPC URN export writes sgtin, sscc and sgln URNs",
          "urn:epc:id:sgtin:9506000.013435.A01" in urn_doc and "urn:epc:id:sscc:" in urn_doc
          and "urn:epc:id:sgln:" in urn_doc and "https://id.gs1.org/01/" not in urn_doc)

    # Selections: pending only, one order; usage errors.
    r = export("--format", "jsonld", "--pending")
    pending = json.loads(r.stdout)["epcisBody"]["eventList"] if r.returncode == 0 else []
    con = aggtest.connect_ro(db)
    n_pending = con.execute("SELECT count (*) FROM events WHERE status = 'pending'").fetchone()[0]
    n_declared = con.execute("SELECT count (*) FROM error_declarations"
                             " WHERE status = 'pending'").fetchone()[0]
    con.close()
    check("--pending exports what is not delivered yet",
          r.returncode == 0 and len(pending) == n_pending + n_declared and n_pending < len(stored),
          (r.stderr, len(pending), n_pending))
    r = export("--format", "xml", "--order", "WO-NONE")
    check("--order of an order without events is an empty document",
          r.returncode == 0 and xml_ids(r.stdout) == [], r.stdout + r.stderr)
    for args in (["--format", "csv"], ["--format", "xml", "--pending", "--all"],
                 ["--format", "xml", "--epc-urns"], ["--format", "xml", "--gcp-length", "5"], []):
        r = export(*args)
        check("usage error exits 2: %s" % " ".join(args), r.returncode == 2, r.stderr)

    aggtest.check_audit_intact(db)


if __name__ == "__main__":
    try:
        aggtest.run(main)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
