#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The lfvpci command as a user meets it: help, version, exit codes, error
messages naming the file, line and reason, inputs that must not hang, files
holding several devices, sysfs-style directories, and the JSON output
checked against the schema of tools/README.md.
Usage: cli.py LFVPCI DIR   (DIR: the shared lspci dumps)
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

fails = 0


def check(cond, what):
    global fails
    print(("ok   " if cond else "FAIL ") + what)
    fails += not cond


def run(*args, timeout=30):
    try:
        return subprocess.run([TOOL, *args], text=True, capture_output=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, -999, "", "TIMEOUT")


def expect(args, rc, out=None, err=None, what=None):
    r = run(*args)
    ok = r.returncode == rc
    if out is not None:
        ok &= re.search(out, r.stdout, re.M) is not None
    if err is not None:
        ok &= re.search(err, r.stderr, re.M) is not None
    check(ok, (what or " ".join(args)) +
          ("" if ok else f": rc {r.returncode}, stdout {r.stdout[:300]!r}, "
           f"stderr {r.stderr[:300]!r}"))
    return r


# ---- the JSON schema of tools/README.md ----

SBDF = re.compile(r"[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$")
HEX = {"vendor": 4, "device": 4, "class": 6, "revision": 2}


def schema_errors(doc, command, view):
    errs = []

    def need(c, msg):
        if not c:
            errs.append(msg)

    need(list(doc) == ["lfvpci", "command", "view", "devices"],
         f"top-level keys {list(doc)}")
    need(doc.get("command") == command, "command")
    need(doc.get("view") == view, "view")
    for d in doc.get("devices", []):
        keys = ["source", "line", "sbdf", "host_sbdf", "vendor", "device",
                "class", "revision", "header_type", "bars", "rom_size",
                "capabilities", "extended_capabilities"]
        extra = [k for k in d if k not in keys]
        need(list(d)[:len(keys)] == keys, f"device keys {list(d)}")
        need(set(extra) <= {"guest", "config"}, f"unknown keys {extra}")
        need("config" in d if command == "dump" else "config" not in d,
             "config only in dump")
        need(view == "hardware-domain" or "guest" not in d,
             "guest key in the guest view")
        need(isinstance(d["source"], str) and isinstance(d["line"], int),
             "source/line")
        need(SBDF.match(d["sbdf"]) and SBDF.match(d["host_sbdf"]), "sbdf")
        for k, n in HEX.items():
            need(re.fullmatch(f"[0-9a-f]{{{n}}}", d[k]) is not None, k)
        need(d["header_type"] in (0, 1, 2), "header_type")
        for b in d["bars"]:
            need(list(b) == ["index", "kind", "prefetchable", "size"],
                 f"bar keys {list(b)}")
            need(b["index"] in range(6) and
                 b["kind"] in ("io", "mem32", "mem64") and
                 isinstance(b["prefetchable"], bool) and
                 isinstance(b["size"], int) and b["size"] > 0 and
                 b["size"] & (b["size"] - 1) == 0, f"bar {b}")
        need(isinstance(d["rom_size"], int), "rom_size")
        guest_caps = view == "hardware-domain" and "sbdf" in \
            d.get("guest", {})
        for c in d["capabilities"] + d["extended_capabilities"]:
            std = c in d["capabilities"]
            want = ["offset", "id", "name"] + (["bytes"] if std else []) + \
                (["guest"] if guest_caps else [])
            need(list(c) == want, f"capability keys {list(c)}")
            if std:
                need(re.fullmatch(r"([0-9a-f]{2}){4,64}", c["bytes"])
                     is not None and int(c["bytes"][:2], 16) == c["id"],
                     f"capability bytes {c}")
            need(isinstance(c["offset"], int) and isinstance(c["id"], int)
                 and isinstance(c["name"], str), f"capability {c}")
        if view == "guest":
            # the default capability policy (<lfvpci/caps.h>)
            need(all(c["id"] in (1, 5, 9, 0x10, 0x11)
                     for c in d["capabilities"]),
                 "a guest sees PM, MSI, MSI-X, PCIe and vendor ones only")
            need(all(c["id"] in (3, 0x0b)
                     for c in d["extended_capabilities"]),
                 "guest: extended DSN and vendor-specific ones only")
        if "guest" in d:
            g = d["guest"]
            need(list(g) in (["sbdf"], ["error"]), f"guest {g}")
        if "config" in d:
            need(re.fullmatch(r"([0-9a-f]{2})+", d["config"]) is not None
                 and len(d["config"]) // 2 in (256, 4096), "config")
    return errs


def is_endpoint(path):
    """A type 0 header, not a host bridge: what a guest may own."""
    for line in open(path):
        if line.startswith("00: "):
            b = bytes.fromhex(line[4:].replace(" ", "").strip())
            return not (b[0x0e] & 0x7f) and b[0x0a:0x0c] != b"\x00\x06"
    return False


def check_json(args, command, view):
    r = run(*args)
    try:
        doc = json.loads(r.stdout)
    except ValueError as e:
        check(False, f"{' '.join(args)}: not JSON: {e}")
        return None
    tool = subprocess.run([sys.executable, "-m", "json.tool"],
                          input=r.stdout, text=True, capture_output=True)
    errs = schema_errors(doc, command, view)
    files = [a for a in args if not a.startswith("--")]
    label = " ".join(a for a in args if a.startswith("--"))
    check(r.returncode == 0 and tool.returncode == 0 and not errs,
          f"{args[0]} {label} ({len(files) - 1} files): JSON per the "
          f"schema {errs[:3]}")
    return doc


def main():
    global TOOL
    TOOL, data = sys.argv[1], sys.argv[2]
    dumps = sorted(os.path.join(data, f) for f in os.listdir(data)
                   if f.endswith(".txt"))
    nic = os.path.join(data, "nic-realtek-rtl8125.txt")
    audio = os.path.join(data, "gpu-nvidia-rtx3090-hdmi-audio.txt")
    pf = os.path.join(data, "nic-intel-82576-sriov.txt")  # VFs enabled
    bridge = os.path.join(data, "rootport-intel-alderlake-pcie-x4.txt")
    endpoints = [d for d in dumps if is_endpoint(d)]

    # help, version, usage errors
    expect(["--help"], 0, out=r"^usage: lfvpci .*COMMAND", what="--help")
    expect(["--version"], 0, out=r"^lfvpci \d+\.\d+\.\d+$", what="--version")
    expect(["probe", "--help"], 0, out=r"^usage: lfvpci probe",
           what="probe --help")
    expect(["dump", "--help"], 0, out=r"^usage: lfvpci dump",
           what="dump --help")
    expect(["info"], 0, out=r"^lfvpci .* RCU backend", what="info")
    expect([], 2, err=r"^usage:", what="no arguments: exit 2")
    expect(["frob"], 2, err=r"unknown command 'frob'")
    expect(["probe", "--frob", nic], 2, err=r"unknown option '--frob'")
    expect(["probe"], 2, err=r"no SOURCE given")
    expect(["--frob"], 2, err=r"unknown option '--frob'")
    # options after the sources (lfvpci probe /sys/bus/pci/devices/* --json)
    r = expect(["probe", nic, "--json"], 0, out=r'^  "command": "probe",$',
               what="an option after the SOURCE applies")
    expect(["probe", nic, "--frob"], 2, err=r"unknown option '--frob'",
           what="an unknown option after the SOURCE is a usage error")
    expect(["probe", "--json", "--", "--guest"], 1,
           err=r"^lfvpci: --guest: No such file",
           what="after --, an argument is a SOURCE")

    with tempfile.TemporaryDirectory() as tmp:
        # files that are not lspci text
        missing = os.path.join(tmp, "missing.txt")
        expect(["probe", missing], 1,
               err=f"^lfvpci: {re.escape(missing)}: No such file")
        empty = os.path.join(tmp, "empty")
        os.mkdir(empty)
        expect(["probe", empty], 1, err=re.escape(empty) +
               r"/config: missing: a sysfs-style device directory",
               what="a directory without config says what it lacks")
        expect(["probe", "/dev/null"], 1,
               err=r"/dev/null: is a character device, not an lspci text",
               what="a device node is refused")
        fifo = os.path.join(tmp, "fifo")
        os.mkfifo(fifo)
        expect(["probe", fifo], 1, err=r"is a FIFO, not an lspci text file",
               what="a FIFO is refused without hanging")
        # a plain lspci -x dump: no sizes
        plain = os.path.join(tmp, "plain.txt")
        with open(plain, "w") as f:
            for line in open(nic):
                if not line.startswith(("\t", " ", "#")):
                    f.write(line)
        expect(["probe", plain], 1,
               err=re.escape(plain) + r":1: no Region lines: run lspci -vv",
               what="plain lspci -x refused, no sizes invented")
        # a broken line in the second device of a file names its line
        two = os.path.join(tmp, "two.txt")
        a, b = open(nic).read(), open(endpoints[0]).read()
        blines = b.splitlines()
        bad_at = next(i for i, l in enumerate(blines)
                      if l.startswith("10: "))
        blines[bad_at] = "10: zz"
        with open(two, "w") as f:
            f.write(a + "\n" + "\n".join(blines) + "\n")
        line = len((a + "\n").splitlines()) + bad_at + 1
        expect(["probe", two], 1, err=f"{re.escape(two)}:{line}: "
               r"malformed hex dump line", out=r"^$",
               what="an error in the second device: its line, no output")
        # several devices in one file: all of them
        with open(two, "w") as f:
            f.write(a + "\n" + b)
        r = expect(["probe", two], 0, what="a file with two devices")
        check(len(re.findall(r"^\S+ [0-9a-f]{4}:[0-9a-f]{4} class",
                             r.stdout, re.M)) == 2, "both are probed")
        r = expect(["dump", "--guest", "--as-function0", two], 0)
        out = os.path.join(tmp, "out.txt")
        with open(out, "w") as f:
            f.write(r.stdout)
        ls = subprocess.run(["lspci", "-F", out, "-n"], text=True,
                            capture_output=True)
        check(ls.stdout.count("\n") == 2 and "00:01.0" in ls.stdout,
              f"lspci -F decodes both guest devices: {ls.stdout!r}")
        # the same dump twice: the second moves, and says so
        r = expect(["probe", nic, nic], 0,
                   err=r"0000:06:00\.0 is taken by another device: placed "
                   r"at 0001:00:00\.0", what="a taken address is said")
        # ... and its BARs decode where the first's do: its MSI-X table
        # would lie under them, so the copy's decoding goes off, said
        check(re.search(r"0001:00:00\.0: its memory BARs decode where "
                        r"another loaded device's do.*decoding turned off",
                        r.stderr) is not None and
              len(re.findall(r"^0001:00:00\.0 ", r.stdout, re.M)) == 1,
              "the copy over the first's BARs is probed, its decoding off")
        # functions other than 0 and guests
        expect(["dump", "--guest", audio], 1,
               err=r":3: 0000:0a:00\.1 cannot go to a guest: function 1.*"
               r"--as-function0", out=r"^$")
        expect(["probe", audio], 0, out=r"guest: cannot have it: function 1",
               what="probe shows why a guest cannot have function 1")
        # a bridge: never, whatever the options
        expect(["dump", "--guest", "--as-function0", "--vfs-off", bridge], 1,
               err=r":3: 0000:00:06\.0 cannot go to a guest: not an "
               r"endpoint: a bridge's COMMAND and control registers gate "
               r"the devices behind it", out=r"^$")
        expect(["probe", bridge], 0,
               out=r"guest: cannot have it: not an endpoint",
               what="probe shows why a guest cannot have a bridge")
        # an SR-IOV PF whose VFs are enabled, and --vfs-off
        expect(["dump", "--guest", pf], 1,
               err=r":3: 0000:01:00\.0 cannot go to a guest: an SR-IOV "
               r"physical function with its VFs enabled \(VF Enable in "
               r"SR-IOV control at 0x168\).*--vfs-off", out=r"^$")
        expect(["probe", pf], 0, out=r"guest: cannot have it: an SR-IOV",
               what="probe shows why a guest cannot have the PF")
        expect(["dump", "--guest", "--vfs-off", pf], 0,
               out=r"^0000:00:00\.0 Guest view of 0000:01:00\.0 ",
               err=r"^lfvpci: \S+:3: 0000:01:00\.0 has its VFs disabled "
               r"\(--vfs-off",
               what="--vfs-off gives the PF to the guest, and says so")
        expect(["probe", "--vfs-off", pf], 0, out=r"guest: as 0000:00:00\.0",
               what="probe --vfs-off: the guest has the PF")
        expect(["probe", "--vfs-off", nic], 0, err=r"^$",
               what="--vfs-off on a device without SR-IOV says nothing")
        # a sysfs-style directory, as Linux would show the device
        sysdir = os.path.join(tmp, "0000:06:00.0")
        os.mkdir(sysdir)
        cfg = bytes.fromhex("".join(
            l.split(":", 1)[1] for l in open(nic)
            if re.match(r"^[0-9a-f]{2,3}: ", l)))
        with open(os.path.join(sysdir, "config"), "wb") as f:
            f.write(cfg)
        res = ["0x000000000000d000 0x000000000000d0ff 0x0000000000040101",
               "0x0000000000000000 0x0000000000000000 0x0000000000000000",
               "0x00000000fc600000 0x00000000fc60ffff 0x0000000000140204",
               "0x0000000000000000 0x0000000000000000 0x0000000000000000",
               "0x00000000fc610000 0x00000000fc613fff 0x0000000000140204",
               "0x0000000000000000 0x0000000000000000 0x0000000000000000",
               "0x0000000000000000 0x0000000000000000 0x0000000000000000"]
        with open(os.path.join(sysdir, "resource"), "w") as f:
            f.write("\n".join(res) + "\n")
        r1, r2 = run("probe", "--json", sysdir), run("probe", "--json", nic)
        d1, d2 = json.loads(r1.stdout or "{}"), json.loads(r2.stdout or "{}")
        strip = lambda d: {k: v for k, v in d["devices"][0].items()
                           if k not in ("source", "line")}
        check(r1.returncode == 0 and strip(d1) == strip(d2),
              "the sysfs directory probes as its lspci dump")
        # the directory's address when its name is "." or a link's
        r = subprocess.run([os.path.abspath(TOOL), "probe", "."], cwd=sysdir,
                           text=True, capture_output=True)
        check(r.returncode == 0 and r.stdout.startswith("0000:06:00.0 ") and
              r.stderr == "", f"probe . in 0000:06:00.0: its address: "
              f"{r.stdout[:60]!r} {r.stderr!r}")
        link = os.path.join(tmp, "nic")
        os.symlink(sysdir, link)
        expect(["probe", link], 0, out=r"^0000:06:00\.0 ",
               what="a link to 0000:06:00.0: its address")
        # a directory named otherwise: placed, and said where
        other = os.path.join(tmp, "my nic")
        shutil.copytree(sysdir, other)
        expect(["probe", other], 0, out=r"^0001:00:00\.0 ",
               err=r"my nic: its name is not a PCI address .*placed at "
               r"0001:00:00\.0$", what="an unnamed directory: placed, said")
        res[2] = "0x00000000fc600000 0x00000000fc60ffff 0x0000000000040200"
        with open(os.path.join(sysdir, "resource"), "w") as f:
            f.write("\n".join(res) + "\n")
        expect(["probe", sysdir], 1, err=re.escape(sysdir) +
               r"/resource:3: BAR 2: flags say 32-bit but the BAR in config "
               r"is 64-bit", what="a contradicting resource line named")

        # shared dumps concatenated as they are (cat a b): a '#' comment
        # line right after a device's hex dump starts the next one
        cat = os.path.join(tmp, "cat.txt")
        with open(cat, "w") as f:
            f.write(open(nic).read() + open(audio).read())
        r = expect(["probe", cat], 0, what="cat of two shared dumps "
                   "(a comment right after the hex dump) loads")
        check(len(re.findall(r"^\S+ [0-9a-f]{4}:[0-9a-f]{4} class",
                             r.stdout, re.M)) == 2,
              "both devices of the concatenation are probed")
        # lspci -vv -x: 64 bytes, the capability pointer leads past them;
        # no capability is made up from bytes that were not dumped
        x64 = os.path.join(tmp, "x64.txt")
        with open(x64, "w") as f:
            for line in open(nic):
                m = re.match(r"^([0-9a-f]{2,3}): ", line)
                if not m or int(m.group(1), 16) < 64:
                    f.write(line)
        r = expect(["probe", x64], 0, err=r"x64\.txt:2: note: a 64-byte "
                   r"dump .* loaded without capabilities",
                   what="lspci -vv -x (64 bytes) loads, said on stderr")
        check("capabilities:" not in r.stdout and "unknown" not in r.stdout
              and "sees no capabilities" in r.stdout,
              f"a 64-byte dump lists no capability: {r.stdout!r}")
        # a sysfs-style config shorter than 256 bytes: no capability list
        # either, whatever its length, as the note on stderr says
        short = os.path.join(tmp, "0000:06:00.0-short")
        os.mkdir(short)
        with open(os.path.join(short, "config"), "wb") as f:
            f.write(cfg[:100])
        res[2] = "0x00000000fc600000 0x00000000fc60ffff 0x0000000000140204"
        with open(os.path.join(short, "resource"), "w") as f:
            f.write("\n".join(res) + "\n")
        r = expect(["probe", short], 0, err=r"loaded without capabilities",
                   what="a 100-byte config loads, said on stderr")
        check("capabilities:" not in r.stdout and "unknown" not in r.stdout,
              f"a 100-byte config lists no capability: {r.stdout!r}")
        # more copies of one device than there are places for it: the
        # refusal names the line of the device that found none
        dev = ("00:1f.0 Test\n\tRegion 0: Memory at f0000000 (32-bit, "
               "non-prefetchable) [size=4K]\n" +
               "00: 86 80 34 12 00 00 00 00 01 00 00 02 00 00 00 00\n"
               "10: 00 00 00 f0 00 00 00 00 00 00 00 00 00 00 00 00\n" +
               "20: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
               "30: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n\n")
        many = os.path.join(tmp, "many.txt")
        with open(many, "w") as f:
            f.write(dev * 258)
        expect(["probe", many], 1, out=r"^$", err=re.escape(many) +
               f":{257 * 7 + 1}: " r"0000:00:1f\.0 is taken by another "
               r"device$",
               what="the 258th copy of a device: refused at its line")
        # lspci -F output fed back: a 64-bit BAR above 4 GiB, whose high
        # half lspci -F prints as a Region of its own
        hi = os.path.join(tmp, "hi.txt")
        with open(hi, "w") as f:
            for line in open(nic):
                line = line.replace("Region 2: Memory at fc600000",
                                    "Region 2: Memory at 40fc600000")
                if line.startswith("10: "):
                    line = line[:40] + "40" + line[42:]
                f.write(line)
        r = expect(["dump", hi], 0, what="a BAR above 4 GiB")
        with open(out, "w") as f:
            f.write(r.stdout)
        ls = subprocess.run(["lspci", "-F", out, "-vv", "-xxxx"], text=True,
                            capture_output=True)
        with open(hi, "w") as f:
            f.write(ls.stdout)
        r = expect(["probe", hi], 0, out=r"^  BAR2: memory 64-bit "
                   r"non-prefetchable size 4K$",
                   what="its lspci -F -vv -xxxx output loads back "
                   f"({ls.stdout.count('Region 3: Memory at <unassigned>')}"
                   " high-half Region line)")
        # a capability list the guest sees nothing of is not said to be
        # marked
        vpd = os.path.join(tmp, "vpd-only.txt")
        with open(vpd, "w") as f:
            for line in open(nic):
                m = re.match(r"^([0-9a-f]{2,3}): ", line)
                if m and int(m.group(1), 16) >= 256:
                    continue
                if line.startswith("30: "):
                    b = line.split()
                    b[5] = "d0"  # the capability pointer: VPD only
                    line = " ".join(b) + "\n"
                f.write(line)
        r = expect(["probe", vpd], 0, out=r"capabilities: \[d0\] VPD$",
                   what="a device with only a VPD capability")
        check("marked *" not in r.stdout and "sees none of them" in r.stdout,
              f"the guest is said to see none of them: {r.stdout!r}")
        # a SOURCE whose name is not UTF-8: the JSON stays UTF-8
        latin1 = os.path.join(tmp.encode(), b"caf\xe9.txt")
        shutil.copy(nic, latin1)
        rb = subprocess.run([TOOL, "probe", "--json", latin1],
                            capture_output=True)
        try:
            doc = json.loads(rb.stdout.decode("utf-8"))
            ok = doc["devices"][0]["source"].endswith("caf\ufffd.txt")
        except (ValueError, KeyError, IndexError):
            ok = False
        check(rb.returncode == 0 and ok, "a non-UTF-8 file name: valid "
              f"UTF-8 JSON, U+FFFD for the byte: {rb.stdout[:160]!r}")

    # sizes lspci -F does not print: taken, and said to be (the real
    # sizes are not known)
    mlx = os.path.join(data, "nic-mellanox-connectx3-pro.txt")
    r = expect(["probe", mlx], 0, err=r":9: note: no \[size=\]: BAR 0 "
               r"assumed 0x80000 bytes .*not its real size$",
               what="a Region line without [size=]: the size taken is said")
    check(r.stderr.count("note: no [size=]") == 3 and
          ":11: note: no [size=]: expansion ROM assumed 0x1000" in r.stderr,
          f"each unsized line (BAR 0, BAR 2, ROM) once: {r.stderr!r}")
    r = expect(["probe", nic], 0, what="a dump with every size")
    check(r.stderr == "", f"no note when every size is stated: {r.stderr!r}")

    expect(["info", "--help"], 0, out=r"^usage: lfvpci info",
           what="info --help prints info's usage")
    # output that cannot be written: exit 1, said (tools/README.md)
    if os.path.exists("/dev/full"):
        for args in (["--help"], ["--version"], ["probe", nic],
                     ["dump", "--json", nic]):
            with open("/dev/full", "w") as full:
                r = subprocess.run([TOOL, *args], stdout=full, text=True,
                                   stderr=subprocess.PIPE)
            check(r.returncode == 1 and "lfvpci: stdout:" in r.stderr,
                  f"{' '.join(args[:2])} > /dev/full: exit 1, said: "
                  f"rc {r.returncode}, {r.stderr.strip()[:100]!r}")

    # JSON on every shared dump, both views, both commands
    check_json(["probe", "--json", *dumps], "probe", "hardware-domain")
    check_json(["probe", "--json", "--guest", "--as-function0", "--vfs-off",
                *endpoints],
               "probe", "guest")
    check_json(["dump", "--json", nic], "dump", "hardware-domain")
    doc = check_json(["dump", "--json", "--guest", nic], "dump", "guest")
    if doc:
        dev = doc["devices"][0]
        cfg = bytes.fromhex(dev["config"])
        check(cfg[0:4] == bytes.fromhex("ec102581"),
              "dump --json holds the bytes the guest reads")
        check(all(cfg[c["offset"]:c["offset"] + len(c["bytes"]) // 2]
                  == bytes.fromhex(c["bytes"]) for c in dev["capabilities"])
              and [len(c["bytes"]) // 2 for c in dev["capabilities"]] ==
              [8, 24, 0x3c, 12], "each capability's bytes are the guest's "
              "(PM: 8, MSI 64-bit maskable: 24, PCIe v2: 60, MSI-X: 12)")
    print(f"{fails} failures")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
