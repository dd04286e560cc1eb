"""How a worker's memory is kept: small, and never stalling its requests.

Large buffers go back to the operating system as soon as they are freed.
Every client-secret check makes argon2 fill a 19 MiB buffer. glibc serves
an allocation that large with its own memory mapping and unmaps it when it
is freed, but after the first such free it raises its threshold for mapping
to that size, so later buffers come from the heap instead, one per thread
that checked a secret, and their pages stay resident for the life of the
process: about 40 MB of a worker's memory for two checks at once. Fixing the
threshold turns that adjustment off.

The objects a worker builds at start are set aside from the garbage
collector. They live as long as the process, yet every full collection
walks them all: about 150,000 of them (the framework, SQLAlchemy, pydantic
models, the routes) take 90 ms to walk, and under load such a collection
comes every few seconds and holds up every request in flight.
"""

from __future__ import annotations

import ctypes
import gc
import sys

_M_MMAP_THRESHOLD = -3  # malloc.h
LARGE_ALLOCATION_BYTES = 1 << 20


def return_large_buffers() -> bool:
    """Fix glibc's mapping threshold; False where there is no glibc to tell."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # another C library (musl has no such setting)
        return False
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is None:
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, LARGE_ALLOCATION_BYTES))


def set_startup_objects_aside() -> int:
    """Move every object alive now out of the collector's reach (objects
    made later are collected as usual); how many were moved."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
