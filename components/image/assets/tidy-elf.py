# slim-dask tidy-elf: shrink ELF shared objects without moving a byte the loader maps to a
# different place. Run by strip.sh with the prefix's own Python (stdlib only, Python 3.6+).
#
# Usage: python tidy-elf.py FILE...   (or the paths on standard input, one per line)
# For each FILE it can shrink by 4 KiB or more, writes FILE.slim-dask-tidy (same mode) and
# prints that path, one per line; strip.sh keeps the copy only if it still loads. Anything
# else (not ELF, 32-bit, big-endian, malformed) is left alone.
#
# Why binutils' strip is not enough: auditwheel rewrites vendored libraries with patchelf,
# which appends a LOAD segment at a 2 MiB-aligned file offset and fills the hole with zeros
# (Pillow's libXau: 2.1 MB of which 8 KB is code), and strip cannot rewrite such files
# without breaking them (numpy's OpenBLAS then fails with "ELF load command address/offset
# not page-aligned"), so they keep their symbol tables. This tool:
#   - drops non-allocated sections nothing needs at run time (.symtab, .strtab, .comment,
#     .debug*, annobin notes, .gnu_debugdata), as `strip --strip-unneeded` does for a
#     shared object: their section headers become empty (SHT_NULL) so no index changes;
#   - closes zero-filled holes between the parts it keeps. A part holding segment data moves
#     by a multiple of the page size (4 KiB on x86-64, 64 KiB elsewhere) so every segment's
#     offset stays congruent to its address; other parts only keep their own alignment.
# Addresses, the dynamic section, relocations and symbols are untouched: only file offsets
# in the ELF, program and section headers change. Only 64-bit little-endian ELF is handled.
import os
import stat
import struct
import sys

EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
PHDR = struct.Struct("<IIQQQQQQ")
SHDR = struct.Struct("<IIQQQQIIQQ")
PT_LOAD = 1
SHT_NULL = 0
SHT_NOBITS = 8
SHF_ALLOC = 2
EM_X86_64 = 62
DROP_NAMES = (".symtab", ".strtab", ".comment", ".gnu_debugdata", ".gnu.build.attributes")
DROP_PREFIXES = (".debug", ".zdebug", ".annobin")
MIN_SAVING = 4096


def droppable(name):
    return name in DROP_NAMES or name.startswith(DROP_PREFIXES)


