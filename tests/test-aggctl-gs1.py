#!/usr/bin/env python3
# test-aggctl-gs1.py: aggctl gs1 and sscc as a user and a script see them.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Proves the command-line contract: the JSON shape, exit statuses 0/1/2,
# one JSON line per input read from standard input, the caret under the
# offending character, and the SSCC helpers.  Prints TAP.

import json
import sys

import aggtest
from aggtest import aggctl, check

UNIT = aggtest.unit("SN0001")

# A valid unit code: the documented JSON shape, exit status 0.
r = aggctl("gs1", "parse", "--json", UNIT)
check("valid exits 0", r.returncode == 0, r.stderr)
doc = json.loads(r.stdout)
check("valid is true", doc["valid"] is True, r.stdout)
check("ais in input order",
      [(a["ai"], a["value"]) for a in doc["ais"]] ==
      [("01", "09506000134352"), ("17", "281231"), ("10", "DEMO01"), ("21", "SN0001")],
      r.stdout)
check("hri lines", doc["hri"] == ["(01) 09506000134352", "(17) 281231", "(10) DEMO01",
                                  "(21) SN0001"], r.stdout)
check("error is null", doc["error"] is None, r.stdout)
check("one line of output", r.stdout.count("\n") == 1, r.stdout)

# An invalid code: what was read before the error, and the error object.
r = aggctl("gs1", "parse", "--json", "]d2" "0109506000134352" "17281331")
doc = json.loads(r.stdout)
check("invalid exits 1", r.returncode == 1, r.stdout)
check("invalid is false", doc["valid"] is False, r.stdout)
check("ais read before the error", [a["ai"] for a in doc["ais"]] == ["01"], r.stdout)
check("error names the AI", doc["error"]["ai"] == "17", r.stdout)
check("error gives the offset", doc["error"]["offset"] == 23, r.stdout)
check("error message names the AI", "(17)" in doc["error"]["message"], r.stdout)

# Non-GS1 data is not valid, and has no AI to blame.
r = aggctl("gs1", "parse", "--json", "]d1HELLO")
doc = json.loads(r.stdout)
check("non-GS1 exits 1", r.returncode == 1, r.stdout)
check("non-GS1 is invalid", doc["valid"] is False and doc["error"]["ai"] is None, r.stdout)

# Standard input: one JSON object per line, exit 1 when any is invalid.
lines = [UNIT, "(01)09506000134352(10)ABC", "(01)09506000134353",
         "https://id.gs1.org/01/09506000134352/21/XYZ"]
r = aggctl("gs1", "parse", "--json", "-", stdin="\n".join(lines) + "\n")
out = [json.loads(line) for line in r.stdout.splitlines()]
check("stdin gives one object per line", len(out) == 4, r.stdout)
check("stdin verdicts in order", [o["valid"] for o in out] == [True, True, False, True], r.stdout)
check("stdin with an invalid line exits 1", r.returncode == 1, r.stdout)

r = aggctl("gs1", "parse", "--json", "-", stdin=UNIT + "\r\n" + UNIT + "\n")
check("stdin all valid exits 0 and takes CRLF", r.returncode == 0 and r.stdout.count("\n") == 2,
      r.stdout)

# Human output: HRI with titles, or the error with a caret under the fault.
r = aggctl("gs1", "parse", UNIT)
check("human output shows HRI", "(01) 09506000134352" in r.stdout and "GTIN" in r.stdout, r.stdout)
r = aggctl("gs1", "parse", "(01)09506000134352(17)281331")
lines = r.stdout.splitlines()
echo = [l for l in lines if "(17)281331" in l]
caret = [l for l in lines if l.strip() == "^"]
check("human error has the input and a caret", len(echo) == 1 and len(caret) == 1, r.stdout)
if echo and caret:
    check("caret under the month", caret[0].index("^") == echo[0].index("(17)") + 6,
          r.stdout)

# Usage errors exit 2.
for args in (["gs1"], ["gs1", "parse"], ["gs1", "parse", "a", "b"], ["nonsense"],
             ["sscc", "make", "--gcp", "0614141"], ["sscc", "make", "--ext", "x"]):
    r = aggctl(*args)
    check("usage error exits 2: " + " ".join(args), r.returncode == 2, r.stdout + r.stderr)

# SSCC helpers: the GS1 General Specifications example.
r = aggctl("sscc", "make", "--gcp", "0614141", "--ext", "3", "--ref", "123456789")
check("sscc make", r.returncode == 0 and r.stdout.strip() == "306141411234567891",
      r.stdout + r.stderr)
r = aggctl("sscc", "make", "--gcp", "0614141", "--ext", "3", "--ref", "1234567890")
check("sscc make refuses a serial reference too long", r.returncode == 1, r.stdout + r.stderr)
r = aggctl("sscc", "check", "306141411234567891")
check("sscc check valid", r.returncode == 0, r.stdout)
r = aggctl("sscc", "check", "306141411234567892")
check("sscc check invalid", r.returncode == 1 and "1" in r.stdout, r.stdout)

# The demo runs and shows both verdicts.
r = aggctl("demo")
check("demo runs", r.returncode == 0 and "Invalid:" in r.stdout and "(21)" in r.stdout,
      r.stdout + r.stderr)

sys.exit(aggtest.finish())
