# The Python program of callsites_python_threads (test_callsites.sh python-threads): the same two
# named functions as callsites_prog.py, but big_mapping runs in a second thread while the main
# thread runs grow_heap, so the mapping's frames must be read from the worker's own stack (its
# 40 MiB blocks are over glibc's 32 MiB ceiling for the sliding threshold: mmapped every time,
# in any arena).
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


worker = threading.Thread(target=big_mapping)
worker.start()
kept = grow_heap()
worker.join()
