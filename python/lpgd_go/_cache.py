"""The one structure cache: analysed Go structures (sizes, cones, patterns,
linear solver) reused across calls, for every front end.

Policy: a bounded LRU (``set_structure_cache_size``, default 64 entries). An
evicted structure's Go handle is freed as soon as nothing else references it
(at once, unless a pending backward pass still holds it).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from ._core import Structure

__all__ = [
    "DEFAULT_SIZE",
    "clear_structure_cache",
    "get_structure_cache_size",
    "set_structure_cache_size",
    "structure",
    "structure_cache_len",
]

#: Default number of cached structures.
DEFAULT_SIZE = 64

_lock = threading.Lock()
_cache: OrderedDict[Hashable, Structure] = OrderedDict()
_max_size = DEFAULT_SIZE
#: (key, structure) of the cache's most recently used entry (its last), or
#: None: ``get`` of that key returns it without the lock (moving the last
#: entry to the end changes nothing, so the LRU order stays exact). Set
#: under the lock by every use; None whenever the last entry may change
#: otherwise (eviction, clearing).
_last: tuple[Hashable, Structure] | None = None


def _evict_to(size: int) -> list[Structure]:
    global _last
    dropped = []
    while len(_cache) > size:
        dropped.append(_cache.popitem(last=False)[1])
    if dropped:
        _last = None
    return dropped


def structure(key: Hashable, make: Callable[[], Structure]) -> Structure:
    """The structure cached under key, made (and cached) by make() on a miss."""
    global _last
    with _lock:
        st = _cache.get(key)
        if st is not None:
            _cache.move_to_end(key)
            _last = (key, st)
            return st
    st = make()  # outside the lock: analysis may take a while
    with _lock:
        st = _cache.setdefault(key, st)  # another thread may have made it first
        _cache.move_to_end(key)
        _last = (key, st)
        dropped = _evict_to(_max_size)
    del dropped  # handles are freed here unless a pending backward holds them
    return st


def get(key: Hashable) -> Structure | None:
    """The structure cached under key (now the most recently used), or None.
    The most recently used entry's key is tested by identity (the caller
    passes the same key object per structure: no tuple compared per call);
    an equal key of another object takes the locked lookup, which makes it
    the entry's key for the next call."""
    global _last
    last = _last
    if last is not None and last[0] is key:
        return last[1]  # already the most recently used
    with _lock:
        st = _cache.get(key)
        if st is not None:
            _cache.move_to_end(key)
            _last = (key, st)
        return st


def set_structure_cache_size(size: int) -> None:
    """Keep at most ``size`` analysed structures (least recently used evicted
    first; 0 disables caching). Shrinking evicts at once.

    Args:
        size: number of structures, an int >= 0.

    Raises:
        TypeError: size is not an int.
        ValueError: size is negative.
    """
    global _max_size
    if not isinstance(size, int) or isinstance(size, bool):
        raise TypeError(f"size must be an int, got {type(size).__name__}")
    if size < 0:
        raise ValueError(f"size must be >= 0, got {size}")
    with _lock:
        _max_size = size
        dropped = _evict_to(size)
    del dropped


def get_structure_cache_size() -> int:
    """The maximum number of cached structures."""
    return _max_size


def structure_cache_len() -> int:
    """The number of structures cached now."""
    return len(_cache)


def clear_structure_cache() -> None:
    """Drop every cached structure and free its Go handle now.

    A structure still referenced by a pending backward pass is freed too: call
    this between training steps, not while graphs are alive."""
    global _last
    with _lock:
        dropped = list(_cache.values())
        _cache.clear()
        _last = None
    for st in dropped:
        st.free()
