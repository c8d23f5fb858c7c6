"""Structure handles, batching helpers and the calls into liblpgd.so.

Everything here works on contiguous float64 CPU tensors; conversion from and
to the caller's dtype and device happens in the layer modules.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from . import _lib
from ._lib import BackwardOpts, CSettings

__all__ = [
    "Structure",
    "as_f64",
    "backward",
    "cached_structure",
    "clear_structure_cache",
    "ptr",
    "qp_structure",
    "solve",
]

F64 = torch.float64
CPU = torch.device("cpu")


# ---------------------------------------------------------------------------
# Structure handles
# ---------------------------------------------------------------------------


def _free_handle(handle: int, pid: int) -> None:
    # Called by weakref.finalize (at garbage collection or at exit). Never call
    # into Go from a forked child, and never raise from a finalizer.
    if pid != os.getpid() or not _lib.is_loaded():
        return
    with contextlib.suppress(Exception):  # interpreter shutdown
        _lib.lib().lpgd_structure_free(handle)


def _csc_arrays(
    pattern: tuple[Sequence[int], Sequence[int]], n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Contiguous int64 copies (colptr[n+1], rowval[nnz]) of a CSC pattern; Go validates them."""
    colptr = np.ascontiguousarray(pattern[0], dtype=np.int64)
    rowval = np.ascontiguousarray(pattern[1], dtype=np.int64)
    if colptr.ndim != 1 or len(colptr) != n + 1:
        raise ValueError(f"CSC colptr has shape {colptr.shape}, want ({n + 1},)")
    if rowval.size == 0:
        rowval = np.zeros(1, dtype=np.int64)  # a valid pointer for an empty pattern
    return colptr, rowval


def _i64p(a: np.ndarray | None) -> object:
    return None if a is None else a.ctypes.data_as(ctypes.POINTER(ctypes.c_int64))


class Structure:
    """An analysed problem structure in Go (a uint64 handle), freed when the
    object is garbage collected or at interpreter exit.

    Attributes:
        n: number of variables; m: number of conic rows (zero + nonneg + soc).
        zero, nonneg: cone sizes; has_p: whether there is a quadratic term.
    """

    def __init__(
        self,
        n: int,
        zero: int,
        nonneg: int,
        *,
        has_p: bool,
        linear_solver: int = 0,
        soc: tuple[int, ...] = (),
        p_pattern: tuple[Sequence[int], Sequence[int]] | None = None,
        a_pattern: tuple[Sequence[int], Sequence[int]] | None = None,
    ) -> None:
        self.n = n
        self.zero = zero
        self.nonneg = nonneg
        self.soc = tuple(soc)
        self.m = zero + nonneg + sum(self.soc)
        self.has_p = has_p
        # Layouts: dense (row-major full matrices) unless a CSC pattern
        # (colptr, rowval) is given; P's pattern is its upper triangle.
        p_csc = _csc_arrays(p_pattern, n) if (has_p and p_pattern is not None) else None
        a_csc = _csc_arrays(a_pattern, n) if a_pattern is not None else None
        self.p_layout = _lib.LAYOUT_CSC if p_csc is not None else _lib.LAYOUT_DENSE
        self.a_layout = _lib.LAYOUT_CSC if a_csc is not None else _lib.LAYOUT_DENSE
        #: Per-sample shapes of P's and A's values (and of their gradients).
        self.p_shape: tuple[int, ...] = (
            (int(p_csc[0][n]),) if p_csc is not None else ((n, n) if has_p else (0,))
        )
        self.a_shape: tuple[int, ...] = (int(a_csc[0][n]),) if a_csc is not None else (self.m, n)
        L = _lib.lib()
        out = ctypes.c_uint64(0)
        err = _lib.err_buffer()
        soc_arr = (ctypes.c_int64 * max(1, len(self.soc)))(*self.soc)
        rc = L.lpgd_structure_new(
            n,
            self.m,
            zero,
            nonneg,
            soc_arr if self.soc else None,
            len(self.soc),
            int(has_p),
            self.p_layout,
            _i64p(p_csc[0]) if p_csc is not None else None,
            _i64p(p_csc[1]) if p_csc is not None else None,
            self.a_layout,
            _i64p(a_csc[0]) if a_csc is not None else None,
            _i64p(a_csc[1]) if a_csc is not None else None,
            linear_solver,
            ctypes.byref(out),
            err,
            _lib.ERRLEN,
        )
        _lib.check(rc, err, "lpgd_structure_new")
        self.handle = int(out.value)
        self._finalizer = weakref.finalize(self, _free_handle, self.handle, os.getpid())

    def free(self) -> None:
        """Release the Go handle now (idempotent)."""
        self._finalizer()

    def info(self) -> tuple[int, int, int, int, bool]:
        """(n, m, nnz of P's pattern, nnz of A's, dense KKT chosen) from Go."""
        out = (ctypes.c_int64 * 5)()
        _lib.check(_lib.lib().lpgd_structure_info(self.handle, out), None, "lpgd_structure_info")
        return int(out[0]), int(out[1]), int(out[2]), int(out[3]), bool(out[4])


