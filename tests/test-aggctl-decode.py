# test-aggctl-decode.py: aggctl decode on image files, against their truth and dmtxread
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The images come from gen-decode-images with the truth of every code;
# Debian's dmtxread reads the same images as an independent decoder.

import json
import os
import shutil
import subprocess
import sys
import tempfile

import aggtest

GS = "\x1d"


def generate(tmp, *names):
    subprocess.run([os.environ["GEN_DECODE_IMAGES"], tmp, *names], check=True,
                   capture_output=True, timeout=300)
    truths = {}
    for name in names:
        with open(os.path.join(tmp, name + ".json")) as f:
            truths[name] = json.load(f)
    return truths


def dmtxread(path, n):
    """What dmtxread reads, as a reader reports it: "]d2" for FNC1 first,
    GS for the others."""
    r = subprocess.run(["dmtxread", "-n", "-N%d" % n, "-G29", path], capture_output=True,
                       timeout=300)
    codes = []
    # Not splitlines (): GS is a line boundary to Python.
    for line in r.stdout.decode("latin-1").split("\n"):
        if line:
            codes.append("]d2" + line[1:] if line.startswith(GS) else line)
    return codes


# What is read is checked here, not how fast (the benchmark does that):
# a deadline far beyond need holds on a busy machine.
DEADLINE = ["--deadline", "20000"]


def decode(*args):
    r = aggtest.aggctl("decode", *DEADLINE, *args, timeout=300)
    return r, aggtest.json_lines(r.stdout)


def check_against_truth(label, answer, truth):
    readable = [c for c in truth["codes"] if c["readable"]]
    got = {c["slot"]: c["data"] for c in answer.get("codes", [])}
    want = {c["slot"]: c["data"] for c in readable}
    aggtest.check(label + ": every readable code in its slot", got == want,
                  "missing %s, extra %s" % (sorted(set(want.items()) - set(got.items())),
                                            sorted(set(got.items()) - set(want.items()))))
    aggtest.check(label + ": the empty slots", answer.get("empty_slots") == truth["empty_slots"],
                  answer.get("empty_slots"))
    aggtest.check(label + ": four corners each",
                  all(len(c["corners"]) == 4 for c in answer.get("codes", [])))


def main():
    tmp = tempfile.mkdtemp(prefix="aggctl-decode-")
    try:
        run(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(tmp):
    truths = generate(tmp, "clean-24", "damaged-empty-24", "duplicate-12")
    clean = os.path.join(tmp, "clean-24.png")
    damaged = os.path.join(tmp, "damaged-empty-24.png")
    duplicate = os.path.join(tmp, "duplicate-12.png")

    r, answers = decode("--json", "--expect", "24", "--layout", "4x6", clean)
    aggtest.check("all 24 read: exit 0", r.returncode == 0, r.stdout + r.stderr)
    aggtest.check("one JSON line per image", len(answers) == 1, r.stdout)
    check_against_truth("clean-24", answers[0], truths["clean-24"])
    aggtest.check("the image is named", answers[0].get("image") == clean, answers[0])

    if shutil.which("dmtxread"):
        theirs = sorted(dmtxread(clean, 24))
        ours = sorted(c["data"] for c in answers[0].get("codes", []))
        aggtest.check("dmtxread reads the same 24 codes", theirs == ours,
                      "dmtxread %s\naggctl %s" % (theirs, ours))
    else:
        aggtest.skip("dmtxread reads the same 24 codes", "dmtxread is not installed")

    r, answers = decode("--json", "--expect", "24", "--layout", "4x6", damaged)
    aggtest.check("a damaged code and an empty slot: exit 1", r.returncode == 1,
                  r.stdout + r.stderr)
    check_against_truth("damaged-empty-24", answers[0], truths["damaged-empty-24"])

    r, answers = decode("--json", "--expect", "12", "--layout", "3x4", duplicate)
    dups = [c["slot"] for c in answers[0].get("codes", []) if c["duplicate"]]
    aggtest.check("a code repeated is flagged once, in its later slot", dups == [5], dups)
    aggtest.check("a duplicate does not count towards --expect", r.returncode == 1,
                  r.stdout + r.stderr)

    r = aggtest.aggctl("decode", *DEADLINE, "--layout", "4x6", clean, damaged, timeout=300)
    aggtest.check("text: two images, one line each with the count",
                  "24 codes in" in r.stdout and "22 codes in" in r.stdout, r.stdout)
    aggtest.check("text: the GS shown as <GS>", "<GS>17" in r.stdout, r.stdout)
    aggtest.check("text: the empty slots", "Empty slots: 7 16" in r.stdout, r.stdout)
    aggtest.check("no --expect: exit 0", r.returncode == 0, r.stderr)

    # Hostile input: a clear message for each, the others still decoded.
    truncated = os.path.join(tmp, "truncated.png")
    with open(clean, "rb") as f, open(truncated, "wb") as out:
        out.write(f.read()[:5000])
    text = os.path.join(tmp, "notes.png")
    with open(text, "w") as out:
        out.write("not an image\n")
    missing = os.path.join(tmp, "missing.png")
    r = aggtest.aggctl("decode", *DEADLINE, truncated, text, missing, clean, timeout=300)
    aggtest.check("hostile files: exit 1, not a crash", r.returncode == 1, r.returncode)
    for path in (truncated, text, missing):
        aggtest.check("hostile files: %s named in an error" % os.path.basename(path),
                      path in r.stderr, r.stderr)
    aggtest.check("hostile files: the good image after them is read", "24 codes in" in r.stdout,
                  r.stdout)

    for args, what in ((["--layout", "4by6", clean], "a bad layout"),
                       (["--deadline", "0", clean], "a zero deadline"),
                       (["--expect", "many", clean], "a bad count"),
                       (["--json"], "no image"),
                       (["--frobnicate", clean], "an unknown option")):
        r = aggtest.aggctl("decode", *args)
        aggtest.check("usage: %s exits 2 with a message" % what,
                      r.returncode == 2 and r.stderr.startswith("aggctl: "), r.stderr)


if __name__ == "__main__":
    aggtest.run(main)
