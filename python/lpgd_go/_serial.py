"""Tensor plumbing of the layers' call path that never enters torch's thread pool.

Why (issue 16; measured in docs/architecture.md, "Threads"): a torch op that
opens an OpenMP parallel region (``cholesky_ex`` on any input, element-wise ops
and copies above 32768 elements) wakes torch's worker threads, and libgomp's
default wait policy then keeps them spinning for milliseconds after the region.
Called once per layer call, that is a second thread spinning for as long as the
training loop runs, and at the end of each region the calling thread waits for
workers the scheduler has not run yet. On a busy machine a B = 1, n = 10
forward + backward took 20–60 ms at torch's default threads instead of ~1 ms.

The layer's own work is therefore done here on the calling thread: conversions,
copies, reductions and checks through numpy (single-threaded) views of the CPU
tensors, and the positive-semidefiniteness test in the Go library
(``lpgd_check_psd``, no thread for small batches). Results are identical to
the torch ops they replace; dtypes numpy does not know (bfloat16) and tensors
on other devices fall back to torch.
"""

from __future__ import annotations

import ctypes
import math
import threading

import numpy as np
import torch

from . import _lib

__all__ = [
    "as_f64",
    "check_psd",
    "contiguous",
    "first_nonfinite",
    "first_of_sign",
    "grad_for",
    "sum0",
    "to",
    "zeros",
]

F64 = torch.float64
CPU = torch.device("cpu")

_NUMPY: dict[torch.dtype, type[np.generic]] = {
    torch.float64: np.float64,
    torch.float32: np.float32,
    torch.float16: np.float16,
    torch.int64: np.int64,
    torch.int32: np.int32,
    torch.int16: np.int16,
    torch.int8: np.int8,
    torch.uint8: np.uint8,
    torch.bool: np.bool_,
}


def _np(t: torch.Tensor) -> np.ndarray | None:
    """A numpy view of a detached CPU tensor, or None when numpy cannot hold it."""
    if t.device.type != "cpu" or t.dtype not in _NUMPY or t.is_conj() or t.is_neg():
        return None
    return t.detach().numpy()


def to(t: torch.Tensor, dtype: torch.dtype, device: torch.device | None = None) -> torch.Tensor:
    """``t.to(dtype=dtype, device=device)`` (t itself when nothing changes; like
    torch, the result is detached only where t was)."""
    if t.dtype == dtype and (device is None or (device.type == "cpu" and t.is_cpu)):
        return t  # the common case, without making device objects
    device = t.device if device is None else device
    if t.dtype == dtype and t.device == device:
        return t
    src = _np(t)
    if src is None or dtype not in _NUMPY or t.requires_grad:
        return t.to(dtype=dtype, device=device)
    out = torch.from_numpy(src.astype(_NUMPY[dtype]))
    return out if device.type == "cpu" else out.to(device=device)


def as_f64(t: torch.Tensor) -> torch.Tensor:
    """A detached, contiguous float64 CPU tensor with the values of t (no copy
    when t already is one)."""
    if t.dtype == F64 and t.is_cpu and not t.requires_grad and t.is_contiguous() and not t.is_neg():
        return t  # the common case, without a detach() (a torch op of ~1 µs)
    t = t.detach()
    if t.is_neg():
        # A negative-bit view's memory holds −values (Go reads the memory).
        t = t.resolve_neg()
    if t.device.type != "cpu":
        t = t.to(device=CPU)  # a device transfer, not an intra-op parallel region
    if t.dtype == F64 and t.is_contiguous():
        return t
    src = _np(t)
    if src is None:
        return t.to(dtype=F64).contiguous()
    return torch.from_numpy(np.ascontiguousarray(src, dtype=np.float64))


def contiguous(t: torch.Tensor) -> torch.Tensor:
    """``t.contiguous()`` of a CPU tensor. Gradients handed to autograd must be
    contiguous: autograd copies a non-contiguous gradient of a contiguous leaf
    with a torch op, which opens a parallel region above 32768 elements."""
    if t.is_contiguous():
        return t
    src = _np(t)
    if src is None:
        return t.contiguous()
    return torch.from_numpy(np.ascontiguousarray(src))


def grad_for(g: np.ndarray, t: torch.Tensor, batched: bool) -> torch.Tensor:
    """The gradient of input ``t`` from a float64 (batch, ...) array: summed over
    the batch when t is shared, contiguous (autograd would copy a view with a
    torch op), in t's shape, dtype and device."""
    if not batched:
        g = g.sum(axis=0)
    shape = t.shape
    if g.shape != shape:
        g = g.reshape(shape)
    tdt = t.dtype
    if tdt is not F64:
        dt = _NUMPY.get(tdt)
        if dt is not None:
            g = g.astype(dt)
    else:
        dt = np.float64
    if not g.flags.c_contiguous:
        g = np.ascontiguousarray(g)
    out = torch.from_numpy(g)
    if dt is None or not t.is_cpu:
        out = to(out, tdt, t.device)
    return out


