"""Differentiable conic programs in the canonical form of capi/lpgd.h (diffcp-like).

    minimize    ½ xᵀ P x + cᵀ x
    subject to  A x + s = b,   s ∈ K
    K = Zero(zero) × Nonneg(nonneg) × SOC(q₁) × … × SOC(q_k)

with primal x ∈ Rⁿ, slack s ∈ Rᵐ and dual y ∈ K* (``Px + Aᵀy + c = 0``). The
cone rows of A are ordered as in ``Cones``: first the zero rows, then the
nonnegative rows, then one block per second-order cone ``{(t, u): ‖u‖ ≤ t}``
(t first).

Matrices may be given

* dense: a tensor of shape (rows, cols) or (batch, rows, cols);
* as a torch sparse tensor (COO or CSR; CSC without gradient) of shape
  (rows, cols), shared across the batch; its gradient is a sparse tensor with
  the same pattern (autograd's usual result for a sparse leaf);
* as a ``SparseMatrix(pattern, values)``: a fixed scipy.sparse pattern and a
  values tensor of shape (nnz,) or (batch, nnz); the gradient is on the values
  (same shape), i.e. on the pattern;
* as a plain scipy.sparse matrix (constant data, no gradient).

P is the full symmetric matrix (both triangles, like a dense P); the problem
uses its symmetric part, and for a sparse P the pattern handed to the solver is
the upper triangle of the union of the patterns of P and Pᵀ. P = None gives a
linear objective (LP, SOCP).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.autograd.function import once_differentiable

from . import _core, _lib
from ._core import F64, Operand
from .backward import BPQP, BackwardMethod
from .qp import (  # shared validation, options and type aliases
    OnFailure,
    TensorLike,
    _backward_failure_message,
    _check_finite,
    _check_psd,
    _check_shape,
    _failure_message,
    _Options,
    _resolve_options,
    _to_tensor,
)
from .settings import LINEAR_SOLVERS, SolverSettings
from .status import OK_STATUSES, SolverError

__all__ = ["ConeInfo", "ConeLayer", "Cones", "SparseMatrix", "solve_cone"]


_OK_CODES = frozenset(int(s) for s in OK_STATUSES)

#: Analysed structures (sizes, cones, patterns) kept for reuse across calls.
STRUCTURE_CACHE_SIZE = 64


# ---------------------------------------------------------------------------
# Public data types
# ---------------------------------------------------------------------------


def _is_int(v: object) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


@dataclass(frozen=True)
class Cones:
    """Cone dimensions, in the order the rows of A use them.

    Attributes:
        zero: number of equality rows (s = 0).
        nonneg: number of inequality rows (s ≥ 0).
        soc: dimensions of the second-order cones ``{(t, u): ‖u‖₂ ≤ t}``, each ≥ 1
            (the first row of each block is t).
    """

    zero: int = 0
    nonneg: int = 0
    soc: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        for name in ("zero", "nonneg"):
            v = getattr(self, name)
            if not _is_int(v) or v < 0:
                raise ValueError(f"Cones.{name} must be an int >= 0, got {v!r}")
            object.__setattr__(self, name, int(v))
        soc: Any = self.soc
        if _is_int(soc) or isinstance(soc, (str, bytes)):
            raise ValueError(
                f"Cones.soc must be a sequence of cone dimensions (e.g. soc=[3]), got {soc!r}"
            )
        try:
            items = list(soc)
        except TypeError:
            raise ValueError(
                f"Cones.soc must be a sequence of cone dimensions, got {type(soc).__name__}"
            ) from None
        for i, q in enumerate(items):
            if not _is_int(q) or q < 1:
                raise ValueError(f"Cones.soc[{i}] must be an int >= 1, got {q!r}")
        object.__setattr__(self, "soc", tuple(int(q) for q in items))

    @property
    def dim(self) -> int:
        """Total number of rows: zero + nonneg + sum(soc)."""
        return self.zero + self.nonneg + sum(self.soc)


@dataclass
class SparseMatrix:
    """A sparse matrix with a fixed pattern and (optionally batched) values.

    Attributes:
        pattern: a scipy.sparse matrix or array (any format) whose stored entries,
            explicit zeros included, are the pattern; its own values are ignored.
            Entries must be unique.
        values: tensor of shape (nnz,) or (batch, nnz); ``values[..., k]`` is the
            value of the k-th stored entry in ``pattern.tocoo()`` order (the storage
            order for COO, CSR and CSC). Gradients flow to it (same shape).
    """

    pattern: Any
    values: TensorLike


@dataclass
class ConeInfo:
    """Per-sample details of a solve (leading batch dim unless the call was unbatched).

    Attributes:
        status: int32 tensor of ``Status`` codes.
        objective: primal objective ½xᵀPx + cᵀx (NaN for failed samples).
        dual_objective: dual objective.
        iterations: interior-point iterations (int64).
        primal_residual, dual_residual: relative residuals at the returned point.
        gap: relative duality gap.
    """

    status: torch.Tensor
    objective: torch.Tensor
    dual_objective: torch.Tensor
    iterations: torch.Tensor
    primal_residual: torch.Tensor
    dual_residual: torch.Tensor
    gap: torch.Tensor


# ---------------------------------------------------------------------------
# Validation helpers
# ---------------------------------------------------------------------------


def _is_scipy_sparse(v: object) -> bool:
    try:
        import scipy.sparse as sp
    except ImportError:  # pragma: no cover - scipy is optional
        return False
    return bool(sp.issparse(v))


def _digest(*arrays: np.ndarray) -> str:
    h = hashlib.blake2b(digest_size=16)
    for a in arrays:
        h.update(np.ascontiguousarray(a, dtype=np.int64).tobytes())
        h.update(b"|")
    return h.hexdigest()


@dataclass
class _Mat:
    """One matrix argument prepared for the solver.

    ``tensor`` is what the autograd Function receives (differentiable): the dense
    matrix, or the values on the solver's CSC pattern (already permuted and, for
    P, reduced to the upper triangle by differentiable torch ops)."""

    tensor: torch.Tensor
    batched: bool
    pattern: tuple[np.ndarray, np.ndarray] | None  # CSC (colptr, rowval); None = dense
    digest: str | None
    entry_rows: np.ndarray | None = None  # row/col of every CSC entry (for messages)
    entry_cols: np.ndarray | None = None


def _sparse_entries(
    name: str, v: object, rows: int, cols: int
) -> tuple[np.ndarray, np.ndarray, torch.Tensor, bool]:
    """(row indices, col indices, values (…, nnz) differentiable, batched) of a sparse
    argument, in the argument's own entry order."""
    if isinstance(v, SparseMatrix):
        pat = v.pattern
        if not _is_scipy_sparse(pat):
            raise ValueError(
                f"{name}.pattern must be a scipy.sparse matrix or array, got {type(pat).__name__}"
            )
        if tuple(pat.shape) != (rows, cols):
            raise ValueError(f"{name}.pattern must have shape ({rows}, {cols}), got {pat.shape}")
        coo = pat.tocoo()
        r = np.asarray(coo.row, dtype=np.int64)
        c = np.asarray(coo.col, dtype=np.int64)
        vals = _to_tensor(f"{name}.values", v.values)
        nnz = len(r)
        if vals.dim() == 1 and vals.shape[0] == nnz:
            batched = False
        elif vals.dim() == 2 and vals.shape[1] == nnz:
            batched = True
        else:
            raise ValueError(
                f"{name}.values must have shape (nnz,) or (batch, nnz) with nnz={nnz} "
                f"(the pattern's stored entries), got {tuple(vals.shape)}"
            )
        return r, c, vals, batched
    if _is_scipy_sparse(v):
        if tuple(v.shape) != (rows, cols):  # type: ignore[attr-defined]
            raise ValueError(f"{name} must have shape ({rows}, {cols}), got {v.shape}")  # type: ignore[attr-defined]
        coo = v.tocsr().tocoo()  # type: ignore[attr-defined]  # sums duplicates
        vals = torch.as_tensor(np.asarray(coo.data, dtype=np.float64))
        r = np.asarray(coo.row, dtype=np.int64)
        c = np.asarray(coo.col, dtype=np.int64)
        return r, c, vals, False
    assert isinstance(v, torch.Tensor)
    if v.dim() != 2:
        raise ValueError(
            f"{name}: a torch sparse tensor must be 2-D ({rows}, {cols}) and is shared across "
            f"the batch, got shape {tuple(v.shape)}; for batched sparse values use "
            "lpgd_go.SparseMatrix(pattern, values)"
        )
    if tuple(v.shape) != (rows, cols):
        raise ValueError(f"{name} must have shape ({rows}, {cols}), got {tuple(v.shape)}")
    if v.is_complex():
        raise ValueError(f"{name} must be real, got dtype {v.dtype}")
    if v.layout == torch.sparse_coo:
        if v.dense_dim() != 0:
            raise ValueError(f"{name}: hybrid sparse COO tensors are not supported")
        t = v if v.is_coalesced() else v.coalesce()
        idx = t.indices().cpu().numpy()
        return idx[0].astype(np.int64), idx[1].astype(np.int64), t.values(), False
    if v.layout == torch.sparse_csr:
        crow = v.crow_indices().cpu().numpy().astype(np.int64)
        c = v.col_indices().cpu().numpy().astype(np.int64)
        r = np.repeat(np.arange(rows, dtype=np.int64), np.diff(crow))
        return r, c, v.values(), False
    if v.layout == torch.sparse_csc:
        if v.requires_grad:
            raise ValueError(
                f"{name}: torch autograd does not support gradients of sparse CSC tensors; "
                "pass a COO or CSR tensor (e.g. A.to_sparse_coo()) or lpgd_go.SparseMatrix"
            )
        ccol = v.ccol_indices().cpu().numpy().astype(np.int64)
        r = v.row_indices().cpu().numpy().astype(np.int64)
        c = np.repeat(np.arange(cols, dtype=np.int64), np.diff(ccol))
        return r, c, v.values(), False
    raise ValueError(f"{name}: unsupported sparse layout {v.layout} (use COO or CSR)")


