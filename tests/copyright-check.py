#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""debian/copyright agrees with every file's SPDX line.

For each file given (default: every file git tracks), the licence of the
last debian/copyright paragraph whose Files pattern matches it (DEP-5: the
last match wins; '*' matches '/' too) must be the DEP-5 name of the
file's SPDX-License-Identifier. Files without an SPDX line (those
tests/spdx-check.sh exempts) are not checked. Prints one line per
disagreement and exits 1, or says how many files agree.
"""
import fnmatch
import re
import subprocess
import sys

# SPDX identifier -> this debian/copyright's short name (DEP-5 names).
DEP5 = {
    "MIT": "Expat",
    "GPL-2.0": "GPL-2",
    "GPL-2.0-only": "GPL-2",
    "LGPL-2.1-or-later": "LGPL-2.1+",
    "GPL-2.0 WITH Linux-syscall-note": "GPL-2 with Linux-syscall-note exception",
}


def paragraphs(path):
    """(patterns, licence) of each Files paragraph, in order."""
    out = []
    for para in re.split(r"\n\s*\n", open(path, encoding="utf-8").read()):
        fields, key = {}, None
        for line in para.splitlines():
            if line.startswith((" ", "\t")) and key:
                fields[key] += " " + line.strip()
            elif ":" in line:
                key, value = line.split(":", 1)
                fields[key] = value.strip()
        if "Files" in fields:
            out.append((fields["Files"].split(), fields["License"].split("\n")[0].strip()))
    return out


def spdx(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            head = [next(f, "") for _ in range(3)]
    except OSError:
        return None
    for line in head:
        m = re.search(r"SPDX-License-Identifier: (.*)", line)
        if m:
            return re.sub(r"\s*(\*/|-->|').*$", "", m.group(1)).strip()
    return None


def main(argv):
    paras = paragraphs("debian/copyright")
    files = argv or subprocess.run(["git", "ls-files"], capture_output=True, text=True,
                                   check=True).stdout.split()
    bad = 0
    for f in files:
        ident = spdx(f)
        if ident is None:
            continue
        lic = None
        for patterns, licence in paras:
            if any(fnmatch.fnmatchcase(f, p) for p in patterns):
                lic = licence
        want = DEP5.get(ident)
        if want is None:
            print(f"{f}: SPDX {ident} has no DEP-5 name in tests/copyright-check.py")
            bad += 1
        elif lic != want:
            print(f"{f}: SPDX {ident}, but debian/copyright says {lic}")
            bad += 1
    if bad:
        return 1
    print(f"{len(files)} files: debian/copyright agrees with each SPDX line")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
