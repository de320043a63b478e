# The Python program of callsites_python (test_callsites.sh python): two named functions, one
# mapping (20 blocks of 40 MiB: each is one malloc over the mmap threshold), one growing the
# heap (40000 bytes objects of ~1 KiB: over pymalloc's 512-byte limit, so each is a malloc
# that moves the break). With the argument `threads` (callsites_python_threads), big_mapping
# runs in a second thread while the main thread runs grow_heap, so its frames must be read from
# the worker's own stack (40 MiB is over glibc's 32 MiB ceiling for the sliding threshold: the
# blocks are mmapped every time, in any arena).
import sys
import threading


def big_mapping():
    sizes = []
    for _ in range(20):
        block = bytearray(40 << 20)
        sizes.append(len(block))
        del block
    return sizes


def grow_heap():
    return [bytes(1000 + i % 7) for i in range(40000)]


if sys.argv[1:] == ["threads"]:
    worker = threading.Thread(target=big_mapping)
    worker.start()
    kept = grow_heap()
    worker.join()
else:
    big_mapping()
    kept = grow_heap()
