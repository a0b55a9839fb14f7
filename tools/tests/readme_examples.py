#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""README.md's lfvpci examples, run and compared.

Every ```console block of README.md's section on the lfvpci command holds
"$ COMMAND" lines, each followed by the output it prints (stdout and
stderr, as a terminal shows them).  They run in order, in one scratch
directory laid out as the README assumes (build/bin/lfvpci, tests/ of the
source tree, the shared dumps at ../shared), and must print exactly that.
Usage: readme_examples.py README.md LFVPCI SHARED_DIR
"""
import os
import re
import subprocess
import sys
import tempfile


def examples(readme):
    text = open(readme).read()
    start = text.index("## The `lfvpci` command")
    end = text.find("\n## ", start + 1)
    section = text[start:end if end > 0 else len(text)]
    out = []
    for block in re.findall(r"```console\n(.*?)```", section, re.S):
        cmd = None
        for line in block.splitlines():
            if line.startswith("$ "):
                if cmd is not None:
                    out.append((cmd, "\n".join(want)))
                cmd, want = line[2:], []
            else:
                want.append(line)
        if cmd is not None:
            out.append((cmd, "\n".join(want)))
    return out


def main():
    readme, tool, shared = sys.argv[1:4]
    src = os.path.dirname(os.path.abspath(readme))
    todo = examples(readme)
    if not todo:
        print("no examples found")
        return 1
    fails = 0
    with tempfile.TemporaryDirectory() as tmp:
        repo = os.path.join(tmp, "repo")
        os.makedirs(os.path.join(repo, "build", "bin"))
        os.symlink(os.path.abspath(tool),
                   os.path.join(repo, "build", "bin", "lfvpci"))
        os.symlink(os.path.join(src, "tests"), os.path.join(repo, "tests"))
        os.symlink(os.path.abspath(shared), os.path.join(tmp, "shared"))
        for cmd, want in todo:
            r = subprocess.run(["bash", "-c", cmd], cwd=repo, text=True,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
            got = r.stdout.rstrip("\n")
            # lspci's own complaint on machines without kernel modules.
            got = "\n".join(l for l in got.splitlines()
                            if not l.startswith("lspci: Unable to load "
                                                "libkmod"))
            if got != want.rstrip("\n"):
                fails += 1
                print(f"FAIL $ {cmd}\n--- README says:\n{want}\n"
                      f"--- it prints:\n{got}\n---")
            else:
                print(f"ok   $ {cmd}")
    print(f"{len(todo)} examples, {fails} differ")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
