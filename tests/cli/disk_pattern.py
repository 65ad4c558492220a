#!/usr/bin/env python3
"""Check a disk image against what tests/guest/blkfront.c's `saverestore'
mode says it wrote: slot i (8 sectors from 2048 + 8 i) holds the pattern
of seed S_i (zeroes for 0), the page after the 32 slots seed 251.

usage: disk_pattern.py IMAGE S0 S1 ... S31; exit 0 when it matches."""
import sys

SECTOR, SLOTS, STATIC_SEED = 2048, 32, 251


def pattern(sector, seed):
    return bytes(((sector * 131 + off * 7 + seed * 29 + (off >> 8)) & 0xff) for off in range(512))


def main():
    img, seeds = sys.argv[1], [int(x) for x in sys.argv[2:]]
    if len(seeds) != SLOTS:
        print("expected %d seeds, got %d" % (SLOTS, len(seeds)))
        return 2
    want = list(enumerate(seeds)) + [(SLOTS, STATIC_SEED)]
    with open(img, "rb") as f:
        for slot, seed in want:
            for i in range(8):
                sector = SECTOR + slot * 8 + i
                f.seek(sector * 512)
                got = f.read(512)
                exp = pattern(sector, seed) if seed else bytes(512)
                if got != exp:
                    print("sector %d (slot %d, seed %d) differs" % (sector, slot, seed))
                    return 1
    print("disk matches: %d slots and the untouched page's sector" % SLOTS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
