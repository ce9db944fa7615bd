#!/usr/bin/env python3
# test-gs1-conformance.py: GS1 parser against the reference Syntax Engine
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs every case of gs1-conformance.txt (see its header for the format)
# through ONE "aggctl gs1 parse --json -" process, one input per line, and
# prints TAP.  aggctl is taken from the AGGCTL environment variable, which
# meson sets.
#
#   test-gs1-conformance.py [CASES-FILE]

import json
import os
import re
import subprocess
import sys

import aggtest

VERDICTS = ("valid", "invalid", "notgs1")


class CaseError(Exception):
    pass


def unescape_input(text):
    """The file's escapes: \\xHH is that byte, \\\\ one backslash."""
    out = bytearray()
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "\\":
            out += ch.encode("utf-8")
            i += 1
            continue
        if text[i + 1:i + 2] == "\\":
            out += b"\\"
            i += 2
        elif re.fullmatch(r"x[0-9A-Fa-f]{2}", text[i + 1:i + 4]):
            out.append(int(text[i + 2:i + 4], 16))
            i += 4
        else:
            raise CaseError("unknown escape %r (write a backslash as \\\\)" % text[i:i + 2])
    if b"\n" in out or b"\r" in out:
        raise CaseError("an input cannot hold a line break")
    return bytes(out)


def parse_bracketed(text):
    """'(01)123(10)A\\(B' -> [('01', '123'), ('10', 'A(B')]."""
    ais = []
    i = 0
    while i < len(text):
        if text[i] != "(":
            raise CaseError("expected AIs: '(' expected at %d in %r" % (i, text))
        close = text.find(")", i)
        if close < 0:
            raise CaseError("expected AIs: unclosed AI in %r" % text)
        ai = text[i + 1:close]
        if not re.fullmatch(r"[0-9]{2,4}", ai):
            raise CaseError("expected AIs: bad AI %r" % ai)
        i = close + 1
        value = []
        while i < len(text) and text[i] != "(":
            if text[i] == "\\" and text[i + 1:i + 2] == "(":
                i += 1
            value.append(text[i])
            i += 1
        ais.append((ai, "".join(value)))
    return ais


def load_cases(path):
    cases = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line == "" or line.startswith("#"):
                continue
            where = "%s:%d" % (os.path.basename(path), lineno)
            fields = line.split("\t")
            if len(fields) not in (3, 4):
                raise CaseError("%s: %d columns, want 3 or 4" % (where, len(fields)))
            verdict, raw, expected = fields[:3]
            note = fields[3] if len(fields) == 4 else ""
            if verdict not in VERDICTS:
                raise CaseError("%s: unknown verdict %r" % (where, verdict))
            try:
                data = unescape_input(raw)
                if verdict == "valid":
                    ais = parse_bracketed(expected)
                    if not ais:
                        raise CaseError("a valid case needs its AIs")
                elif expected != "-":
                    raise CaseError("expected AIs must be '-' unless valid")
                else:
                    ais = None
            except CaseError as e:
                raise CaseError("%s: %s" % (where, e))
            cases.append({
                "where": where,
                "verdict": verdict,
                "raw": raw,
                "input": data,
                "ais": ais,
                "note": note,
            })
    return cases


def form_of(data):
    if data.startswith(b"]"):
        return "scan"
    if data.startswith(b"("):
        return "bracketed"
    if re.match(rb"(?i)https?://", data):
        return "dl"
    if data.startswith(b"\x1d") or data[:1].isdigit():
        return "element"
    return "other"


def show_ais(ais):
    return "".join("(%s)%s" % (ai, value.replace("(", "\\(")) for ai, value in ais)


def describe(case):
    text = case["raw"] if case["raw"] else "(empty)"
    text = "%s %s" % (form_of(case["input"]), text)
    if case["note"]:
        text += " [%s]" % case["note"]
    # '#' would start a TAP directive.
    return text.replace("#", "<hash>")


def problem_of(case, got):
    """None when the case passes, else what went wrong."""
    if got is None:
        return "no answer from aggctl"
    if not isinstance(got, dict) or not isinstance(got.get("valid"), bool):
        return "malformed answer"
    if case["verdict"] == "valid":
        if not got["valid"]:
            err = got.get("error") or {}
            return "refused: %s" % err.get("message")
        try:
            ais = [(a["ai"], a["value"]) for a in got.get("ais", [])]
        except (TypeError, KeyError):
            return "malformed AI list"
        if ais != case["ais"]:
            return "other AIs"
        return None
    if got["valid"]:
        return "accepted"
    err = got.get("error")
    if not isinstance(err, dict):
        return "refused without an error object"
    if case["verdict"] == "notgs1" and not err.get("message"):
        return "refused as not GS1 without saying why"
    return None


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "gs1-conformance.txt")
    aggctl = os.environ.get("AGGCTL")

    if not aggctl:
        print("Bail out! AGGCTL is not set")
        return 1

    try:
        cases = load_cases(path)
    except (OSError, CaseError) as e:
        print("Bail out! %s" % e)
        return 1
    if not cases:
        print("Bail out! no cases in %s" % path)
        return 1

    stdin = b"".join(case["input"] + b"\n" for case in cases)
    try:
        proc = subprocess.run([aggctl, "gs1", "parse", "--json", "-"],
                              input=stdin, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        print("Bail out! cannot run aggctl: %s" % e)
        return 1

    answers = aggtest.json_lines(proc.stdout.decode("utf-8", "replace"))

    if proc.returncode not in (0, 1):
        print("# aggctl exited with status %d" % proc.returncode)
        for line in proc.stderr.decode("utf-8", "replace").splitlines()[:20]:
            print("# stderr: %s" % line)
    if len(answers) != len(cases):
        print("# aggctl gave %d answers for %d inputs" % (len(answers), len(cases)))

    agreed = 0
    for n, case in enumerate(cases, 1):
        got = answers[n - 1] if n - 1 < len(answers) else None
        problem = problem_of(case, got)
        expected = ("valid " + show_ais(case["ais"]) if case["verdict"] == "valid"
                    else case["verdict"])
        agreed += problem is None
        aggtest.check(describe(case), problem is None,
                      "  %s: %s\n" % (case["where"], problem) +
                      "  input:    %s\n" % (case["raw"] or "(empty)") +
                      "  expected: %s\n" % expected +
                      "  got:      %s" % json.dumps(got, ensure_ascii=True))

    status = aggtest.finish()
    broken = proc.returncode not in (0, 1) or len(answers) != len(cases)
    print("# %d of %d cases agree with the reference" % (agreed, len(cases)))
    return 1 if status or broken else 0


if __name__ == "__main__":
    sys.exit(main())
