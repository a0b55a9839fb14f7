#!/usr/bin/env python3
"""Write the fuzz targets' seed corpora (fuzz/corpus/<target>/) from the
lspci dumps of ../shared/data/lspci: each dump trimmed to what the loader
reads (header, Region/ROM lines, capability headers with the MSI-X table
and PBA lines, the hex dump), as lspci text and as a sysfs-style input
(config bytes + resource lines), and as the caps target's chains (patches
of a configuration space).  The rangeset and access seeds are short
hand-made operation sequences, and so are caps' policies.  Usage: fuzz/make_seeds.py [LSPCI_DIR]"""
import os, re, struct, sys

root = os.path.dirname(os.path.abspath(__file__))
src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    root, '..', '..', 'shared', 'data', 'lspci')
if not os.path.isdir(src):
    src = '/work/shared/data/lspci'

KEEP = re.compile(r'^(\S.*|\s+Region \d.*|\s+Expansion ROM.*|\s+Capabilities: .*|'
                  r'\s+Vector table.*|\s+PBA:.*|[0-9a-f]{2,3}: .*)$')
SIZES = {'K': 1 << 10, 'M': 1 << 20, 'G': 1 << 30, '': 1}

def out(target, name, data):
    d = os.path.join(root, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)

for fn in sorted(os.listdir(src)):
    text = open(os.path.join(src, fn)).read()
    lines = [l for l in text.splitlines() if not l.startswith('#')]
    keep = [l for l in lines if KEEP.match(l)]
    name = fn.rsplit('.', 1)[0]
    out('lspci', name, ('\n'.join(keep) + '\n').encode())
    cfg = bytearray()
    for l in keep:
        m = re.match(r'^([0-9a-f]{2,3}): ((?:[0-9a-f]{2} ?){16})$', l)
        if m:
            cfg += bytes.fromhex(m.group(2))
    res = [(0, 0, 0)] * 7
    for l in keep:
        m = re.match(r'\s+Region (\d): (Memory|I/O ports) at ([0-9a-f]+) '
                     r'(\((\d+)-bit, (non-)?prefetchable\))?.*?(?:\[size=(\d+)([KMG]?)\])?$', l)
        if m:
            i, base = int(m.group(1)), int(m.group(3), 16)
            # no [size=]: 1 MiB holds every MSI-X table of the dumps
            size = int(m.group(7)) * SIZES[m.group(8)] if m.group(7) else 1 << 20
            if m.group(2) == 'Memory':
                fl = 0x200 | (0x100000 if m.group(5) == '64' else 0) | \
                     (0x2000 if not m.group(6) else 0)
            else:
                fl = 0x100
            res[i] = (base, base + size - 1, fl)
    rtext = ''.join('0x%016x 0x%016x 0x%016x\n' % r for r in res)
    out('sysfs', name, struct.pack('<H', len(cfg)) + bytes(cfg) + rtext.encode())
    # caps: the dump's chains as patches from 0x34 (see fuzz_caps.c), the
    # default policy, then writes of all-ones to each capability's dwords
    cfg = bytes(cfg) + bytes(4096 - len(cfg))
    pat = [(o, struct.unpack_from('<I', cfg, o)[0]) for o in range(0x34, 4096, 4)]
    pat = [(o, v) for o, v in pat if v]
    ops = b''.join(struct.pack('<HBI', o, 2, 0xffffffff)
                   for o in range(0x40, 0x100, 4))
    out('caps', name, bytes([0]) + struct.pack('<H', len(pat)) +
        b''.join(struct.pack('<HI', o, v) for o, v in pat) + ops)

# rangeset: base selector, then ops (see fuzz_rangeset.c)
out('rangeset', 'adds', bytes([0, 0, 10, 0, 5, 1, 0, 20, 0, 3, 1, 4, 8, 0, 4, 1]))
out('rangeset', 'edges', bytes([3, 0, 0xff, 3, 0, 1, 2, 0, 0, 0, 63, 1, 5, 0, 0]))
out('rangeset', 'merge', bytes([1, 128, 4, 0, 9, 1, 0, 30, 0, 2, 1, 9, 0, 138, 1,
                                 11, 3, 0, 50, 0, 1, 1, 7, 10, 2, 12]))
# access: op, domain, device, operands (see decode_op())
def acc(*ops):
    return bytes(b for op in ops for b in op)