_cache_lock = threading.Lock()
_structure_cache: dict[tuple[object, ...], Structure] = {}


def qp_structure(n: int, p: int, m_ineq: int, has_p: bool, linear_solver: int) -> Structure:
    """The cached dense structure of a QP with p equality and m_ineq inequality rows."""
    key = ("qp", n, p, m_ineq, has_p, linear_solver)
    with _cache_lock:
        st = _structure_cache.get(key)
        if st is None:
            st = Structure(n, p, m_ineq, has_p=has_p, linear_solver=linear_solver)
            _structure_cache[key] = st
        return st


def cached_structure(
    key: tuple[object, ...], make: Callable[[], Structure], *, limit: int | None = None
) -> Structure:
    """The structure cached under key, made (and cached) by make() on a miss.

    With ``limit``, at most that many entries whose keys share ``key[0]`` are kept
    (least recently used dropped first; a dropped structure's handle is freed by
    its finalizer once nothing references it).
    """
    with _cache_lock:
        st = _structure_cache.pop(key, None)
        if st is None:
            st = make()
        _structure_cache[key] = st  # most recently used last
        if limit is not None:
            same = [k for k in _structure_cache if k[:1] == key[:1]]
            for k in same[: max(0, len(same) - limit)]:
                del _structure_cache[k]
        return st


def clear_structure_cache() -> None:
    """Free every cached structure handle."""
    with _cache_lock:
        for st in _structure_cache.values():
            st.free()
        _structure_cache.clear()


# ---------------------------------------------------------------------------
# Buffers
# ---------------------------------------------------------------------------


def as_f64(t: torch.Tensor) -> torch.Tensor:
    """A detached, contiguous float64 CPU tensor with the values of t (no copy when
    t already is one)."""
    return t.detach().to(device=CPU, dtype=F64).contiguous()


def ptr(t: torch.Tensor | None) -> int | None:
    """The data pointer of a contiguous CPU tensor, or None (NULL)."""
    if t is None:
        return None
    return t.data_ptr()


@dataclass
class Operand:
    """A float64 buffer passed to Go with its batch stride (0 = shared)."""

    data: torch.Tensor | None
    stride: int

    @property
    def ptr(self) -> int | None:
        return ptr(self.data)


# ---------------------------------------------------------------------------
# Calls
# ---------------------------------------------------------------------------


@dataclass
class SolveResult:
    """Raw outputs of lpgd_solve (float64 CPU, batch-major)."""

    x: torch.Tensor  # (B, n)
    y: torch.Tensor  # (B, m)
    s: torch.Tensor  # (B, m)
    status: torch.Tensor  # (B,) int32
    info: torch.Tensor  # (B, INFO_COLS)


