"""Keep long-running workers' memory flat.

Samples allocate and free many large temporary buffers (frames, sprites, font faces of
varying sizes); glibc keeps freed heap pages mapped, so a worker's RSS creeps up with
fragmentation although nothing leaks. `trim_heap()` hands free pages back to the OS
(`malloc_trim`, ~1 ms); the shard writer calls it every few samples. A no-op where glibc
is not the allocator.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys

_libc = None
if sys.platform.startswith("linux"):
    try:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        _libc.malloc_trim.argtypes = [ctypes.c_size_t]
    except (OSError, AttributeError):
        _libc = None


def trim_heap() -> None:
    if _libc is not None:
        _libc.malloc_trim(0)