ASSIGN = lambda k, to: (0, 0, 0, k, to)
CMD = lambda d, k, v: (7, d, k, v)
REST = lambda d, k, off: (9, d, k, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, off & 0xff, off >> 8, 1)
TBL = lambda d, k, e, w: (8, d, k, 2, w, 1, 2, 3, 4, 5, 6, 7, 8, 1, e, 0, 1)
BAR = lambda d, k, b, how: (6, d, k, b, how)
out('access', 'guest-msix', acc(ASSIGN(1, 1), CMD(1, 1, 2), TBL(1, 1, 1, 1),
                                REST(1, 1, 0xc00), ASSIGN(1, 2), REST(1, 1, 0xc00)))
out('access', 'hwdom-msix', acc(CMD(0, 0, 2), TBL(0, 0, 0, 1), REST(0, 0, 0x100),
                                ASSIGN(0, 1), REST(0, 0, 0x100)))
out('access', 'guest-bar-move', acc(ASSIGN(3, 1), BAR(1, 3, 1, 1), CMD(1, 3, 2),
                                    CMD(1, 3, 0), BAR(1, 3, 0, 0), CMD(1, 3, 2)))
out('access', 'hwdom-overlap', acc(BAR(0, 2, 2, 2) + (4, 1), CMD(0, 2, 2),
                                   ASSIGN(2, 2), CMD(2, 2, 2)))
out('access', 'move-around', acc(ASSIGN(4, 1), CMD(1, 4, 2), ASSIGN(4, 2),
                                 CMD(2, 4, 2), ASSIGN(4, 3), ASSIGN(4, 0),
                                 (1, 0, 0, 4), (1, 0, 0, 4)))
# deferred mapping: COMMAND bits 5-6 set the deferral limit, an op byte
# of 14 * m + op runs the domain's pending work with a budget of
# 1 + 7 * (m - 1) frames after the op
DCMD = lambda m, d, k, v: (14 * m + 7, d, k, v)
out('access', 'guest-deferred', acc(ASSIGN(1, 1), DCMD(1, 1, 1, 0x22),
                                    DCMD(3, 1, 1, 0x20), DCMD(17, 1, 1, 0x22),
                                    DCMD(17, 1, 1, 0x20), DCMD(2, 1, 1, 0xa2),
                                    DCMD(5, 1, 1, 0x22), ASSIGN(1, 2),
                                    DCMD(4, 2, 1, 0x42), DCMD(9, 2, 1, 0x40)))
out('access', 'hwdom-deferred', acc(DCMD(1, 0, 0, 0x22), DCMD(2, 0, 0, 0x22),
                                    DCMD(17, 0, 0, 0x20), ASSIGN(0, 1),
                                    DCMD(6, 1, 0, 0x42), (1, 0, 0, 0)))

# caps: flags (bit 0 pm_dstate_to_hw, bits 1-3 rules), rules, patches, writes
# (size code 0, 1, 2: 1, 2, 4 bytes)
def caps(flags, rules, patches, ops):
    return (bytes([flags]) + b''.join(rules) + struct.pack('<H', len(patches)) +
            b''.join(struct.pack('<HI', o, v) for o, v in patches) +
            b''.join(struct.pack('<HBI', o, sz, v) for o, sz, v in ops))
RULE = lambda id, ext, mode: struct.pack('<HB', id, ext | mode << 1)
# an emulated rule with one field; rw1c: the field declares the RW1C
# status bits fuzz_caps.c knows (its hw_rw1c_mask)
FIELD = lambda id, ext, off, size, wmask, hw=0, rw1c=False: struct.pack(
    '<HBHBII', id, ext | 3 << 1 | 8 | (16 if rw1c else 0), off, size, wmask, hw)
PM_PCIE = [(0x34, 0x40), (0x40, 0x00035001), (0x50, 0x00026010),
           (0x100, 0x14010001), (0x140, 0x00010003)]
out('caps', 'pm-d3-to-hw', caps(1, [], PM_PCIE, [(0x44, 0, 3), (0x44, 0, 0),
                                                   (0x58, 1, 0xff)]))
# PMCSR with No_Soft_Reset: the one device where PowerState reaches hw
out('caps', 'pm-d3-to-hw-nsr', caps(1, [], PM_PCIE + [(0x44, 0x00000008)],
                                    [(0x44, 0, 3), (0x44, 1, 0x0100),
                                     (0x44, 0, 0)]))
