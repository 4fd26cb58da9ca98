#!/usr/bin/env python3
"""Seed corpora for the byte-level fuzz targets, from the captured ZeroC conversations in
vectors/: every message alone, and each direction of each conversation as one stream (for
`frame`); every message body after its 14-byte header (for `encapsulation`, `proxy`,
`exception`, `class`, which read encoded values). Writes fuzz/corpus/<target>/seed-*."""

import glob
import hashlib
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def messages(path):
    """(direction, bytes) of each message line of a .hex capture."""
    out = []
    for line in open(path):
        line = line.strip()
        if line[:1] in "<>" and len(line) > 2:
            try:
                out.append((line[0], bytes.fromhex(line[1:].replace(" ", ""))))
            except ValueError:
                pass
    return out


def write(target, data):
    d = os.path.join(ROOT, "fuzz", "corpus", target)
    os.makedirs(d, exist_ok=True)
    name = "seed-" + hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    count = 0
    for path in sorted(glob.glob(os.path.join(ROOT, "vectors", "*.hex"))):
        msgs = messages(path)
        for direction in "<>":
            stream = b"".join(m for d, m in msgs if d == direction)
            if stream:
                write("frame", stream)
        for _, m in msgs:
            write("frame", m)
            if len(m) > 14:
                for target in ("encapsulation", "proxy", "exception", "class"):
                    write(target, m[14:])
            count += 1
    print("seeded from {0} captured messages".format(count))


if __name__ == "__main__":
    main()
