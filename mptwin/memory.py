"""Give freed memory back to the operating system promptly (glibc on Linux), and keep it for
reuse while a big table is built (`memory_for_big_tables`).

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
from contextlib import contextmanager

import numpy as np
import pyarrow as pa

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)
THRESHOLD = 64 * 1024
TRIM = 128 * 1024  # glibc's default trim threshold
HEAP_BLOCK = 32 << 20  # the largest mmap threshold glibc accepts on 64-bit


def return_freed_memory() -> bool:
    """Fix glibc's mmap threshold (once per process is enough; repeating is harmless).
    True if the setting took."""
    libc = _glibc()
    return libc is not None and bool(libc.mallopt(M_MMAP_THRESHOLD, THRESHOLD))


@contextmanager
def memory_for_big_tables():
    """While a table of a million rows or more is built from numpy and Arrow temporaries
    (the decisions of a run that records them). pyarrow allocates with the system allocator:
    its default pool (mimalloc) took about twice as long to grow by the few hundred MB needed.
    glibc serves blocks up to 32 MiB from its heap and keeps what is freed, so a temporary is
    reused, not unmapped and faulted in again: with the 64 KiB threshold above, building a
    baseline run's decisions table took 0.61 s against 0.36 s (automation), 1.05 s against
    0.63 s (orchestration). Afterwards the settings come back and the free heap goes back to
    the system. numpy asks for transparent huge pages for arrays of 4 MiB and more; where the
    kernel compacts memory to serve them on demand (`defrag` madvise, a common default), each
    such fault stalls: without them the table took 0.84 s instead of 1.28 s (orchestration),
    its system time 0.25 s instead of 0.70 s."""
    default = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    huge = _numpy_huge_pages(False)
    libc = _glibc()
    if libc is not None:
        libc.mallopt(M_MMAP_THRESHOLD, HEAP_BLOCK)
        libc.mallopt(M_TRIM_THRESHOLD, 1 << 30)
    try:
        yield
    finally:
        pa.set_memory_pool(default)
        _numpy_huge_pages(huge)
        if libc is not None:
            libc.mallopt(M_TRIM_THRESHOLD, TRIM)
            libc.mallopt(M_MMAP_THRESHOLD, THRESHOLD)
            libc.malloc_trim(0)


def _numpy_huge_pages(enabled: bool) -> bool:
    """Whether numpy asks for huge pages from now on; what it did before (numpy's switch is
    private: where it is missing, nothing changes)."""
    switch = getattr(
        getattr(getattr(np, "_core", None), "multiarray", None), "_set_madvise_hugepage", None
    )
    return bool(switch(enabled)) if switch is not None else enabled


def _glibc():
    """The C library, if it is glibc on Linux (else None)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018 - glibc has both
    except (OSError, AttributeError):  # not glibc
        return None
    return libc