def tidy(data):
    """The shrunk bytes of one ELF file, or None when nothing can (safely) go."""
    if len(data) < EHDR.size or data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return None
    eh = list(EHDR.unpack_from(data, 0))
    machine, phoff, shoff = eh[2], eh[5], eh[6]
    phentsize, phnum, shentsize, shnum, shstrndx = eh[9], eh[10], eh[11], eh[12], eh[13]
    if phentsize != PHDR.size or shentsize != SHDR.size or shnum == 0 or shstrndx >= shnum:
        return None
    if max(phoff + phnum * phentsize, shoff + shnum * shentsize) > len(data):
        return None
    page = 0x1000 if machine == EM_X86_64 else 0x10000
    phdrs = [list(PHDR.unpack_from(data, phoff + i * phentsize)) for i in range(phnum)]
    shdrs = [list(SHDR.unpack_from(data, shoff + i * shentsize)) for i in range(shnum)]
    strtab = shdrs[shstrndx]

    def name_of(sh):
        start = strtab[4] + sh[0]
        end = data.find(b"\0", start)
        return data[start:end].decode("latin-1") if end >= 0 else ""

    # Parts to keep: [start, end, alignment, holds segment data].
    parts = [[0, EHDR.size, 1, True], [phoff, phoff + phnum * phentsize, 8, True]]
    for ph in phdrs:
        if ph[5] > 0:
            parts.append([ph[2], ph[2] + ph[5], page, True])
    in_segment = lambda off, size: any(  # noqa: E731
        ph[5] > 0 and ph[2] <= off and off + size <= ph[2] + ph[5] for ph in phdrs
    )
    drop = set()
    for i, sh in enumerate(shdrs):
        if i and not sh[2] & SHF_ALLOC and sh[1] != SHT_NOBITS and i != shstrndx:
            if droppable(name_of(sh)) and not in_segment(sh[4], sh[5]):
                drop.add(i)
    # A section another kept section links to stays (e.g. a .strtab still in use).
    changed = True
    while changed:
        changed = False
        for i, sh in enumerate(shdrs):
            if i not in drop and sh[6] in drop:
                drop.discard(sh[6])
                changed = True
    for i, sh in enumerate(shdrs):
        if i and i not in drop and sh[1] not in (SHT_NULL, SHT_NOBITS) and sh[5] > 0:
            parts.append([sh[4], sh[4] + sh[5], max(1, sh[8]), in_segment(sh[4], sh[5])])
    parts.append([shoff, shoff + shnum * shentsize, 8, False])

    # Merge overlapping parts into chunks that move as one.
    parts.sort()
    chunks = []
    for start, end, align, mapped in parts:
        if chunks and start <= chunks[-1][1]:
            last = chunks[-1]
            last[1] = max(last[1], end)
            last[2] = max(last[2], align)
            last[3] = last[3] or mapped
        else:
            chunks.append([start, end, align, mapped])
    dropped = [(shdrs[i][4], shdrs[i][4] + shdrs[i][5]) for i in drop]

    def removable(start, end):
        """True when every byte of [start, end) is zero or part of a dropped section."""
        pos = start
        for a, b in sorted(dropped):
            if b <= pos or a >= end:
                continue
            if data[pos:a].strip(b"\0"):
                return False
            pos = max(pos, b)
        return not data[pos:end].strip(b"\0")

    # New offset of each chunk: as low as its alignment allows, never overlapping.
    cursor = 0  # end of the output so far
    previous_end = 0  # end of the previous chunk in the input
    moves = []  # (old start, old end, delta)
    for start, end, align, mapped in chunks:
        step = max(align, page) if mapped else align
        new = start - (moves[-1][2] if moves else 0)
        if removable(previous_end, start):
            new = start - ((start - cursor) // step) * step
        moves.append((start, end, start - new))
        cursor = end - (start - new)
        previous_end = end
    saved = len(data) - cursor
    if saved <= 0:
        return None

    def delta_at(off):
        # Chunks never touch (touching parts were merged), so an offset is in at most one;
        # one just past a chunk's end (a .bss after its segment's file data) goes with it.
        for start, end, delta in moves:
            if start <= off <= end:
                return delta
        return None

    out = bytearray(cursor)
    for start, end, delta in moves:
        out[start - delta : end - delta] = data[start:end]
    for ph in phdrs:
        delta = delta_at(ph[2])
        if delta is None:
            return None
        ph[2] -= delta
        # p_offset must stay congruent to p_vaddr modulo p_align.
        if ph[0] == PT_LOAD and ph[7] > page and delta % ph[7]:
            ph[7] = page
    for i, sh in enumerate(shdrs):
        if i in drop:
            sh[:] = [0, SHT_NULL, 0, 0, 0, 0, 0, 0, 0, 0]
            continue
        if sh[1] == SHT_NULL:
            continue
        delta = delta_at(sh[4])
        if delta is None:
            return None
        sh[4] -= delta
    eh[5] -= delta_at(phoff)
    eh[6] -= delta_at(shoff)
    EHDR.pack_into(out, 0, *eh)
    for i, ph in enumerate(phdrs):
        PHDR.pack_into(out, eh[5] + i * phentsize, *ph)
    for i, sh in enumerate(shdrs):
        SHDR.pack_into(out, eh[6] + i * shentsize, *sh)
    return bytes(out)


def main(paths):
    for path in paths:
        try:
            with open(path, "rb") as f:
                data = f.read()
            out = tidy(data)
        except (OSError, struct.error, ValueError, IndexError):
            out = None
        # A few bytes (a .comment) are not worth rewriting a library for.
        if out is None or len(data) - len(out) < MIN_SAVING:
            continue
        copy = path + ".slim-dask-tidy"
        with open(copy, "wb") as f:
            f.write(out)
        os.chmod(copy, stat.S_IMODE(os.stat(path).st_mode))
        print(copy)


if __name__ == "__main__":
    main(sys.argv[1:] or [line.rstrip("\n") for line in sys.stdin if line.strip()])