def _check_unique(name: str, r: np.ndarray, c: np.ndarray, cols: int) -> None:
    key = r * cols + c
    uniq, counts = np.unique(key, return_counts=True)
    if len(uniq) != len(key):
        k = int(uniq[np.argmax(counts > 1)])
        raise ValueError(f"{name} has duplicate entries at ({k // cols}, {k % cols})")


def _sparse_mat(name: str, v: object, rows: int, cols: int, symmetric: bool) -> _Mat:
    r, c, vals, batched = _sparse_entries(name, v, rows, cols)
    _check_unique(name, r, c, cols)
    if not vals.is_floating_point():
        vals = vals.to(torch.get_default_dtype())
    dev = vals.device
    if not symmetric:
        order = np.lexsort((r, c))  # by column, then row: CSC order
        if not np.array_equal(order, np.arange(len(order))):
            vals = vals[..., torch.as_tensor(order, device=dev)]
        r, c = r[order], c[order]
        colptr = np.zeros(cols + 1, dtype=np.int64)
        np.cumsum(np.bincount(c, minlength=cols), out=colptr[1:])
        return _Mat(vals, batched, (colptr, r), _digest(colptr, r), r, c)
    # P: values on the upper triangle of the union pattern, v_ij = ½(P_ij + P_ji).
    ui, uj = np.minimum(r, c), np.maximum(r, c)
    key = uj * rows + ui  # sorted keys = CSC order of the upper triangle
    uniq, inv = np.unique(key, return_inverse=True)
    inv_t = torch.as_tensor(inv.reshape(-1), device=dev)
    diag = r == c
    weight = torch.as_tensor(np.where(diag, 1.0, 0.5), device=dev, dtype=vals.dtype)
    sign = torch.as_tensor(np.sign(c - r).astype(np.float64), device=dev, dtype=vals.dtype)
    shape = (*vals.shape[:-1], len(uniq))
    if len(r):
        with torch.no_grad():
            asym = torch.zeros(shape, dtype=vals.dtype, device=dev).index_add_(
                -1, inv_t, vals.detach() * sign
            )
            scale = float(vals.detach().abs().max().clamp(min=1.0))
            eps = torch.finfo(vals.dtype).eps if vals.dtype.is_floating_point else 2.2e-16
            bad = asym.abs() > 1e3 * eps * scale
            if bool(bad.any()):
                where = bad.nonzero()[0]
                k = int(where[-1])
                i, j = int(uniq[k] % rows), int(uniq[k] // rows)
                batch = f" (batch element {int(where[0])})" if batched else ""
                raise ValueError(
                    f"{name} is not symmetric{batch}: {name}[{i}, {j}] - {name}[{j}, {i}] = "
                    f"{float(asym[tuple(int(w) for w in where)]):.3g}; give the full symmetric "
                    "matrix (both triangles)"
                )
    up = torch.zeros(shape, dtype=vals.dtype, device=dev).index_add(-1, inv_t, vals * weight)
    urow = (uniq % rows).astype(np.int64)
    ucol = (uniq // rows).astype(np.int64)
    colptr = np.zeros(cols + 1, dtype=np.int64)
    np.cumsum(np.bincount(ucol, minlength=cols), out=colptr[1:])
    return _Mat(up, batched, (colptr, urow), _digest(colptr, urow), urow, ucol)


def _is_sparse_arg(v: object) -> bool:
    if isinstance(v, SparseMatrix) or _is_scipy_sparse(v):
        return True
    return isinstance(v, torch.Tensor) and v.layout != torch.strided


def _matrix(name: str, v: object, rows: int, cols: int, symmetric: bool) -> _Mat:
    if _is_sparse_arg(v):
        return _sparse_mat(name, v, rows, cols, symmetric)
    t = _to_tensor(name, v)
    labels = ("n", "n") if symmetric else ("m", "n")
    batched = _check_shape(name, t, (rows, cols), labels)
    return _Mat(t, batched, None, None)


# ---------------------------------------------------------------------------
# Options (``_Options`` and ``_resolve_options`` are shared with qp.py)
# ---------------------------------------------------------------------------


def _check_backward_cones(backward: BackwardMethod, cones: Cones) -> None:
    if isinstance(backward, BPQP) and cones.soc:
        raise ValueError(
            "backward='bpqp' supports zero and nonnegative cones only; use backward='kkt' "
            "or 'lpgd' (lpgd_go.LPGD) for problems with second-order cones"
        )


# ---------------------------------------------------------------------------
# The structure cache
# ---------------------------------------------------------------------------


def cone_structure(
    n: int,
    cones: Cones,
    has_p: bool,
    p_pattern: tuple[np.ndarray, np.ndarray] | None,
    a_pattern: tuple[np.ndarray, np.ndarray] | None,
    linear_solver: str,
    *,
    p_digest: str | None = None,
    a_digest: str | None = None,
) -> _core.Structure:
    """The cached Go structure of a conic program (dense layout where a pattern is None)."""
    if p_pattern is not None and p_digest is None:
        p_digest = _digest(*p_pattern)
    if a_pattern is not None and a_digest is None:
        a_digest = _digest(*a_pattern)
    key = ("cone", n, cones.zero, cones.nonneg, cones.soc, has_p, p_digest, a_digest)
    key += (linear_solver,)
    return _core.cached_structure(
        key,
        lambda: _core.Structure(
            n,
            cones.zero,
            cones.nonneg,
            has_p=has_p,
            linear_solver=LINEAR_SOLVERS[linear_solver],
            soc=cones.soc,
            p_pattern=p_pattern if has_p else None,
            a_pattern=a_pattern,
        ),
        limit=STRUCTURE_CACHE_SIZE,
    )


# ---------------------------------------------------------------------------
# Solve and differentiate
# ---------------------------------------------------------------------------


class ConeRun:
    """One forward call on a batch: the structure, float64 CPU operands, options,
    and (after ``solve``) the raw solution the backward pass needs.

    ``inputs`` are the tensors the autograd Function receives (P, c, A, b; P may
    be None), each of shape (per-sample shape) or (batch, per-sample shape)
    according to ``batched``. Outputs of ``solve`` are float64 CPU, shape (B, ·).
    """

    def __init__(
        self,
        structure: _core.Structure,
        batch: int,
        inputs: tuple[torch.Tensor | None, torch.Tensor, torch.Tensor, torch.Tensor],
        batched: tuple[bool, bool, bool, bool],
        opts: _Options,
        what: str = "cone program",
    ) -> None:
        self.structure = structure
        self.batch = batch
        self.inputs = inputs
        self.batched = batched
        self.opts = opts
        self.what = what
        self.settings_c = opts.settings.to_c()
        st = structure
        sizes = (int(np.prod(st.p_shape)), st.n, int(np.prod(st.a_shape)), st.m)
        ops: list[Operand] = []
        for t, is_b, size in zip(inputs, batched, sizes, strict=True):
            if t is None:
                ops.append(Operand(None, 0))
                continue
            buf = _core.as_f64(t)
            ops.append(Operand(buf, size if is_b else 0))
        self.P, self.c, self.A, self.b = ops
        self.result: _core.SolveResult | None = None
        self.ok: torch.Tensor | None = None

    def solve(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Solve; apply on_failure; return float64 CPU (x, y, s) of shape (B, ·)."""
        res = _core.solve(
            self.structure, self.settings_c, self.batch, self.P, self.c, self.A, self.b
        )
        x, y, s = res.x, res.y, res.s
        # The run outlives the call in the autograd context: it must not hold the
        # outputs (a cycle through the C++ graph node that the GC cannot break);
        # the backward pass gets them from save_for_backward.
        res.x = res.y = res.s = None  # type: ignore[assignment]
        self.result = res
        ok = torch.tensor([int(v) in _OK_CODES for v in res.status.tolist()], dtype=torch.bool)
        self.ok = ok
        if not bool(ok.all()):
            bad = (~ok).nonzero().flatten().tolist()
            if self.opts.on_failure == "raise":
                raise SolverError(
                    _failure_message(self.what, bad, res.status, len(res.status) == 1),
                    res.status,
                    bad,
                )
            nan = float("nan")
            x, y, s = x.clone(), y.clone(), s.clone()
            x[~ok] = nan
            y[~ok] = nan
            s[~ok] = nan
            res.info[~ok, _lib.INFO_PRIMAL_OBJ] = nan
            res.info[~ok, _lib.INFO_DUAL_OBJ] = nan
        return x, y, s

    def backward(
        self,
        gx: torch.Tensor | None,
        gy: torch.Tensor | None,
        gs: torch.Tensor | None,
        needs: tuple[bool, bool, bool, bool],
        solution: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
    ) -> tuple[torch.Tensor | None, ...]:
        """Gradients for (P, c, A, b), each shaped, typed and placed like its input;
        ``solution`` is the float64 (x, y, s) that ``solve`` returned."""
        res = self.result
        assert res is not None and self.ok is not None
        ok = self.ok
        st = self.structure
        B, n, m = self.batch, st.n, st.m
        need_P, need_c, need_A, need_b = needs
        need_P = need_P and st.has_p and self.inputs[0] is not None
        all_ok = bool(ok.all())

        def grad_in(g: torch.Tensor | None, width: int) -> torch.Tensor | None:
            if g is None:
                return None
            g = _core.as_f64(g).reshape(B, width)
            if not all_ok:
                g = g.clone()
                g[~ok] = 0.0
            return g

        gx64 = grad_in(gx, n)
        if gx64 is None:
            gx64 = torch.zeros((B, n), dtype=F64)
        gy64 = grad_in(gy, m)
        gs64 = grad_in(gs, m)
        x, y, s = solution
        if not all_ok:
            x, y, s = x.clone(), y.clone(), s.clone()
            x[~ok] = 0.0
            y[~ok] = 0.0
            s[~ok] = 0.0
        out = _core.backward(
            st,
            self.settings_c,
            self.opts.backward.to_c(),
            B,
            self.P,
            self.c,
            self.A,
            self.b,
            x.contiguous(),
            y.contiguous(),
            s.contiguous(),
            res.status,
            gx64,
            gy64,
            gs64,
            need_P=need_P,
            need_c=need_c,
            need_A=need_A,
            need_b=need_b,
        )
        bw_ok = torch.tensor([int(v) in _OK_CODES for v in out.status.tolist()], dtype=torch.bool)
        failed = ok & ~bw_ok
        if bool(failed.any()):
            idx = failed.nonzero().flatten().tolist()
            if self.opts.on_failure == "raise":
                msg = _backward_failure_message(
                    self.what, idx, out.status, self.opts.backward, out.message
                )
                raise SolverError(msg, out.status, idx)
            for g in (out.gP, out.gc, out.gA, out.gb):
                if g is not None:
                    g[failed] = 0.0
        raw = (out.gP if need_P else None, out.gc, out.gA, out.gb)
        grads: list[torch.Tensor | None] = []
        for g, t, is_b, need in zip(raw, self.inputs, self.batched, needs, strict=True):
            if g is None or t is None or not need:
                grads.append(None)
                continue
            if not is_b:
                g = g.sum(dim=0)
            grads.append(g.reshape(t.shape).to(dtype=t.dtype, device=t.device))
        return tuple(grads)

    def info(self, unbatched: bool, dtype: torch.dtype, device: torch.device) -> ConeInfo:
        """The ConeInfo of the last solve."""
        res = self.result
        assert res is not None
        inf = res.info
        iterations = inf[:, _lib.INFO_ITER]
        iterations = torch.where(
            torch.isfinite(iterations), iterations, torch.zeros_like(iterations)
        )
        cols = {
            "objective": _lib.INFO_PRIMAL_OBJ,
            "dual_objective": _lib.INFO_DUAL_OBJ,
            "primal_residual": _lib.INFO_RES_PRIMAL,
            "dual_residual": _lib.INFO_RES_DUAL,
            "gap": _lib.INFO_GAP_REL,
        }
        vals: dict[str, torch.Tensor] = {
            k: inf[:, col].to(dtype=dtype, device=device) for k, col in cols.items()
        }
        status = res.status
        its = iterations.to(torch.int64)
        if unbatched:
            status, its = status[0], its[0]
            vals = {k: v[0] for k, v in vals.items()}
        return ConeInfo(status=status, iterations=its, **vals)


class ConeFunction(torch.autograd.Function):
    """autograd Function around ``ConeRun``: inputs (run, P, c, A, b), outputs
    float64 CPU (x, y, s) of shape (B, ·)."""

    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any,
        run: ConeRun,
        P: torch.Tensor | None,
        c: torch.Tensor,
        A: torch.Tensor,
        b: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x, y, s = run.solve()
        ctx.run = run
        ctx.set_materialize_grads(False)
        # The float64 buffers in run may share memory with the inputs: saving the
        # inputs lets autograd detect in-place changes before backward.
        # x, y, s are saved here, never held by run: an output held by the context
        # outside save_for_backward is a reference cycle the GC cannot collect.
        ctx.save_for_backward(P, c, A, b, x, y, s)
        return x, y, s

    @staticmethod
    @once_differentiable
    def backward(  # type: ignore[override]
        ctx: Any,
        gx: torch.Tensor | None,
        gy: torch.Tensor | None,
        gs: torch.Tensor | None,
    ) -> tuple[torch.Tensor | None, ...]:
        run: ConeRun = ctx.run
        saved = ctx.saved_tensors  # raises if an input was modified in place
        needs = tuple(ctx.needs_input_grad[1:])
        if not any(needs) or (gx is None and gy is None and gs is None):
            return (None,) * 5
        return (None, *run.backward(gx, gy, gs, needs, saved[4:]))  # type: ignore[arg-type]


def run_cone(
    run: ConeRun,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Solve through the autograd Function when an input needs a gradient, else
    directly; float64 CPU (x, y, s) of shape (B, ·)."""
    needs_grad = torch.is_grad_enabled() and any(
        t is not None and t.requires_grad for t in run.inputs
    )
    if needs_grad:
        return ConeFunction.apply(run, *run.inputs)  # type: ignore[no-any-return]
    return run.solve()


# ---------------------------------------------------------------------------
# solve_cone / ConeLayer
# ---------------------------------------------------------------------------


def _prepare(
    P: object | None, c: TensorLike, A: object, b: TensorLike, cones: Cones
) -> tuple[
    int,
    bool,
    tuple[_Mat | None, torch.Tensor, _Mat, torch.Tensor],
    tuple[bool, bool, bool, bool],
    torch.dtype,
    torch.device,
]:
    if not isinstance(cones, Cones):
        raise ValueError(
            f"cones must be an lpgd_go.Cones(zero=..., nonneg=..., soc=[...]), got "
            f"{type(cones).__name__}"
        )
    if c is None:
        raise ValueError("c is required")
    ct = _to_tensor("c", c)
    if ct.dim() not in (1, 2):
        raise ValueError(f"c must have shape (n,) or (batch, n), got {tuple(ct.shape)}")
    n = int(ct.shape[-1])
    if n == 0:
        raise ValueError("c must have at least one entry (n >= 1)")
    if b is None or A is None:
        raise ValueError("A and b are required (for no constraints give A of shape (0, n))")
    bt = _to_tensor("b", b)
    if bt.dim() not in (1, 2):
        raise ValueError(f"b must have shape (m,) or (batch, m), got {tuple(bt.shape)}")
    m = int(bt.shape[-1])
    if cones.dim != m:
        raise ValueError(
            f"cones cover {cones.dim} rows (zero={cones.zero}, nonneg={cones.nonneg}, "
            f"soc={list(cones.soc)}), but b has m={m} rows"
        )
    c_b = _check_shape("c", ct, (n,), ("n",))
    b_b = _check_shape("b", bt, (m,), ("m",))
    Am = _matrix("A", A, m, n, symmetric=False)
    Pm = None if P is None else _matrix("P", P, n, n, symmetric=True)

    batched = (Pm.batched if Pm is not None else False, c_b, Am.batched, b_b)
    tensors = (None if Pm is None else Pm.tensor, ct, Am.tensor, bt)
    sizes = {
        name: int(t.shape[0])
        for name, t, is_b in zip(("P", "c", "A", "b"), tensors, batched, strict=True)
        if is_b and t is not None
    }
    if len(set(sizes.values())) > 1:
        listing = ", ".join(f"{k} has {v}" for k, v in sizes.items())
        raise ValueError(f"batch sizes of the arguments differ: {listing}")
    unbatched = not sizes
    out_dtype = ct.dtype if ct.is_floating_point() else torch.get_default_dtype()
    return n, unbatched, (Pm, ct, Am, bt), batched, out_dtype, ct.device


def _cone(
    P: object | None,
    c: TensorLike,
    A: object,
    b: TensorLike,
    cones: Cones,
    opts: _Options,
) -> tuple[torch.Tensor, ...]:
    _lib.check_fork()
    _check_backward_cones(opts.backward, cones)
    n, unbatched, (Pm, ct, Am, bt), batched, out_dtype, out_device = _prepare(P, c, A, b, cones)
    tensors = (None if Pm is None else Pm.tensor, ct, Am.tensor, bt)
    B = 1
    for t, is_b in zip(tensors, batched, strict=True):
        if is_b and t is not None:
            B = int(t.shape[0])
    # Finite checks naming the argument, the entry and the batch element.
    for name, t, is_b, mat in zip(
        ("P", "c", "A", "b"), tensors, batched, (Pm, None, Am, None), strict=True
    ):
        if t is not None:
            entries = None
            if mat is not None and mat.pattern is not None:
                entries = (mat.entry_rows, mat.entry_cols)
            _check_finite(name, t.detach(), is_b, entries)
    if Pm is not None and Pm.pattern is None:
        _check_psd(_core.as_f64(Pm.tensor), Pm.batched, Pm.tensor.dtype)
    st = cone_structure(
        n,
        cones,
        Pm is not None,
        None if Pm is None else Pm.pattern,
        Am.pattern,
        opts.settings.linear_solver,
        p_digest=None if Pm is None else Pm.digest,
        a_digest=Am.digest,
    )
    run = ConeRun(st, B, tensors, batched, opts)  # type: ignore[arg-type]
    x, y, s = run_cone(run)

    def conv(t: torch.Tensor) -> torch.Tensor:
        if unbatched:
            t = t[0]
        return t.to(dtype=out_dtype, device=out_device)

    outs: tuple[torch.Tensor, ...] = (conv(x), conv(y), conv(s))
    if opts.return_info:
        outs = (*outs, run.info(unbatched, out_dtype, out_device))  # type: ignore[arg-type]
    return outs


def solve_cone(
    P: object | None,
    c: TensorLike,
    A: object,
    b: TensorLike,
    cones: Cones,
    *,
    backward: BackwardMethod | str = "kkt",
    settings: SolverSettings | dict[str, Any] | None = None,
    on_failure: OnFailure = "raise",
    return_info: bool = False,
) -> tuple[torch.Tensor, ...]:
    """Solve ``min ½xᵀPx + cᵀx s.t. Ax + s = b, s ∈ K`` differentiably.

    Args:
        P: None (linear objective), a dense (n, n) or (batch, n, n) symmetric PSD
            tensor, a 2-D torch sparse tensor (COO/CSR), a ``SparseMatrix`` or a
            scipy.sparse matrix; always the full symmetric matrix.
        c: (n,) or (batch, n); its dtype and device are those of the outputs.
        A: (m, n) or (batch, m, n) dense, or sparse as for P.
        b: (m,) or (batch, m).
        cones: ``Cones(zero=..., nonneg=..., soc=[...])`` with ``cones.dim == m``.
        backward: ``"kkt"``, ``"lpgd"``, ``"bpqp"`` (no second-order cones) or an
            instance of KKT, LPGD, BPQP.
        settings: SolverSettings, a dict of overrides, or None for defaults.
        on_failure: ``"raise"`` raises SolverError when a sample is not solved;
            ``"nan"`` returns NaN for it and zero gradients.
        return_info: also return a ConeInfo.

    Returns:
        ``(x, y, s)``, or ``(x, y, s, info)`` with return_info; x of shape (n,) or
        (batch, n), y and s of shape (m,) or (batch, m). Gradients flow to every
        tensor input (summed over the batch for shared inputs).
    """
    opts = _resolve_options(backward, settings, on_failure, return_info)
    return _cone(P, c, A, b, cones, opts)


class ConeLayer(nn.Module):
    """A conic program as a module. ``cones`` may be fixed at construction or
    given per call; the other constructor arguments are defaults that
    ``forward(..., **overrides)`` may change (backward, settings, on_failure,
    return_info)."""

    _OVERRIDES = ("backward", "settings", "on_failure", "return_info")

    def __init__(
        self,
        cones: Cones | None = None,
        *,
        backward: BackwardMethod | str = "kkt",
        settings: SolverSettings | dict[str, Any] | None = None,
        on_failure: OnFailure = "raise",
        return_info: bool = False,
    ) -> None:
        super().__init__()
        if cones is not None and not isinstance(cones, Cones):
            raise ValueError(f"cones must be an lpgd_go.Cones or None, got {type(cones).__name__}")
        opts = _resolve_options(backward, settings, on_failure, return_info)
        if cones is not None:
            _check_backward_cones(opts.backward, cones)
        self.cones = cones
        self.backward_method = opts.backward
        self.settings = opts.settings
        self.on_failure = opts.on_failure
        self.return_info = opts.return_info

    def forward(
        self,
        P: object | None,
        c: TensorLike,
        A: object,
        b: TensorLike,
        cones: Cones | None = None,
        **overrides: Any,
    ) -> tuple[torch.Tensor, ...]:
        for key in overrides:
            if key not in self._OVERRIDES:
                raise TypeError(
                    f"ConeLayer.forward got an unexpected keyword argument {key!r} "
                    f"(allowed: {', '.join(self._OVERRIDES)})"
                )
        cones = cones if cones is not None else self.cones
        if cones is None:
            raise ValueError("cones must be given to ConeLayer(...) or to forward(...)")
        opts = _resolve_options(
            overrides.get("backward", self.backward_method),
            overrides.get("settings", self.settings),
            overrides.get("on_failure", self.on_failure),
            overrides.get("return_info", self.return_info),
        )
        return _cone(P, c, A, b, cones, opts)

    def extra_repr(self) -> str:
        return (
            f"cones={self.cones!r}, backward={self.backward_method!r}, "
            f"on_failure={self.on_failure!r}, return_info={self.return_info}"
        )
