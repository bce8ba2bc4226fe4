"""Give freed memory back to the operating system promptly (glibc on Linux).

A run keeps its records in numpy chunks of a few hundred kilobytes and joins them into the
result tables at the end. glibc serves blocks that size from the heap, whose free space it
keeps, and raises its threshold for using mmap as big blocks are freed; so a year's freed
chunks (a gigabyte or more) would stay in the process. With the threshold fixed at 64 KiB every
block that big is mapped on its own and unmapped when freed: peak memory of a year under
orchestration falls by more than a gigabyte, at the cost of one system call per chunk.
Elsewhere (macOS, Windows, musl) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter (malloc.h)
THRESHOLD = 64 * 1024


def return_freed_memory() -> bool:
    """Fix glibc's mmap threshold (once per process is enough; repeating is harmless).
    True if the setting took."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, THRESHOLD))
    except (OSError, AttributeError):  # not glibc
        return False
