"""Validation of every front end's arguments: tensors, shapes, batch sizes,
finiteness (and signs), symmetry and positive semidefiniteness, the call
context. Each error is a ValueError
that names the argument, the index and the batch element.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from . import _core, _lib, _serial

__all__ = [
    "Arg",
    "TensorLike",
    "batch_size",
    "check_call",
    "check_finite",
    "check_has_data",
    "check_no_func_transform",
    "check_psd",
    "check_shape",
    "fmt_shape",
    "operand",
    "psd_test",
    "to_tensor",
    "vector",
]

#: The dtypes of the common case (dense, real, floating).
_REAL_FLOATS = frozenset({torch.float64, torch.float32})

#: A torch.Tensor, or anything torch.as_tensor accepts.
TensorLike = Any

_TRACE_MESSAGE = (
    "lpgd_go layers cannot be traced with torch.jit.trace: the tracer does not see the "
    "solver writing the outputs, so the traced graph would return stale memory for new "
    "inputs. Use torch.compile (the solve runs as a graph break) or call the layer eagerly."
)


#: ``torch.jit.is_tracing`` without its Python frame (it returns this in
#: eager mode, where ``is_scripting()`` is False).
_is_tracing: Callable[[], bool] = getattr(
    torch._C,
    "_is_tracing",
    torch.jit.is_tracing,  # type: ignore[attr-defined]
)


_FUNC_MESSAGE = (
    "lpgd_go layers do not support torch.func transforms (vmap, grad, jacrev, jacfwd; "
    "also torch.autograd.functional.jacobian/hessian with vectorize=True, which use "
    "them): the solver reads and writes the tensors' memory, which the transforms' "
    "wrapped tensors do not have. Batch the inputs along a leading dimension instead "
    "of vmap, and take Jacobians with torch.autograd.functional.jacobian (vectorize=False) "
    "or one backward per output."
)

#: Whether a torch.func transform (vmap, grad, ...) is active; False where
#: this torch has no such query.
_func_active: Callable[[], bool] = getattr(
    torch._C, "_are_functorch_transforms_active", lambda: False
)


#: Whether a tensor is one of the batched tensors of vmap's legacy
#: implementation, which torch.autograd.functional's vectorize=True uses
#: (None where this torch has no such query; torch.func's own transforms
#: are caught by _func_active).
_is_batched: Callable[[torch.Tensor], bool] | None = getattr(
    getattr(torch._C, "_functorch", None), "is_legacy_batchedtensor", None
)


def check_call() -> None:
    """Checks before any work: not in a forked child (the Go runtime does not
    survive fork), not under torch.jit.trace and not under a torch.func
    transform (whose wrapped tensors have no storage for the solver)."""
    _lib.check_fork()
    if _is_tracing():
        raise RuntimeError(_TRACE_MESSAGE)
    check_no_func_transform()


def check_no_func_transform(*grads: torch.Tensor | None) -> None:
    """Raise a clear error under a torch.func transform, or for incoming
    gradients that are vmap's batched tensors (the backward that
    torch.autograd.functional.jacobian(vectorize=True) runs)."""
    if _func_active() or (
        _is_batched is not None and any(g is not None and _is_batched(g) for g in grads)
    ):
        raise RuntimeError(_FUNC_MESSAGE)


def check_has_data(name: str, t: torch.Tensor) -> None:
    """Reject meta tensors (a shape without data) with a clear error."""
    if t.is_meta:
        raise ValueError(
            f"{name} is a meta tensor (a shape without data); lpgd_go solves on real "
            "values: pass a CPU or CUDA tensor"
        )


def to_tensor(name: str, v: TensorLike) -> torch.Tensor:
    """``v`` as a dense, real, numeric tensor with data (no copy for a tensor)."""
    if isinstance(v, torch.Tensor):
        t = v
        if t.dtype in _REAL_FLOATS and t.layout == torch.strided and not t.is_meta:
            return t  # the common case, its checks in three attribute reads
    else:
        try:
            t = torch.as_tensor(v)
        except Exception as exc:
            raise ValueError(f"{name} must be a tensor, got {type(v).__name__}") from exc
    if t.layout != torch.strided:
        raise ValueError(f"{name} must be a dense tensor here, got layout {t.layout}")
    check_has_data(name, t)
    if t.is_complex():
        raise ValueError(f"{name} must be real, got dtype {t.dtype}")
    if t.dtype == torch.bool:
        raise ValueError(f"{name} must be numeric, got dtype {t.dtype}")
    return t


def vector(name: str, v: TensorLike, dim: str, *, nonempty: bool = False) -> torch.Tensor:
    """A required vector argument of shape (dim,) or (batch, dim) as a tensor
    (``nonempty``: dim ≥ 1)."""
    if v is None:
        raise ValueError(f"{name} is required")
    t = to_tensor(name, v)
    if t.dim() not in (1, 2):
        raise ValueError(f"{name} must have shape ({dim},) or (batch, {dim}), got {tuple(t.shape)}")
    if nonempty and t.shape[-1] == 0:
        raise ValueError(f"{name} must have at least one entry ({dim} >= 1)")
    return t


def fmt_shape(shape: tuple[object, ...]) -> str:
    """``(3,)``, ``(batch, m, n)``: a shape as Python writes a tuple."""
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def check_shape(
    name: str,
    t: torch.Tensor,
    shape: tuple[int, ...],
    labels: tuple[str, ...] | None = None,
    origins: Mapping[str, tuple[str, str]] | None = None,
) -> bool:
    """Check t against shape (shared) or (batch, *shape); return whether batched.

    ``labels`` name the dimensions in the message (``("m", "n")``); without them
    the message gives the numbers. ``origins`` maps a label to (argument, what):
    the argument its size was taken from, said in the message of another
    argument (``n=4 (the length of q)``)."""
    if t.dim() == len(shape) and tuple(t.shape) == shape:
        return False
    if t.dim() == len(shape) + 1 and tuple(t.shape[1:]) == shape:
        return True
    if labels is None:
        raise ValueError(
            f"{name} must have shape {fmt_shape(shape)} or {fmt_shape(('batch', *shape))}, "
            f"got {tuple(t.shape)}"
        )
    sizes = dict(zip(labels, shape, strict=True))  # each label once, in order
    parts = []
    for lab, d in sizes.items():
        src = (origins or {}).get(lab)
        parts.append(f"{lab}={d}" + (f" ({src[1]})" if src is not None and src[0] != name else ""))
    want = ", ".join(parts)
    raise ValueError(
        f"{name} must have shape {fmt_shape(labels)} or {fmt_shape(('batch', *labels))} "
        f"with {want}, got {tuple(t.shape)}"
    )


def batch_size(sizes: Mapping[str, int], what: str = "arguments") -> int:
    """The common leading size of the batched arguments (1 when none is batched)."""
    if len(set(sizes.values())) > 1:
        listing = ", ".join(f"{k} has {v}" for k, v in sizes.items())
        raise ValueError(f"batch sizes of the {what} differ: {listing}")
    B = next(iter(sizes.values())) if sizes else 1
    if B == 0:
        raise ValueError(f"the batch size must be at least 1, got 0 (from {next(iter(sizes))})")
    return B


def check_finite(
    name: str,
    buf: torch.Tensor,
    batched: bool,
    entries: tuple[np.ndarray, np.ndarray] | None = None,
    *,
    sign: int = 0,
    declared: str = "",
) -> None:
    """Raise on the first non-finite value, naming its index and batch element.

    ``entries`` = (rows, cols) maps the index of a value vector to its (row, col)
    entry (sparse matrices given by their values). ``sign`` = 1 (−1) also
    rejects negative (positive) values, for parameters declared nonneg (nonpos),
    or pos (neg): ``declared`` names the attribute in the message.
    """
    # numpy on the calling thread, never torch's thread pool (see _serial).
    found = _serial.first_nonfinite(buf)
    problem = "a non-finite value"
    if found is None:
        if sign == 0:
            return
        found = _serial.first_of_sign(buf, sign)
        if found is None:
            return
        declared = declared or ("nonneg" if sign > 0 else "nonpos")
        kind = "negative" if sign > 0 else "positive"
        problem = f"a {kind} value (the parameter is declared {declared})"
    if buf.dim() == 0:
        raise ValueError(f"{name} contains {problem} ({float(buf)})")
    idx = found
    value = float(buf[idx])
    entry: tuple[int, ...] = idx[1:] if batched else idx
    if entries is not None:
        rows, cols = entries
        entry = (int(rows[entry[0]]), int(cols[entry[0]]))
    if not entry:
        where = f"batch element {idx[0]}"
    else:
        where = f"index {entry}"
        where += f" of batch element {idx[0]}" if batched else " (shared across the batch)"
    raise ValueError(f"{name} contains {problem} ({value}) at {where}")


def psd_test(dtype: torch.dtype) -> tuple[float, float]:
    """(sym_tol, shift) of the PSD test for a P given in ``dtype``: what
    ``check_psd`` passes to ``lpgd_check_psd``, and what the front ends put in
    ``lpgd_values`` so that ``lpgd_solve`` makes the test in the same call
    (on a rejection they call ``check_psd`` for the message)."""
    eps = _EPS.get(dtype)
    if eps is None:
        eps = torch.finfo(dtype if dtype.is_floating_point else torch.float64).eps
    return (1e3 * eps, _PSD_SHIFT)


_PSD_SHIFT = 1e-8


def check_psd(
    name: str,
    P: torch.Tensor,
    batched: bool,
    dtype: torch.dtype,
    before_error: Callable[[], None] | None = None,
) -> None:
    """P (float64, (n, n) or (batch, n, n)) symmetric to a tolerance scaled by
    the eps of its given ``dtype``, and positive semidefinite.

    The library tests every element (``lpgd_check_psd``, on the calling thread
    for small batches: no torch op here may wake torch's thread pool, see
    _serial): symmetry as max |P − Pᵀ| ≤ 1e3·eps·max(1, max |P|), then a
    Cholesky factorization of P + 1e-8·max(1, ‖P‖_F)·I (several times cheaper
    than eigenvalues), which accepts every P whose smallest eigenvalue is at
    least −1e-8·‖P‖₂. Only the elements it rejects get the eigenvalue test,
    which decides and gives the error message.

    ``before_error`` runs before either error is raised: the front ends pass
    their finiteness checks, which Go's read pass makes on the happy path,
    so that a non-finite P (or an earlier argument) is reported as such."""
    n = P.shape[-1]
    if n == 0:
        return
    sym_tol, shift = psd_test(dtype)
    # An unbatched P is a batch of one for Go (no unsqueeze: a torch op).
    P64 = _core.as_f64(P)
    if _serial.psd_ok(P64, sym_tol, shift):
        return
    k, asym, info = _serial.check_psd(P64, sym_tol, shift)
    if before_error is not None:
        before_error()
    if k >= 0:
        which = f"{name} (batch element {k})" if batched else name
        Pk = P64.numpy()[k] if batched else P64.numpy()
        flat = int(np.argmax(np.abs(Pk - Pk.T)))
        r, c = divmod(flat, Pk.shape[-1])
        i, j = min(r, c), max(r, c)
        raise ValueError(
            f"{which} is not symmetric: max |P - P^T| = {asym:.3g} at index ({i}, {j}) "
            f"(P[{i}, {j}] = {Pk[i, j]:.6g}, P[{j}, {i}] = {Pk[j, i]:.6g}); "
            "symmetrize it, e.g. (P + P.mT) / 2"
        )
    check = np.flatnonzero(info)
    Pb = (P if batched else P.unsqueeze(0)).detach()
    eig = torch.linalg.eigvalsh(Pb[torch.from_numpy(check)])
    norm = eig.abs().amax(dim=-1).clamp(min=1.0)
    bad = (eig[:, 0] < -1e-8 * norm).nonzero()
    if len(bad):
        j = int(bad[0])
        k = int(check[j])
        which = f"{name} (batch element {k})" if batched else name
        raise ValueError(
            f"{which} is not positive semidefinite: min eigenvalue {float(eig[j, 0]):.3g}"
        )


_F64 = torch.float64


def _checked(
    name: str, t: torch.Tensor, batched: bool, entries: tuple[np.ndarray, np.ndarray] | None
) -> Arg:
    check_finite(name, t, batched, entries)
    return Arg(t, batched, t)


_EPS = {t: torch.finfo(t).eps for t in (torch.float64, torch.float32, torch.float16)}


@dataclass
class Arg:
    """One validated operand of the conic core.

    ``tensor`` is what autograd sees (the caller's tensor or a differentiable
    function of it); ``buf`` its values as a contiguous float64 CPU tensor
    (the memory handed to Go); ``batched`` whether it has a leading batch dim."""

    tensor: torch.Tensor
    batched: bool
    buf: torch.Tensor


def operand(
    name: str,
    t: torch.Tensor,
    batched: bool,
    entries: tuple[np.ndarray, np.ndarray] | None = None,
    *,
    finite: bool = True,
) -> Arg:
    """An Arg for t, its float64 buffer checked for non-finite values
    (``finite=False`` skips the check for values computed from checked ones).
    A float64 CPU contiguous t is its own buffer, also when it requires a
    gradient (only its memory is read: no detach(), a torch op per argument),
    unless it has the negative bit (its memory holds −values)."""
    if t.dtype == _F64 and t.is_cpu and t.is_contiguous() and not t.is_neg():
        return Arg(t, batched, t) if not finite else _checked(name, t, batched, entries)
    buf = _core.as_f64(t)
    if finite:
        check_finite(name, buf, batched, entries)
    return Arg(t, batched, buf)
