#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench/evtx-repeat.py SRC N DST — a big .evtx for benchmarks: the used
chunks of a real file repeated N times behind its header (chunk count, last
chunk number and header CRC32 updated; every chunk keeps its own checksums,
so libevtx and evtxexport read each copy as written)."""
import struct, sys, zlib

src, n, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
data = open(src, "rb").read()
hdr = bytearray(data[:4096])
assert hdr[:8] == b"ElfFile\0"
chunks = struct.unpack_from("<H", hdr, 42)[0]
body = data[4096:4096 + chunks * 65536]
total = chunks * n
if total > 0xFFFF:
    sys.exit("too many chunks (at most 65535)")
struct.pack_into("<Q", hdr, 16, total - 1)   # last chunk number
struct.pack_into("<H", hdr, 42, total)       # number of chunks
struct.pack_into("<I", hdr, 120, struct.unpack_from("<I", hdr, 120)[0] & ~1)  # not dirty
struct.pack_into("<I", hdr, 124, zlib.crc32(bytes(hdr[:120])) & 0xFFFFFFFF)
with open(dst, "wb") as f:
    f.write(hdr)
    for _ in range(n):
        f.write(body)
