"""A snapshot load's page faults taken on the second core, for a command that only reads.

Loading the 100k-dataset mesh builds ~780 MB of native records, strings and tables, most of it in
glibc's main heap, and the kernel zeroes each new page at its first touch: ~205k page faults,
~0.35 s of the loading thread's ~1.6 s. While the load runs, the second core only decompresses the
next chunk (~0.3 s in all). So during a load the heap grows in steps of :data:`PAD` (glibc's
``M_TOP_PAD``) and, after each chunk it decompresses, the reading thread asks the kernel to fill
in the pages the heap has grown by (``madvise(MADV_POPULATE_WRITE)``, Linux 5.14): the loading
thread then finds most of them present. The work is the same; it moves to the core that idles.

Only glibc on Linux; elsewhere (or on an older kernel) nothing happens. ``M_TOP_PAD`` is put back
after the load, but setting it also fixes glibc's mmap threshold for the rest of the process,
so only a command that only reads (``check``, ``diff``, ``export``: it ends soon after) uses it.
Populating touches no byte of the heap: a page present already is left as it is.
"""

from __future__ import annotations

import ctypes
import errno
import os
import threading
from typing import Any

from graph.core.heap import glibc

PAD = 64 << 20  # the heap grows by this much beyond each request during a load
_DEFAULT_PAD = 128 << 10  # glibc's M_TOP_PAD when nobody set it
_STEP = 2 << 20  # populated per call
_M_TOP_PAD = -2
_MADV_POPULATE_WRITE = 23


def _glibc() -> Any:
    libc = glibc()
    if libc is None:
        return None
    libc.sbrk.restype = ctypes.c_void_p
    libc.sbrk.argtypes = [ctypes.c_ssize_t]
    libc.madvise.restype = ctypes.c_int
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    return libc


_LIBC = _glibc()
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class HeapPrefault:
    """While entered, the heap grows by :data:`PAD` at a time and :meth:`populate` (from any
    thread) has the kernel fill in what it grew by since the last call."""

    def __init__(self) -> None:
        self._libc = _LIBC
        self._lock = threading.Lock()
        self._done = 0  # the heap's end as last populated (page-aligned)

    def __enter__(self) -> HeapPrefault:
        libc = self._libc
        if libc is not None and libc.mallopt(_M_TOP_PAD, PAD) == 1:
            self._done = self._break()
        else:
            self._libc = None
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            if self._libc is not None:
                self._libc.mallopt(_M_TOP_PAD, _DEFAULT_PAD)
                self._libc = None

    def _break(self) -> int:
        return int(self._libc.sbrk(0) or 0) // _PAGE * _PAGE

    def populate(self) -> None:
        """Fill in the heap's pages added since the last call (no-op when there are none)."""
        with self._lock:
            libc = self._libc
            if libc is None:
                return
            end = self._break()
            if end <= self._done:
                self._done = min(self._done, end)  # the heap was trimmed: follow its end
                return
            # A step at a time: the kernel holds the address space's lock while it populates,
            # and the loading thread's next heap growth (brk) waits for it.
            for start in range(self._done, end, _STEP):
                size = min(_STEP, end - start)
                if libc.madvise(start, size, _MADV_POPULATE_WRITE) != 0:
                    if ctypes.get_errno() == errno.EINVAL:  # a kernel before 5.14: stop asking
                        self._libc = None
                        libc.mallopt(_M_TOP_PAD, _DEFAULT_PAD)
                        return
                    break  # the heap was trimmed meanwhile: the rest is gone
            self._done = end
