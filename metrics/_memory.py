"""Keep freed memory in the process for the next array, rather than handing it back to the OS.

On virtual machines whose memory the host backs only when touched (this one: 2 cores, 24 GB), a
page handed back and touched again costs 5-14 microseconds; a report on a 1M-row pair allocates
and frees a few GB in arrays of 8 to 80 MB, and a third of its CPU time was the kernel faulting
pages in (measured: 1.4-2.8 of about 6 CPU seconds). glibc's malloc hands blocks above its mmap
threshold, and the heap's free top, straight back; pyarrow's default pool (mimalloc) purges freed
pages within milliseconds. So: pyarrow allocates through malloc, blocks up to 32 MB come from the
heap, and the heap is trimmed only past 2 GB free, so one table's freed arrays serve the next.

Applied once per process, on Linux with glibc; elsewhere nothing changes. Private to metrics.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import cache

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters
_MMAP_THRESHOLD = 32 << 20  # glibc's largest allowed value on 64-bit
_TRIM_THRESHOLD = (1 << 31) - 1  # mallopt takes an int


@cache
def retain_freed_memory() -> bool:
    """Set the allocators up as the module docstring says; True when glibc took the settings."""
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and other C libraries: no mallopt
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(
        mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD) and mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)
    )
