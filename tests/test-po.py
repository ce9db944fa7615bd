#!/usr/bin/env python3
# test-po.py: the translations build from a clean tree.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   test-po.py xgettext SRCDIR   po/POTFILES.in is sorted, names only files
#                                that exist, names every file with
#                                translatable strings, and xgettext reads
#                                all of them (its warnings are shown, not
#                                failed on)
#   test-po.py msgfmt SRCDIR     every po/*.po passes msgfmt --check, and
#                                po/LINGUAS names exactly those languages
#
# Prints TAP.

import os
import re
import subprocess
import sys
import tempfile

import aggtest
from aggtest import check

# The keywords and flags of meson's "glib" gettext preset, which
# po/meson.build uses to make the template.
XGETTEXT_ARGS = [
    "--from-code=UTF-8",
    "--add-comments",
    "--keyword=_",
    "--keyword=N_",
    "--keyword=C_:1c,2",
    "--keyword=NC_:1c,2",
    "--keyword=g_dcgettext:2",
    "--keyword=g_dngettext:2,3",
    "--keyword=g_dpgettext2:2c,3",
    "--flag=N_:1:pass-c-format",
    "--flag=C_:2:pass-c-format",
    "--flag=NC_:2:pass-c-format",
    "--flag=g_dngettext:2:pass-c-format",
    "--flag=g_strdup_printf:1:c-format",
    "--flag=g_string_printf:2:c-format",
    "--flag=g_string_append_printf:2:c-format",
    "--flag=g_error_new:3:c-format",
    "--flag=g_set_error:4:c-format",
    "--flag=g_markup_printf_escaped:1:c-format",
    "--flag=g_log:3:c-format",
    "--flag=g_print:1:c-format",
    "--flag=g_printerr:1:c-format",
    "--flag=g_printf:1:c-format",
    "--flag=g_fprintf:2:c-format",
    "--flag=g_sprintf:2:c-format",
    "--flag=g_snprintf:3:c-format",
]

# What marks a file as one for translators.
C_MARK = re.compile(r"(?<![\w])(?:_|N_|C_|NC_|ngettext|g_dngettext|g_dpgettext2)\s*\(")
UI_MARK = re.compile(r'translatable="yes"')
ALWAYS_TRANSLATED = (".desktop.in", ".metainfo.xml.in", ".gschema.xml")

def potfiles(srcdir):
    with open(os.path.join(srcdir, "po", "POTFILES.in"), encoding="utf-8") as f:
        return [line.strip() for line in f
                if line.strip() and not line.lstrip().startswith("#")]


def translatable_files(srcdir):
    """Every source file with strings for translators, tests and build
    directories left out."""
    found = []
    for root, dirs, files in os.walk(srcdir):
        rel = os.path.relpath(root, srcdir)
        if rel == ".":
            dirs[:] = [d for d in dirs
                       if not d.startswith((".", "build")) and d != "tests"]
        for name in files:
            path = os.path.join(root, name)
            if name.endswith(ALWAYS_TRANSLATED):
                found.append(path)
                continue
            if name.endswith(".c"):
                mark = C_MARK
            elif name.endswith(".ui"):
                mark = UI_MARK
            else:
                continue
            with open(path, encoding="utf-8", errors="replace") as f:
                if mark.search(f.read()):
                    found.append(path)
    return sorted(os.path.relpath(p, srcdir).replace(os.sep, "/") for p in found)


def test_xgettext(srcdir):
    listed = potfiles(srcdir)

    check("POTFILES.in is sorted", listed == sorted(listed),
          "\n".join("%s comes before %s" % (a, b)
                    for a, b in zip(listed, listed[1:]) if a > b))

    missing = [p for p in listed if not os.path.isfile(os.path.join(srcdir, p))]
    check("every file in POTFILES.in exists", not missing,
          "not found: " + " ".join(missing))

    unlisted = sorted(set(translatable_files(srcdir)) - set(listed))
    check("every file with translatable strings is in POTFILES.in", not unlisted,
          "add to po/POTFILES.in: " + " ".join(unlisted))

    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, "messages.pot")
        r = subprocess.run(["xgettext", *XGETTEXT_ARGS, "--directory", srcdir,
                            "--files-from", os.path.join(srcdir, "po", "POTFILES.in"),
                            "--output", pot],
                           capture_output=True, text=True, timeout=120)
        check("xgettext reads every file", r.returncode == 0, r.stderr)
        # Shown in the log, not failed on.
        if r.returncode == 0:
            for line in r.stderr.splitlines():
                print("# " + line)
        if r.returncode == 0:
            with open(pot, encoding="utf-8") as f:
                messages = f.read().count("\nmsgid ") - 1
            check("the template has messages", messages > 0, "%d messages" % messages)


def test_msgfmt(srcdir):
    podir = os.path.join(srcdir, "po")
    with open(os.path.join(podir, "LINGUAS"), encoding="utf-8") as f:
        linguas = sorted(word for line in f if not line.lstrip().startswith("#")
                         for word in line.split())
    catalogues = sorted(name[:-3] for name in os.listdir(podir) if name.endswith(".po"))

    check("LINGUAS names exactly the po files", linguas == catalogues,
          "LINGUAS: %s\npo files: %s" % (" ".join(linguas), " ".join(catalogues)))

    for lang in catalogues:
        r = subprocess.run(["msgfmt", "--check", "--output-file", os.devnull,
                            os.path.join(podir, lang + ".po")],
                           capture_output=True, text=True, timeout=60)
        check("msgfmt --check %s.po" % lang, r.returncode == 0, r.stderr)


def main():
    mode, srcdir = sys.argv[1], sys.argv[2]
    {"xgettext": test_xgettext, "msgfmt": test_msgfmt}[mode](srcdir)


if __name__ == "__main__":
    aggtest.run(main)
