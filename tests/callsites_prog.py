# The Python program of callsites_python (test_callsites.sh python): two named functions, one
# mapping (20 blocks of 40 MiB: each is one malloc over the mmap threshold), one growing the
# heap (40000 bytes objects of ~1 KiB: over pymalloc's 512-byte limit, so each is a malloc
# that moves the break).
def big_mapping():
    sizes = []
    for _ in range(20):
        block = bytearray(40 << 20)
        sizes.append(len(block))
        del block
    return sizes


def grow_heap():
    return [bytes(1000 + i % 7) for i in range(40000)]


big_mapping()
kept = grow_heap()
