#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""lfvpci on this machine's own devices, /sys/bus/pci/devices (only read):
as the current user and, when that is root, again as nobody (who gets 64
bytes of each config).  Every device either loads (and a guest's view,
decoded by lspci -F, shows its vendor and device IDs) or is refused with
a message naming the file and the reason; nothing hangs or crashes.
Skipped (exit 77) on a machine without PCI devices in sysfs.
Usage: live_sysfs.py LFVPCI
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

fails = 0
MSG = re.compile(r"^lfvpci: /sys/\S+?(:\d+)?: \S.*$")


def check(cond, what):
    global fails
    print(("ok   " if cond else "FAIL ") + what)
    fails += not cond


def run(argv, user):
    if user:
        argv = ["setpriv", "--reuid=nobody", "--regid=nogroup",
                "--clear-groups"] + argv
    return subprocess.run(argv, text=True, capture_output=True, timeout=60)


def one_user(tool, devs, user):
    who = "nobody" if user else "the current user"
    r = run([tool, "probe"] + devs, user)
    msgs = [l for l in r.stderr.splitlines() if l]
    bad = [l for l in msgs if not MSG.match(l)]
    check(r.returncode in (0, 1) and not bad,
          f"probe of {len(devs)} devices as {who}: rc {r.returncode}, "
          f"messages name file and reason {bad[:2]}")
    for d in devs:
        vendor = open(os.path.join(d, "vendor")).read().strip()[2:]
        device = open(os.path.join(d, "device")).read().strip()[2:]
        fn = int(d[-1])
        r = run([tool, "dump", "--guest", "--as-function0", d], user)
        if r.returncode:
            check(all(MSG.match(l) for l in r.stderr.splitlines() if l),
                  f"{d} as {who}: refused with a reason: "
                  f"{r.stderr.strip()[:200]}")
            continue
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
            f.write(r.stdout)
            f.flush()
            ls = subprocess.run(["lspci", "-F", f.name, "-n"], text=True,
                                capture_output=True)
        check(f"{vendor}:{device}" in ls.stdout,
              f"{d} (function {fn}) as {who}: the guest sees "
              f"{vendor}:{device}")


def main():
    tool = os.path.abspath(sys.argv[1])
    devs = sorted(glob.glob("/sys/bus/pci/devices/*"))
    if not devs:
        print("no PCI devices in sysfs: skipped")
        return 77
    one_user(tool, devs, False)
    if os.geteuid() == 0 and shutil.which("setpriv"):
        # nobody must be able to run the binary: a world-readable copy
        with tempfile.TemporaryDirectory() as tmp:
            os.chmod(tmp, 0o755)
            copy = os.path.join(tmp, "lfvpci")
            shutil.copy(tool, copy)
            os.chmod(copy, 0o755)
            one_user(copy, devs, True)
    print(f"{fails} failures")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