# hw_mask: Relaxed Ordering (PCIe Device Control 0x08, bit 4) routed to
# the hardware, set then cleared by the guest
out('caps', 'pcie-relaxed-ordering-to-hw',
    caps(2, [FIELD(0x10, 0, 0x08, 2, 0x0010, 0x0010)], PM_PCIE,
         [(0x58, 1, 0x0010), (0x58, 1, 0xffff), (0x58, 1, 0x0000),
          (0x58, 0, 0x10)]))
# the same as a dword over Device Status (RW1C errors set in hardware):
# declared in hw_rw1c_mask, the read-modify-write keeps them
out('caps', 'pcie-devctl-dword-rw1c',
    caps(2, [FIELD(0x10, 0, 0x08, 4, 0x000f0010, 0x00000010, rw1c=True)],
         PM_PCIE + [(0x58, 0x00090000)],
         [(0x58, 2, 0x000f0010), (0x5a, 1, 0xffff), (0x58, 2, 0)]))
# the same dword, its status bits not declared: the write covers Device
# Control's low byte only, so they stay set (caps.h)
out('caps', 'pcie-devctl-dword-undeclared',
    caps(2, [FIELD(0x10, 0, 0x08, 4, 0x000f0010, 0x00000010)],
         PM_PCIE + [(0x58, 0x00090000)],
         [(0x58, 2, 0x000f0010), (0x58, 2, 0)]))
# refused: Initiate FLR (Device Control bit 15) routed to the hardware
out('caps', 'pcie-flr-to-hw-refused',
    caps(2, [FIELD(0x10, 0, 0x08, 2, 0x8000, 0x8000)], PM_PCIE,
         [(0x58, 1, 0x8000), (0x59, 0, 0x80)]))
# refused: Fatal Error Reporting (Device Control bit 2) and ASPM (Link
# Control bits 1:0) routed to the hardware
out('caps', 'pcie-err-reporting-to-hw-refused',
    caps(2, [FIELD(0x10, 0, 0x08, 2, 0x0004, 0x0004)], PM_PCIE,
         [(0x58, 1, 0x0004), (0x58, 1, 0)]))
out('caps', 'pcie-aspm-to-hw-refused',
    caps(2, [FIELD(0x10, 0, 0x10, 2, 0x0003, 0x0003)], PM_PCIE,
         [(0x60, 1, 0x0003), (0x60, 1, 0)]))
# refused: 10-Bit Tag Requester Enable (Device Control 2 bit 12), which
# the completers on the path must support
out('caps', 'pcie-10bit-tag-to-hw-refused',
    caps(2, [FIELD(0x10, 0, 0x28, 2, 0x1000, 0x1000)], PM_PCIE,
         [(0x78, 1, 0x1000), (0x78, 1, 0)]))
# refused: LTR's Max Snoop/No-Snoop Latency (extended 0x18), which
# function 0 sets for the whole device
out('caps', 'ltr-to-hw-refused',
    caps(2, [FIELD(0x18, 1, 0x04, 4, 0x1fff1fff, 0x1fff1fff)],
         PM_PCIE[:4] + [(0x140, 0x15010003), (0x150, 0x00010018)],
         [(0x154, 2, 0x10011001), (0x156, 1, 0x1fff)]))
# refused: any byte of ACS (extended 0x0d), here its control register
out('caps', 'acs-to-hw-refused',
    caps(2, [FIELD(0x0d, 1, 0x04, 4, 0x001f0000, 0x001f0000)],
         PM_PCIE[:4] + [(0x140, 0x15010003), (0x150, 0x0001000d),
                        (0x154, 0x0000001f)],
         [(0x154, 2, 0x001f0000), (0x156, 1, 0x001f)]))
out('caps', 'aer-readonly-field', caps(4, [RULE(1, 1, 2), FIELD(9, 0, 4, 4, 0xff)],
                                       PM_PCIE + [(0x60, 0x00200009)],
                                       [(0x104, 2, 0xffffffff), (0x64, 2, 0x12345678)]))
out('caps', 'loops', caps(0, [], [(0x34, 0x40), (0x40, 0x00034001), (0x100, 0x10010003)],
                          [(0x40, 2, 0xffffffff)]))
# an SR-IOV PF with VF Enable set: never assigned to a guest (-EBUSY)
out('caps', 'sriov-vfs-enabled',
    caps(0, [], PM_PCIE[:3] + [(0x100, 0x00010010), (0x108, 0x00000001)],
         [(0x58, 1, 0x0010)]))
