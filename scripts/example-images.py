"""Writes the example images the local provider is tested on (examples/images/), whose palettes are known:
palette-four.png (200×100: 40% #E63946, 30% #1D3557, 20% #F1FAEE, 10% #2A9D8F, in vertical bands) and
palette-four.ppm (the same pixels, from which scripts/example-jpeg.c writes palette-four.jpg).

    python3 scripts/example-images.py && cc scripts/example-jpeg.c -ljpeg -o /tmp/example-jpeg && /tmp/example-jpeg
"""

import struct
import zlib

BANDS = [(80, (0xE6, 0x39, 0x46)), (60, (0x1D, 0x35, 0x57)), (40, (0xF1, 0xFA, 0xEE)), (20, (0x2A, 0x9D, 0x8F))]
WIDTH, HEIGHT = 200, 100
row = b"".join(bytes(color) * width for width, color in BANDS)


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(b"".join(b"\x00" + row for _ in range(HEIGHT)), 9)) + chunk(b"IEND", b"")
open("examples/images/palette-four.png", "wb").write(png)
open("examples/images/palette-four.ppm", "wb").write(b"P6 %d %d 255\n" % (WIDTH, HEIGHT) + row * HEIGHT)
