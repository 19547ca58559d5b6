#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The ordering proof: which arm64 instructions each (operation, ordering)
pair runs, read from the disassembly of code built for arm64.

  check_orderings.py kernel PROBE.o UAPI_HEADER
  check_orderings.py page OUTLINE.o LSE.o

kernel: PROBE.o is tests/ordering/ordering_probe.c built against an arm64
kernel tree: kmod/ops.c itself plus one flattened function per pair. The
kernel emits every atomic twice, an LL/SC sequence and an LSE instruction,
and picks one at boot by patching its alternatives (ARM64_HAS_LSE_ATOMICS).
So the object is read as two images, as it runs on a CPU without LSE
(unpatched) and with it (every LSE alternative applied, as the kernel does:
replacement code copied in, alt_cb_patch_nops branches turned into NOPs),
and in each image only the instructions reachable from the pair's function
entry count. Each documented pair is checked against the uapi header's
table; ops.c's ac_ops[] must accept exactly the documented orderings.

page: the library's inline page path (userspace/include/atomic_counter.h),
tests/ordering/page_probe.c built twice by GCC for aarch64: with its default
-moutline-atomics (calls to libgcc's __aarch64_<op>8_<order> helpers) and
with -march=armv8.1-a (LSE instructions inline).

Prints a table per pair and exits 1 on any mismatch.
"""
import os
import re
import struct
import subprocess
import sys
import tempfile

OBJDUMP = os.environ.get("OBJDUMP", "aarch64-linux-gnu-objdump")
OBJCOPY = os.environ.get("OBJCOPY", "aarch64-linux-gnu-objcopy")

ORDERS = ["FULL", "RELAXED", "ACQUIRE", "RELEASE"]
LETTER = {"F": "FULL", "X": "RELAXED", "A": "ACQUIRE", "L": "RELEASE"}
# The LSE suffix and the LL/SC load/store-exclusive pair of each ordering.
LSE_SFX = {"FULL": "al", "RELAXED": "", "ACQUIRE": "a", "RELEASE": "l"}
LLSC = {"FULL": ("ldxr", "stlxr"), "RELAXED": ("ldxr", "stxr"),
        "ACQUIRE": ("ldaxr", "stxr"), "RELEASE": ("ldxr", "stlxr")}

VOID = {"ADD", "SUB", "INC", "DEC", "AND", "OR", "XOR", "ANDNOT"}
# The LSE instruction family each read-modify-write reaches.
FAMILY = {}
for _op in ("ADD SUB INC DEC ADD_RETURN SUB_RETURN INC_RETURN DEC_RETURN "
            "FETCH_ADD FETCH_SUB FETCH_INC FETCH_DEC SUB_AND_TEST "
            "DEC_AND_TEST INC_AND_TEST ADD_NEGATIVE").split():
    FAMILY[_op] = "add"
for _op in "AND ANDNOT FETCH_AND FETCH_ANDNOT".split():
    FAMILY[_op] = "clr"
for _op in "OR FETCH_OR".split():
    FAMILY[_op] = "set"
for _op in "XOR FETCH_XOR".split():
    FAMILY[_op] = "eor"
FAMILY["XCHG"] = "swp"
# Compare-and-swap loops: cmpxchg itself, the kernel's try_cmpxchg
# fallbacks (add_unless and friends) and ops.c's fetch_max/min loop.
for _op in ("CMPXCHG FETCH_MAX FETCH_MIN ADD_UNLESS FETCH_ADD_UNLESS "
            "INC_NOT_ZERO INC_UNLESS_NEGATIVE DEC_UNLESS_POSITIVE "
            "DEC_IF_POSITIVE").split():
    FAMILY[_op] = "cas"
# Loops where a full barrier besides the fully ordered compare-and-swap is
# allowed (it can only strengthen F): the ops whose implementation ops.c
# owns rather than one kernel primitive.
EXTRA_FULL_BARRIERS_OK = {"FETCH_MAX", "FETCH_MIN", "ADD_UNLESS", "FETCH_ADD_UNLESS",
                          "INC_NOT_ZERO", "INC_UNLESS_NEGATIVE",
                          "DEC_UNLESS_POSITIVE", "DEC_IF_POSITIVE"}

# ops.c's fetch_max/min (ac_fetch_bound()): the exit that stores nothing
# is a read, ordered as one: ACQUIRE's smp_acquire__after_ctrl_dep() is
# one dmb ishld, FULL's smp_mb() before a fresh read and after it are two
# dmb ish besides the fully ordered compare-and-swap's.
BOUND_OPS = {"FETCH_MAX", "FETCH_MIN"}

RE_LSE = re.compile(r"^(?:(ld|st)(add|clr|set|eor|smax|smin|umax|umin)|(swp)|(cas))(al|a|l)?$")
RE_LDX = re.compile(r"^ld(a?)xr$")
RE_STX = re.compile(r"^st(l?)xr$")
BRANCH_COND = re.compile(r"^(b\.\w+|cbz|cbnz|tbz|tbnz)$")


def lse_parts(mn):
    """(family, suffix) of an LSE atomic mnemonic, or None."""
    m = RE_LSE.match(mn)
    if not m:
        return None
    fam = m.group(2) or m.group(3) or m.group(4)
    return fam, m.group(5) or ""


def is_barrier(mn):
    return mn in ("dmb", "dsb")


# ---------------------------------------------------------------- ELF ---

class Elf:
    """Just enough of a little-endian ELF64 relocatable object."""

    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            self.data = f.read()
        d = self.data
        if d[:4] != b"\x7fELF" or d[4] != 2 or d[5] != 1:
            raise SystemExit(f"{path}: not a little-endian ELF64 object")
        shoff, = struct.unpack_from("<Q", d, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", d, 0x3a)
        self.sections = []
        for i in range(shnum):
            name, typ, flags, addr, off, size, link, info, align, entsize = \
                struct.unpack_from("<IIQQQQIIQQ", d, shoff + i * shentsize)
            self.sections.append(dict(name=name, type=typ, flags=flags, off=off,
                                      size=size, link=link, info=info, entsize=entsize))
        strtab = self.sections[shstrndx]
        for s in self.sections:
            s["name"] = self.cstr(strtab["off"] + s["name"])
        self.symbols = []
        for s in self.sections:
            if s["type"] == 2:  # SHT_SYMTAB
                names = self.sections[s["link"]]
                for j in range(s["size"] // 24):
                    nm, info, other, shndx, value, size = \
                        struct.unpack_from("<IBBHQQ", d, s["off"] + j * 24)
                    self.symbols.append(dict(name=self.cstr(names["off"] + nm),
                                             type=info & 0xf, shndx=shndx,
                                             value=value, size=size))

    def cstr(self, off):
        end = self.data.index(b"\0", off)
        return self.data[off:end].decode()

    def section(self, name):
        for i, s in enumerate(self.sections):
            if s["name"] == name:
                return i, s
        return None, None

    def contents(self, idx):
        s = self.sections[idx]
        return self.data[s["off"]:s["off"] + s["size"]]

    def symbol(self, name):
        found = [s for s in self.symbols if s["name"] == name]
        if len(found) != 1:
            raise SystemExit(f"{self.path}: {len(found)} symbols named {name}")
        return found[0]

    def symbol_bytes(self, name):
        s = self.symbol(name)
        return self.contents(s["shndx"])[s["value"]:s["value"] + s["size"]]

    def relocs(self, target_idx):
        """{offset: (symbol, addend)} of the RELA section for section target_idx."""
        out = {}
        for s in self.sections:
            if s["type"] == 4 and s["info"] == target_idx:  # SHT_RELA
                for j in range(s["size"] // 24):
                    off, info, addend = struct.unpack_from("<QQq", self.data, s["off"] + j * 24)
                    out[off] = (self.symbols[info >> 32], addend)
        return out


# ------------------------------------------------------- disassembly ---

class Code:
    """One executable section's instructions: addr -> (mnemonic, operands)."""

    def __init__(self, obj, section):
        out = subprocess.run([OBJDUMP, "-d", "-r", "--no-show-raw-insn", "-j", section, obj],
                             check=True, capture_output=True, text=True).stdout
        self.insns = {}
        self.calls = {}
        last = None
        for line in out.splitlines():
            m = re.match(r"^\s*([0-9a-f]+):\s+(R_AARCH64_\w+)\s+(\S+)", line)
            if m:
                if m.group(2) in ("R_AARCH64_CALL26", "R_AARCH64_JUMP26"):
                    self.calls[int(m.group(1), 16)] = m.group(3)
                continue
            m = re.match(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$", line)
            if not m:
                continue
            addr = int(m.group(1), 16)
            ops = re.sub(r"\s*//.*$", "", m.group(3)).strip()
            self.insns[addr] = (m.group(2), ops)
            last = addr
        self.end = last

    def target(self, ops):
        m = re.search(r"(?:^|,\s*)([0-9a-f]+) <", ops)
        return int(m.group(1), 16) if m else None

    def reach(self, entry):
        """Instructions reachable from entry, and the control-flow edges."""
        seen, todo, succ, problems = set(), [entry], {}, []
        while todo:
            a = todo.pop()
            if a in seen:
                continue
            if a not in self.insns:
                problems.append(f"control reaches {a:#x}, outside the code")
                continue
            seen.add(a)
            mn, ops = self.insns[a]
            nxt = []
            if mn in ("ret", "brk", "udf", "hlt"):
                pass
            elif mn == "b" and a not in self.calls:
                nxt = [self.target(ops)]
            elif mn == "b" or mn in ("br", "blr"):
                problems.append(f"{a:#x}: {mn} {ops}: a jump that cannot be followed"
                                + (f" (to {self.calls[a]})" if a in self.calls else ""))
            elif BRANCH_COND.match(mn):
                nxt = [self.target(ops), a + 4]
            else:
                nxt = [a + 4]
            if None in nxt:
                problems.append(f"{a:#x}: {mn} {ops}: no target")
                nxt = [x for x in nxt if x is not None]
            succ[a] = nxt
            todo.extend(nxt)
        return seen, succ, problems


def reaches_avoiding(succ, starts, goal, avoid):
    """Whether some path from starts gets to a node in goal without passing avoid."""
    seen, todo = set(), list(starts)
    while todo:
        a = todo.pop()
        if a in seen or a in avoid:
            continue
        seen.add(a)
        if a in goal:
            return True
        todo.extend(succ.get(a, []))
    return False


# ------------------------------------------------------------ kernel ---

def documented_orders(header):
    """{OPNAME: set of orderings} from the uapi header's table."""
    text = open(header).read()
    enum = dict((m.group(1), int(m.group(2))) for m in
                re.finditer(r"ATOMIC_COUNTER_OP_(\w+)\s*=\s*(\d+)", text))
    lines = [ln[3:] if ln.startswith(" * ") else ln[2:] for ln in text.splitlines()]
    hdr = next(i for i, ln in enumerate(lines) if re.match(r"^operation\s+orders\s+primitive", ln))
    c_ord, c_prim = lines[hdr].index("orders"), lines[hdr].index("primitive")
    table, prev = {}, None
    for ln in lines[hdr + 2:]:
        if ln.startswith("===="):
            break
        names, orders = ln[:c_ord].split(), ln[c_ord:c_prim].split()
        if not names:
            continue
        if orders:
            prev = {LETTER[o] for o in orders}
        for n in names:
            if n not in enum:
                raise SystemExit(f"{header}: table names {n}, not an opcode")
            table[n] = prev
    missing = set(enum) - set(table)
    if missing:
        raise SystemExit(f"{header}: table misses {sorted(missing)}")
    return table, enum


def lse_image(elf, obj, lse_cap, workdir):
    """A copy of obj with every ARM64_HAS_LSE_ATOMICS alternative applied."""
    alt_idx, alt = elf.section(".altinstructions")
    patched, applied = {}, 0
    if alt is None:
        raise SystemExit(f"{obj}: no .altinstructions: not a kernel object with LSE atomics?")
    raw, rel = elf.contents(alt_idx), elf.relocs(alt_idx)
    for e in range(0, len(raw), 12):
        feature, olen, alen = struct.unpack_from("<HBB", raw, e + 8)
        if feature & 0x7fff != lse_cap:
            continue
        osym, oadd = rel[e]
        tsym, tadd = rel[e + 4]
        sec = osym["shndx"]
        orig = osym["value"] + oadd
        buf = patched.setdefault(sec, bytearray(elf.contents(sec)))
        if feature & 0x8000:  # ARM64_CB_BIT: a callback patches it
            if tsym["name"] != "alt_cb_patch_nops":
                raise SystemExit(f"LSE alternative with callback {tsym['name']}: unknown")
            buf[orig:orig + olen] = b"\x1f\x20\x03\xd5" * (olen // 4)
        else:
            src = tsym["value"] + tadd
            if tsym["shndx"] != sec or olen != alen:
                raise SystemExit("LSE alternative in another section or of another length")
            buf[orig:orig + olen] = elf.contents(sec)[src:src + alen]
        applied += 1
    out = os.path.join(workdir, "lse.o")
    args = [OBJCOPY]
    for sec, buf in patched.items():
        path = os.path.join(workdir, f"sec{sec}.bin")
        with open(path, "wb") as f:
            f.write(buf)
        args += ["--update-section", f"{elf.sections[sec]['name']}={path}"]
    subprocess.run(args + [obj, out], check=True)
    return out, applied


class Facts:
    """What one pair's reachable code holds, in one image."""

    def __init__(self, code, entry):
        self.reach, self.succ, self.problems = code.reach(entry)
        self.insns = [(a,) + code.insns[a] for a in sorted(self.reach)]
        self.lse = [(a, mn) for a, mn, _ in self.insns if lse_parts(mn)]
        self.ldx = [(a, mn) for a, mn, _ in self.insns if RE_LDX.match(mn)]
        self.stx = [(a, mn) for a, mn, _ in self.insns if RE_STX.match(mn)]
        self.acq = [(a, mn) for a, mn, _ in self.insns if mn in ("ldar", "ldapr")]
        self.rel = [(a, mn) for a, mn, _ in self.insns if mn == "stlr"]
        self.bar = [(a, f"{mn} {ops}") for a, mn, ops in self.insns if is_barrier(mn)]
        self.full_bar = {a for a, mn, ops in self.insns if mn == "dmb" and ops == "ish"}
        self.ldr = [a for a, mn, _ in self.insns if mn == "ldr"]
        self.str = [a for a, mn, _ in self.insns if mn == "str"]
        self.rets = {a for a, mn, _ in self.insns if mn == "ret"}
        self.calls = [(a, code.calls.get(a, ops)) for a, mn, ops in self.insns if mn == "bl"]

    def summary(self):
        atoms = [mn for _, mn in self.lse] + sorted({mn for _, mn in self.ldx + self.stx}) \
            + [mn for _, mn in self.acq + self.rel]
        s = "/".join(dict.fromkeys(atoms)) or "-"
        if self.bar:
            s += " + " + "+".join(b.replace(" ", " ") for _, b in self.bar)
        return s


def check_pair(op, order, form, f):
    """The assertions for one pair in one image; returns a list of failures."""
    bad = list(f.problems)
    if f.calls:
        bad.append(f"calls out: {f.calls}")
    if op == "READ":
        if f.lse or f.ldx or f.stx or f.rel:
            bad.append("an atomic RMW or store in a read")
        if f.bar:
            bad.append(f"barrier {f.bar}")
        if order == "ACQUIRE" and len(f.acq) != 1:
            bad.append(f"want exactly one ldar, found {f.acq}")
        if order == "RELAXED" and (f.acq or not f.ldr):
            bad.append(f"want a plain ldr and no ldar, found {f.acq}")
        return bad
    if op == "SET":
        if f.lse or f.ldx or f.stx or f.acq:
            bad.append("an atomic RMW or acquire load in a set")
        if f.bar:
            bad.append(f"barrier {f.bar}")
        if order == "RELEASE" and len(f.rel) != 1:
            bad.append(f"want exactly one stlr, found {f.rel}")
        if order == "RELAXED" and (f.rel or not f.str):
            bad.append(f"want a plain str and no stlr, found {f.rel}")
        return bad
    void = op in VOID
    sfx = "" if void else LSE_SFX[order]
    ld_want, st_want = LLSC["RELAXED"] if void else LLSC[order]
    if f.acq or f.rel:
        bad.append(f"acquire load or release store {f.acq + f.rel}")
    if form == "LSE":
        if f.ldx or f.stx:
            bad.append(f"LL/SC instructions {f.ldx + f.stx} where LSE was patched in")
        if not f.lse:
            bad.append("no LSE atomic reached")
        for a, mn in f.lse:
            fam, got = lse_parts(mn)
            if fam != FAMILY[op] or got != sfx:
                bad.append(f"{a:#x}: {mn}: want the {FAMILY[op]} family with suffix '{sfx}'")
        atoms = {a for a, _ in f.lse}
        first, last = atoms, atoms
    else:
        if f.lse:
            bad.append(f"LSE instructions {f.lse} in the LL/SC image")
        if not f.ldx or not f.stx:
            bad.append("no load/store-exclusive pair reached")
        for a, mn in f.ldx:
            if mn != ld_want:
                bad.append(f"{a:#x}: {mn}: want {ld_want}")
        for a, mn in f.stx:
            if mn != st_want:
                bad.append(f"{a:#x}: {mn}: want {st_want}")
        first, last = {a for a, _ in f.ldx}, {a for a, _ in f.stx}
    bars = f.bar
    if op in BOUND_OPS and order == "ACQUIRE":
        ld_bar = [b for b in f.bar if b[1] == "dmb ishld"]
        if len(ld_bar) != 1:
            bad.append(f"want one dmb ishld on the exit that stores nothing: {f.bar}")
        bars = [b for b in f.bar if b not in ld_bar]
    other_bar = [b for b in bars if b[0] not in f.full_bar]
    if other_bar:
        bad.append(f"a barrier other than dmb ish: {other_bar}")
    if void:
        if order == "RELAXED" and f.bar:
            bad.append(f"barrier in a relaxed void op: {f.bar}")
        if order == "FULL":
            # smp_mb__before_atomic() and smp_mb__after_atomic(): a dmb ish
            # on every path into the atomic and on every path out of it.
            if reaches_avoiding(f.succ, [min(f.reach)], first, f.full_bar):
                bad.append("a path reaches the atomic without a dmb ish before it")
            after = [s for a in last for s in f.succ.get(a, [])]
            if reaches_avoiding(f.succ, after, f.rets, f.full_bar):
                bad.append("a path leaves the atomic without a dmb ish after it")
        return bad
    if order != "FULL":
        if bars:
            bad.append(f"barrier in a {order.lower()} op: {bars}")
        return bad
    # FULL: LSE's "al" form alone; LL/SC's ldxr/stlxr with a dmb ish right
    # after each successful store-exclusive (stlxr; cbnz retry; dmb ish).
    tied = set()
    if form == "LL/SC":
        for a, _ in f.stx:
            nxt = [b for b in f.full_bar if a < b <= a + 8]
            if not nxt:
                bad.append(f"{a:#x}: stlxr not followed by dmb ish")
            tied.update(nxt)
    extra = f.full_bar - tied
    if op in BOUND_OPS and len(extra) < 2:
        bad.append(f"want a dmb ish on both sides of the exit that stores nothing: {sorted(hex(b) for b in extra)}")
    if extra and op not in EXTRA_FULL_BARRIERS_OK:
        bad.append(f"barriers beyond the primitive's: {sorted(hex(b) for b in extra)}")
    return bad


def kernel(obj, header):
    table, enum = documented_orders(header)
    elf = Elf(obj)
    lse_cap, = struct.unpack("<H", elf.symbol_bytes("acp_lse_cap"))
    stride, off, nr = elf.symbol_bytes("acp_desc_layout")
    if nr != len(enum):
        raise SystemExit(f"probe built for {nr} opcodes, header has {len(enum)}")
    ac_ops = elf.symbol_bytes("ac_ops")
    fails = 0
    # The module's own table must accept what the header documents.
    for name, num in sorted(enum.items(), key=lambda kv: kv[1]):
        mask = ac_ops[num * stride + off]
        accepted = {o for i, o in enumerate(ORDERS) if mask & (1 << i)}
        if accepted != table[name]:
            print(f"MISMATCH {name}: ac_ops[] accepts {sorted(accepted)}, "
                  f"the header documents {sorted(table[name])}")
            fails += 1
    with tempfile.TemporaryDirectory() as tmp:
        patched, applied = lse_image(elf, obj, lse_cap, tmp)
        print(f"# {applied} LSE alternatives (cpucap {lse_cap}) applied for the LSE image")
        text_idx, _ = elf.section(".text")
        images = {"LSE": Code(patched, ".text"), "LL/SC": Code(obj, ".text")}
        print(f"{'operation':<20} {'order':<8} {'LSE (patched in at boot)':<34} LL/SC")
        for name, num in sorted(enum.items(), key=lambda kv: kv[1]):
            for order in ORDERS:
                if order not in table[name]:
                    continue
                sym = elf.symbol(f"acp_OP_{name}__{order}")
                if sym["shndx"] != text_idx:
                    raise SystemExit(f"{sym['name']} is not in .text")
                cols, bad = [], []
                for form in ("LSE", "LL/SC"):
                    f = Facts(images[form], sym["value"])
                    cols.append(f.summary())
                    bad += [f"{form}: {b}" for b in check_pair(name, order, form, f)]
                if order == "RELAXED" and name in ("READ", "SET") and not bad:
                    cols = ["ldr" if name == "READ" else "str"] * 2
                print(f"{name:<20} {order:<8} {cols[0]:<34} {cols[1]}")
                for b in bad:
                    print(f"  MISMATCH {name} {order}: {b}")
                fails += bool(bad)
    return fails


# -------------------------------------------------------------- page ---

# page_probe.c's functions: pp_<name> -> (LSE family or load/store, C11 order).
def page_expectations():
    exp = {"read": ("load", "relaxed"), "read_acquire": ("load", "acquire"),
           "set": ("store", "relaxed"), "set_release": ("store", "release"),
           "consistent_counter_get": ("load", "seq_cst")}
    fam = {"add": "add", "sub": "add", "inc": "add", "dec": "add", "and": "clr",
           "or": "set", "xor": "eor", "andnot": "clr"}
    sfx = {"": "seq_cst", "_relaxed": "relaxed", "_acquire": "acquire", "_release": "release"}
    for op, f in fam.items():
        exp[op] = (f, "relaxed")
        exp[op + "_full"] = (f, "seq_cst")
    for s, o in sfx.items():
        for op in ("add", "sub", "inc", "dec", "and", "or", "xor", "andnot"):
            exp[f"fetch_{op}{s}"] = (fam[op], o)
        for op in ("add", "sub", "inc", "dec"):
            exp[f"{op}_return{s}"] = ("add", o)
        exp["xchg" + s] = ("swp", o)
        for op in ("cmpxchg", "try_cmpxchg", "fetch_max", "fetch_min"):
            exp[op + s] = ("cas", o)
    for op in ("fetch_add_unless", "add_unless", "inc_not_zero"):
        exp[op] = ("cas", "seq_cst")
    for op in ("sub_and_test", "dec_and_test", "inc_and_test", "add_negative"):
        exp[op] = ("add", "seq_cst")
    exp["striped_add"] = ("add", "relaxed")
    return exp


C11_LSE = {"relaxed": "", "acquire": "a", "release": "l", "seq_cst": "al"}
C11_HELPER = {"relaxed": "relax", "acquire": "acq", "release": "rel", "seq_cst": "acq_rel"}
# The store forms (result unused) have no acquire half.
ST_FORM = {"": "", "l": "l"}


def page(outline, lse):
    exp = page_expectations()
    fails = 0
    objs = {"outline": outline, "lse": lse}
    facts = {}
    for form, obj in objs.items():
        elf, code = Elf(obj), Code(obj, ".text")
        for name in exp:
            facts[form, name] = Facts(code, elf.symbol("pp_" + name)["value"])
    print(f"{'function':<24} {'C11 order':<9} {'-moutline-atomics (default)':<28} -march=armv8.1-a")
    for name, (fam, order) in exp.items():
        cols, bad = [], []
        for form in objs:
            f = facts[form, name]
            bad += [f"{form}: {p}" for p in f.problems]
            # fetch_max/min (ac_impl_fetch_bound()): the loop may be
            # unrolled (several compare-and-swaps, all of the order's
            # form), the exit that stores nothing is a read ordered as one:
            # acquire loads (ldar) for acquire, seq_cst fences (dmb ish)
            # around a fresh read for seq_cst, nothing else.
            bound = name.startswith(("fetch_max", "fetch_min"))
            if bound and order == "seq_cst":
                if not f.bar or any(b[1] != "dmb ish" for b in f.bar):
                    bad.append(f"{form}: want dmb ish around the read-only exit: {f.bar}")
            elif f.bar:
                bad.append(f"{form}: barrier {f.bar}")
            acq = [] if bound and order == "acquire" else f.acq
            if bound and order == "acquire" and not f.acq:
                bad.append(f"{form}: want acquire loads (ldar) for the read-only exit")
            helpers = [(a, c) for a, c in f.calls if c.startswith("__aarch64_")]
            others = [c for _, c in f.calls if not c.startswith("__aarch64_")]
            if others and name != "striped_add":
                bad.append(f"{form}: calls {others}")
            if fam in ("load", "store"):
                want = {"load": {"relaxed": "ldr", "acquire": "ldar", "seq_cst": "ldar"},
                        "store": {"relaxed": "str", "release": "stlr"}}[fam][order]
                got = [mn for _, mn, _ in f.insns if mn == want]
                strong = f.acq + f.rel + f.lse + f.ldx + f.stx + helpers
                if want in ("ldr", "str"):
                    ok = got and not strong
                else:
                    ok = len(got) == 1 and len(strong) == 1
                cols.append(want if ok else "?")
                if not ok:
                    bad.append(f"{form}: want {want}; strong accesses {strong}")
                continue
            if form == "outline":
                want = f"__aarch64_{'ld' + fam if fam not in ('swp', 'cas') else fam}8_{C11_HELPER[order]}"
                got = [c for _, c in helpers]
                one = set(got) == {want} if bound else got == [want]
                if not one or f.lse or f.ldx or f.stx or acq or f.rel:
                    bad.append(f"outline: want one call of {want}, found {got}"
                               f" {f.lse + f.ldx + f.stx + f.acq + f.rel}")
                cols.append(",".join(got) or "-")
            else:
                s = C11_LSE[order]
                got = [mn for _, mn in f.lse]
                ok = (len(set(got)) == 1 if bound else len(got) == 1) and not helpers and \
                    not (f.ldx or f.stx or acq or f.rel)
                if ok:
                    gf, gs = lse_parts(got[0])
                    st = got[0].startswith("st")
                    ok = gf == fam and (gs == s if not st else s in ST_FORM and gs == ST_FORM[s])
                if not ok:
                    bad.append(f"lse: want {fam} with suffix '{s}', found {got} {helpers}")
                cols.append(",".join(got) or "-")
        print(f"{name:<24} {order:<9} {cols[0]:<28} {cols[1]}")
        for b in bad:
            print(f"  MISMATCH ac_{name}: {b}")
        fails += bool(bad)
    return fails


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "kernel":
        fails = kernel(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "page":
        fails = page(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
    print(f"# {fails} mismatch(es)")
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