def solve(
    st: Structure,
    settings: CSettings,
    batch: int,
    P: Operand,
    c: Operand,
    A: Operand,
    b: Operand,
) -> SolveResult:
    """Call lpgd_solve on a batch."""
    x = torch.empty((batch, st.n), dtype=F64)
    y = torch.empty((batch, st.m), dtype=F64)
    s = torch.empty((batch, st.m), dtype=F64)
    status = torch.zeros((batch,), dtype=torch.int32)
    info = torch.full((batch, _lib.INFO_COLS), float("nan"), dtype=F64)
    err = _lib.err_buffer()
    rc = _lib.lib().lpgd_solve(
        st.handle,
        ctypes.byref(settings),
        batch,
        P.ptr,
        P.stride,
        c.ptr,
        c.stride,
        A.ptr,
        A.stride,
        b.ptr,
        b.stride,
        ptr(x),
        ptr(y),
        ptr(s),
        ptr(status),
        ptr(info),
        err,
        _lib.ERRLEN,
    )
    _lib.check(rc, err, "lpgd_solve")
    return SolveResult(x, y, s, status, info)


#: Number of lpgd_backward calls made by this process (for tests).
backward_calls = 0


@dataclass
class BackwardResult:
    """Raw outputs of lpgd_backward (float64 CPU, batch-major; None where not asked)."""

    gP: torch.Tensor | None  # (B, n, n), or (B, nnz) for a CSC pattern
    gc: torch.Tensor | None  # (B, n)
    gA: torch.Tensor | None  # (B, m, n), or (B, nnz) for a CSC pattern
    gb: torch.Tensor | None  # (B, m)
    status: torch.Tensor  # (B,) int32
    flags: torch.Tensor  # (B,) int32
    message: str  # Go's note on the first failed sample ("" when none)


def backward(
    st: Structure,
    settings: CSettings,
    opts: BackwardOpts,
    batch: int,
    P: Operand,
    c: Operand,
    A: Operand,
    b: Operand,
    x: torch.Tensor,
    y: torch.Tensor,
    s: torch.Tensor,
    in_status: torch.Tensor,
    gx: torch.Tensor,
    gy: torch.Tensor | None,
    gs: torch.Tensor | None,
    *,
    need_P: bool,
    need_c: bool,
    need_A: bool,
    need_b: bool,
) -> BackwardResult:
    """Call lpgd_backward on a batch; gradient buffers are allocated only where needed."""
    global backward_calls
    backward_calls += 1
    n, m = st.n, st.m
    gP = torch.zeros((batch, *st.p_shape), dtype=F64) if need_P and st.has_p else None
    gc = torch.zeros((batch, n), dtype=F64) if need_c else None
    gA = torch.zeros((batch, *st.a_shape), dtype=F64) if need_A else None
    gb = torch.zeros((batch, m), dtype=F64) if need_b else None
    out_status = torch.zeros((batch,), dtype=torch.int32)
    flags = torch.zeros((batch,), dtype=torch.int32)
    err = _lib.err_buffer()
    rc = _lib.lib().lpgd_backward(
        st.handle,
        ctypes.byref(settings),
        ctypes.byref(opts),
        batch,
        P.ptr,
        P.stride,
        c.ptr,
        c.stride,
        A.ptr,
        A.stride,
        b.ptr,
        b.stride,
        ptr(x),
        ptr(y),
        ptr(s),
        ptr(in_status),
        ptr(gx),
        ptr(gy),
        ptr(gs),
        ptr(gP),
        ptr(gc),
        ptr(gA),
        ptr(gb),
        ptr(out_status),
        ptr(flags),
        err,
        _lib.ERRLEN,
    )
    _lib.check(rc, err, "lpgd_backward")
    message = err.value.decode("utf-8", "replace")
    return BackwardResult(gP, gc, gA, gb, out_status, flags, message)