def zeros(shape: tuple[int, ...], dtype: torch.dtype = F64) -> torch.Tensor:
    """``torch.zeros(shape, dtype=dtype)`` on the CPU."""
    return torch.from_numpy(np.zeros(shape, dtype=_NUMPY[dtype]))


def sum0(t: torch.Tensor) -> torch.Tensor:
    """``t.sum(dim=0)`` of a CPU tensor (numpy's pairwise summation)."""
    src = _np(t)
    if src is None:
        return t.sum(dim=0)
    return torch.from_numpy(np.ascontiguousarray(src.sum(axis=0)))


def first_nonfinite(t: torch.Tensor) -> tuple[int, ...] | None:
    """The index of the first non-finite value of a CPU tensor, or None.

    A finite sum proves every value finite (one pass, no temporary); only when
    the sum is not finite (a non-finite value, or an overflow) is each value
    tested."""
    src = _np(t)
    if src is None:
        bad = ~torch.isfinite(t)
        return tuple(int(i) for i in bad.nonzero()[0]) if bool(bad.any()) else None
    if src.size == 0 or math.isfinite(float(np.sum(src))):
        return None
    flat = np.flatnonzero(~np.isfinite(src))
    if len(flat) == 0:
        return None  # the sum overflowed; every value is finite
    return tuple(int(i) for i in np.unravel_index(int(flat[0]), src.shape))


def first_of_sign(t: torch.Tensor, sign: int) -> tuple[int, ...] | None:
    """The index of the first negative (sign = 1) or positive (sign = −1) value
    of a CPU tensor, or None."""
    src = _np(t)
    if src is None:
        bad = t < 0 if sign > 0 else t > 0
        return tuple(int(i) for i in bad.nonzero()[0]) if bool(bad.any()) else None
    flat = np.flatnonzero(src < 0 if sign > 0 else src > 0)
    if len(flat) == 0:
        return None
    return tuple(int(i) for i in np.unravel_index(int(flat[0]), src.shape))


class _PSDArgs(threading.local):
    """This thread's ctypes arguments of lpgd_check_psd, made once (building
    them costs more than the call for a small P)."""

    def __init__(self) -> None:
        self.op = _lib.COperand(0, 0)
        self.bad = ctypes.c_int64(-1)
        self.value = ctypes.c_double(0.0)
        self.op_ref = ctypes.byref(self.op)
        self.bad_ref = ctypes.byref(self.bad)
        self.value_ref = ctypes.byref(self.value)


_psd_args = _PSDArgs()


def check_psd(P: torch.Tensor, sym_tol: float, shift: float) -> tuple[int, float, np.ndarray]:
    """Go's symmetry and shifted-Cholesky test of a float64 CPU (batch, n, n)
    tensor, or (n, n) as a batch of one (see lpgd_check_psd in lpgd.h).

    Returns (first asymmetric element or −1, its max |P − Pᵀ|, info) where
    info[k] = 1 marks the elements whose shifted Cholesky factorization failed
    (filled only when every element is symmetric)."""
    assert P.dtype == F64 and P.is_contiguous() and P.dim() in (2, 3)
    B, n = (int(P.shape[0]) if P.dim() == 3 else 1), int(P.shape[-1])
    raw = (ctypes.c_int32 * max(B, 1))()
    a = _psd_args
    a.op.data, a.op.stride = P.data_ptr(), n * n
    err = _lib.err_buffer()
    rc = _lib.lib().lpgd_check_psd(
        n,
        B,
        a.op_ref,
        sym_tol,
        shift,
        a.bad_ref,
        a.value_ref,
        ctypes.addressof(raw),
        err,
        _lib.ERRLEN,
    )
    _lib.check(rc, err, "lpgd_check_psd")
    return a.bad.value, a.value.value, np.frombuffer(raw, dtype=np.int32)[:B]  # type: ignore[call-overload]


def psd_ok(P: torch.Tensor, sym_tol: float, shift: float) -> bool:
    """Whether ``check_psd`` finds every element symmetric and its shifted
    Cholesky factorization successful (the common case, without the arrays)."""
    B = int(P.shape[0]) if P.dim() == 3 else 1
    if B > 1:
        bad, _, info = check_psd(P, sym_tol, shift)
        return bad < 0 and not info.any()
    assert P.dtype == F64 and P.is_contiguous()
    n = int(P.shape[-1])
    a = _psd_args
    a.op.data, a.op.stride = P.data_ptr(), n * n
    status = ctypes.c_int32(0)
    err = _lib.err_buffer()
    rc = _lib.lib().lpgd_check_psd(
        n,
        1,
        a.op_ref,
        sym_tol,
        shift,
        a.bad_ref,
        a.value_ref,
        ctypes.addressof(status),
        err,
        _lib.ERRLEN,
    )
    _lib.check(rc, err, "lpgd_check_psd")
    return a.bad.value < 0 and status.value == 0
