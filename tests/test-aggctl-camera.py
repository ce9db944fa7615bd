# test-aggctl-camera.py: aggctl camera — list, status and test shots
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The image of the file camera is made by dmtxwrite (dmtx-utils), an
# encoder independent of the station; Aravis' simulated camera stands in
# for a GigE camera.

import json
import os
import shutil
import subprocess
import tempfile

import aggtest

DATA = "CAMERA-TEST-0042"


def main():
    tmp = tempfile.mkdtemp(prefix="test-aggctl-camera-")
    try:
        run_checks(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_config(tmp, text):
    path = os.path.join(tmp, "station.conf")
    with open(path, "w") as f:
        f.write(text)
    return path


def run_checks(tmp):
    image = os.path.join(tmp, "layer.png")
    evidence = os.path.join(tmp, "evidence")
    if shutil.which("dmtxwrite") is None:
        aggtest.skip("a test shot of a file camera", "dmtxwrite (dmtx-utils) is not installed")
    else:
        subprocess.run(["dmtxwrite", "-d", "10", "-m", "60", "-o", image], input=DATA.encode(), check=True)

    config = write_config(tmp,
                          "[camera:desk]\ntype = file\npath = %s\nevidence_dir = %s\n"
                          "[camera:gige]\ntype = aravis\ndevice = Fake_1\ntrigger = button\n"
                          "evidence_dir = %s\n" % (image, evidence, evidence))
    db = os.path.join(tmp, "none.db")

    p = aggtest.aggctl("--db", db, "--config", config, "camera", "list", "--json")
    listed = json.loads(p.stdout) if p.returncode == 0 else []
    aggtest.check("camera list names every camera with its type and trigger",
                  [(c["name"], c["type"], c["trigger"]) for c in listed]
                  == [("desk", "file", "button"), ("gige", "aravis", "button")],
                  p.stdout + p.stderr)
    aggtest.check("camera list gives each camera's evidence folder",
                  all(c.get("evidence_dir") == evidence for c in listed), p.stdout)

    if os.path.exists(image):
        p = aggtest.aggctl("--db", db, "--config", config, "camera", "trigger", "desk", "--json")
        shot = aggtest.parse_answer(p.stdout)
        codes = [c.get("data") for c in shot.get("codes", [])]
        aggtest.check("camera trigger reads the code dmtxwrite wrote",
                      p.returncode == 0 and codes == [DATA], p.stdout + p.stderr)
        aggtest.check("the test shot is kept under the evidence folder",
                      str(shot.get("evidence", "")).startswith(evidence + os.sep)
                      and os.path.isfile(shot.get("evidence", "")), p.stdout)
        aggtest.check("a test shot creates no database",
                      not os.path.exists(db), os.listdir(tmp))

        p = aggtest.aggctl("--config", config, "camera", "trigger", "desk")
        aggtest.check("the text form shows the code and its decoding time",
                      p.returncode == 0 and DATA in p.stdout and " ms" in p.stdout,
                      p.stdout + p.stderr)

    p = aggtest.aggctl("--config", config, "camera", "status", "gige", "--json")
    status = aggtest.parse_answer(p.stdout)
    if p.returncode != 0 and "Fake" not in json.dumps(status):
        aggtest.skip("camera status of Aravis' simulated camera",
                     "Aravis' simulated camera does not open here: %s" % status.get("last_error"))
    else:
        aggtest.check("camera status connects Aravis' simulated camera",
                      p.returncode == 0 and status.get("connected") is True
                      and status.get("state") == "idle", p.stdout + p.stderr)

    p = aggtest.aggctl("--config", config, "camera", "status", "nowhere")
    aggtest.check("an unknown camera is refused with exit status 1",
                  p.returncode == 1 and "nowhere" in p.stderr, p.stderr)

    for args in (["camera"], ["camera", "zoom", "desk"], ["camera", "status"],
                 ["camera", "status", "desk", "gige"], ["camera", "list", "--fast"]):
        p = aggtest.aggctl("--config", config, *args)
        aggtest.check("usage error for aggctl %s" % " ".join(args), p.returncode == 2, p.stderr)

    bad = write_config(tmp, "[camera:desk]\ntype = file\npath = relative.png\n")
    p = aggtest.aggctl("--config", bad, "camera", "list")
    aggtest.check("a bad configuration names its file, line, group and key",
                  p.returncode == 1 and "station.conf:3: [camera:desk] path:" in p.stderr,
                  p.stderr)


if __name__ == "__main__":
    aggtest.run(main)
