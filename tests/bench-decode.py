# bench-decode.py: aggctl decode against dmtxread on the same images
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Each standard image is written by gen-decode-images; then read by
# "aggctl decode" (the supervised helper: process start, PNG reading and
# decoding, as the command runs) and by Debian's dmtxread told how many
# codes to find.  Printed: codes read correctly and wall time per image
# for both, aggctl's own decoding time, and the totals.

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

GS = "\x1d"
IMAGES = ["clean-24", "rotated-12", "dense-48", "blur-noise-24", "low-contrast-24",
          "perspective-24", "damaged-empty-24", "duplicate-12"]
RUNS = 5


def wall(args, timeout):
    start = time.monotonic()
    r = subprocess.run(args, capture_output=True, timeout=timeout)
    return r, (time.monotonic() - start) * 1000


def main():
    if shutil.which("dmtxread") is None:
        print("dmtxread is not installed (Debian package dmtx-utils): nothing to compare with")
        return 77
    tmp = tempfile.mkdtemp(prefix="bench-decode-")
    try:
        return run(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(tmp):
    subprocess.run([os.environ["GEN_DECODE_IMAGES"], tmp, *IMAGES], check=True,
                   capture_output=True)
    aggctl = os.environ["AGGCTL"]
    totals = {"want": 0, "ours": 0, "theirs": 0, "ours_ms": 0.0, "theirs_ms": 0.0}
    print("%-18s %5s | %6s %9s %9s | %6s %9s | %s" % (
        "image", "codes", "aggctl", "wall ms", "decode ms", "dmtxrd", "wall ms", "speed-up"))
    for name in IMAGES:
        path = os.path.join(tmp, name + ".png")
        with open(os.path.join(tmp, name + ".json")) as f:
            truth = json.load(f)
        want = {c["data"] for c in truth["codes"] if c["readable"]}
        n = len([c for c in truth["codes"] if c["readable"]])

        walls, decodes, ours = [], [], set()
        for _ in range(RUNS):
            r, ms = wall([aggctl, "decode", "--json", "--expect", str(n), "--layout",
                          "%dx%d" % (truth["rows"], truth["cols"]), path], 60)
            answer = json.loads(r.stdout.splitlines()[0])
            walls.append(ms)
            decodes.append(answer.get("elapsed_ms", 0))
            ours = {c["data"] for c in answer.get("codes", [])} & want

        # dmtxread takes seconds on some images: one run each.
        r, theirs_ms = wall(["dmtxread", "-n", "-N%d" % n, "-G29", path], 600)
        theirs = set()
        # Not splitlines (): GS is a line boundary to Python.
        for line in r.stdout.decode("latin-1").split("\n"):
            if line:
                theirs.add("]d2" + line[1:] if line.startswith(GS) else line)
        theirs &= want

        ours_ms = statistics.median(walls)
        print("%-18s %5d | %6d %9.1f %9.1f | %6d %9.1f | %6.1f×" % (
            name, len(want), len(ours), ours_ms, statistics.median(decodes), len(theirs),
            theirs_ms, theirs_ms / ours_ms))
        totals["want"] += len(want)
        totals["ours"] += len(ours)
        totals["theirs"] += len(theirs)
        totals["ours_ms"] += ours_ms
        totals["theirs_ms"] += theirs_ms
        if name == "clean-24":
            print("  24 codes in 2448 × 2048: decoding %.1f ms median, %.1f ms best of %d" % (
                statistics.median(decodes), min(decodes), RUNS))

    k = len(IMAGES)
    print("read rate: aggctl %d/%d (%.1f %%), dmtxread %d/%d (%.1f %%)" % (
        totals["ours"], totals["want"], 100.0 * totals["ours"] / totals["want"],
        totals["theirs"], totals["want"], 100.0 * totals["theirs"] / totals["want"]))
    print("time per image: aggctl %.1f ms, dmtxread %.1f ms: %.1f× faster" % (
        totals["ours_ms"] / k, totals["theirs_ms"] / k, totals["theirs_ms"] / totals["ours_ms"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
