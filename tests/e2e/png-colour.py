#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""png-colour.py FILE R G B [MAXY] — prints "WIDTH HEIGHT COUNT": the image
size and how many pixels (above row MAXY, if given) have exactly colour
R,G,B. Pure Python (zlib), for 8-bit RGB/RGBA non-interlaced PNGs such as
Chromium's screenshots; exits 2 on anything else."""
import struct, sys, zlib

def main():
    path, r, g, b = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(2)
    pos, idat, w = 8, b"", None
    while pos < len(data):
        n, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if typ == b"IHDR":
            w, h, depth, ctype, _, _, inter = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or inter:
                sys.exit(2)
            bpp = 3 if ctype == 2 else 4
        elif typ == b"IDAT":
            idat += body
        pos += 12 + n
    maxy = int(sys.argv[5]) if len(sys.argv) > 5 else h
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    count = 0
    want = bytes((r, g, b))
    for y in range(min(h, maxy)):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 255
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                c = prev[i - bpp] if i >= bpp else 0
                p = a + prev[i] - c
                pa, pb, pc = abs(p - a), abs(p - prev[i]), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (prev[i] if pb <= pc else c)
                line[i] = (line[i] + pr) & 255
        for i in range(0, stride, bpp):
            if line[i:i + 3] == want:
                count += 1
        prev = line
    print(w, h, count)

main()
