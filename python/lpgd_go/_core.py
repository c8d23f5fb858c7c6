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
from dataclasses import dataclass

import torch

from . import _lib
from ._lib import BackwardOpts, CSettings

__all__ = [
    "Structure",
    "as_f64",
    "backward",
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
    ) -> None:
        self.n = n
        self.zero = zero
        self.nonneg = nonneg
        self.soc = tuple(soc)
        self.m = zero + nonneg + sum(self.soc)
        self.has_p = has_p
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
            _lib.LAYOUT_DENSE,
            None,
            None,
            _lib.LAYOUT_DENSE,
            None,
            None,
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

    gP: torch.Tensor | None  # (B, n, n)
    gc: torch.Tensor | None  # (B, n)
    gA: torch.Tensor | None  # (B, m, n)
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
    gP = torch.zeros((batch, n, n), dtype=F64) if need_P and st.has_p else None
    gc = torch.zeros((batch, n), dtype=F64) if need_c else None
    gA = torch.zeros((batch, m, n), dtype=F64) if need_A else None
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
