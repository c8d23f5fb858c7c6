"""Differentiable quadratic programs (the qpth / OptNet argument order).

    minimize    ½ xᵀ P x + qᵀ x
    subject to  G x ≤ h,  A x = b

is solved as the conic program of lpgd.h with rows ``[A; G]``, right-hand side
``[b; h]`` and cones Zero(p) × Nonneg(m_ineq). Every argument may carry a
leading batch dimension or be shared across the batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import torch
from torch import nn
from torch.autograd.function import once_differentiable

from . import _core, _lib
from ._core import F64, Operand
from .backward import LPGD, BackwardMethod, as_backward_method
from .settings import LINEAR_SOLVERS, SolverSettings, resolve_settings
from .status import OK_STATUSES, SolverError, status_name

__all__ = ["QPInfo", "QPLayer", "solve_qp"]

OnFailure = Literal["raise", "nan"]
TensorLike = Any  # a torch.Tensor, or anything torch.as_tensor accepts

_OK_CODES = frozenset(int(s) for s in OK_STATUSES)
_ARG_NAMES = ("P", "q", "G", "h", "A", "b")


@dataclass
class QPInfo:
    """Per-sample details of a solve (leading batch dim unless the call was unbatched).

    Attributes:
        status: int32 tensor of ``Status`` codes.
        eq_duals: duals ν of ``Ax = b`` (differentiable).
        ineq_duals: duals λ ≥ 0 of ``Gx ≤ h`` (differentiable).
        slacks: ``h − Gx`` (differentiable).
        objective: primal objective ½xᵀPx + qᵀx.
        iterations: interior-point iterations (int64).
    """

    status: torch.Tensor
    eq_duals: torch.Tensor
    ineq_duals: torch.Tensor
    slacks: torch.Tensor
    objective: torch.Tensor
    iterations: torch.Tensor


# ---------------------------------------------------------------------------
# Input validation and preparation
# ---------------------------------------------------------------------------


def _to_tensor(name: str, v: TensorLike) -> torch.Tensor:
    if isinstance(v, torch.Tensor):
        t = v
    else:
        try:
            t = torch.as_tensor(v)
        except Exception as exc:
            raise ValueError(f"{name} must be a tensor, got {type(v).__name__}") from exc
    if t.layout != torch.strided:
        raise ValueError(f"{name} must be a dense tensor here, got layout {t.layout}")
    if t.is_complex():
        raise ValueError(f"{name} must be real, got dtype {t.dtype}")
    if t.dtype == torch.bool:
        raise ValueError(f"{name} must be numeric, got dtype {t.dtype}")
    return t


def _fmt_shape(shape: tuple[object, ...]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _check_shape(
    name: str, t: torch.Tensor, shape: tuple[int, ...], labels: tuple[str, ...]
) -> bool:
    """Check t against shape (shared) or (batch, *shape); return whether batched."""
    if t.dim() == len(shape) and tuple(t.shape) == shape:
        return False
    if t.dim() == len(shape) + 1 and tuple(t.shape[1:]) == shape:
        return True
    want = ", ".join(f"{lab}={d}" for lab, d in zip(labels, shape, strict=True))
    raise ValueError(
        f"{name} must have shape {_fmt_shape(labels)} or {_fmt_shape(('batch', *labels))} "
        f"with {want}, got {tuple(t.shape)}"
    )


def _check_finite(
    name: str,
    buf: torch.Tensor,
    batched: bool,
    entries: tuple[Any, Any] | None = None,
) -> None:
    """Raise on the first non-finite value, naming its index and batch element.
    ``entries`` = (rows, cols) maps the index of a value vector to its (row, col)
    entry (sparse matrices given by their values)."""
    bad = ~torch.isfinite(buf)
    if not bool(bad.any()):
        return
    idx = tuple(int(i) for i in bad.nonzero()[0])
    value = float(buf[idx])
    entry = idx[1:] if batched else idx
    if entries is not None:
        rows, cols = entries
        entry = (int(rows[entry[0]]), int(cols[entry[0]]))
    where = f"index {entry}"
    where += f" of batch element {idx[0]}" if batched else " (shared across the batch)"
    raise ValueError(f"{name} contains a non-finite value ({value}) at {where}")


def _check_psd(P: torch.Tensor, batched: bool, dtype: torch.dtype) -> None:
    Pb = P if batched else P.unsqueeze(0)
    scale = Pb.abs().amax(dim=(-2, -1)).clamp(min=1.0)
    eps = torch.finfo(dtype).eps if dtype.is_floating_point else torch.finfo(F64).eps
    asym = (Pb - Pb.transpose(-1, -2)).abs().amax(dim=(-2, -1))
    bad = (asym > 1e3 * eps * scale).nonzero()
    if len(bad):
        k = int(bad[0])
        which = f"P (batch element {k})" if batched else "P"
        raise ValueError(f"{which} is not symmetric: max |P - P^T| = {float(asym[k]):.3g}")
    n = Pb.shape[-1]
    if n == 0:
        return
    # A Cholesky factorization of P + 1e-8·‖P‖_F·I (several times cheaper
    # than eigenvalues) accepts every P whose smallest eigenvalue is at least
    # −1e-8·‖P‖₂; only the elements it rejects get the eigenvalue test, which
    # decides and gives the error message.
    fro = torch.linalg.matrix_norm(Pb).clamp(min=1.0)
    shifted = Pb.clone()
    shifted.diagonal(dim1=-2, dim2=-1).add_((1e-8 * fro)[:, None])
    _, info = torch.linalg.cholesky_ex(shifted)
    check = (info != 0).nonzero().flatten()
    if len(check) == 0:
        return
    eig = torch.linalg.eigvalsh(Pb[check])
    norm = eig.abs().amax(dim=-1).clamp(min=1.0)
    bad = (eig[:, 0] < -1e-8 * norm).nonzero()
    if len(bad):
        j = int(bad[0])
        k = int(check[j])
        which = f"P (batch element {k})" if batched else "P"
        raise ValueError(
            f"{which} is not positive semidefinite: min eigenvalue {float(eig[j, 0]):.3g}"
        )


@dataclass
class _Problem:
    """A validated QP batch: float64 CPU buffers plus the bookkeeping to map
    results and gradients back to the caller's tensors."""

    n: int
    p: int
    m_ineq: int
    batch: int
    unbatched: bool
    has_p: bool
    inputs: tuple[torch.Tensor | None, ...]  # P, q, G, h, A, b as given (tensors)
    batched: tuple[bool, ...]  # per argument
    P: Operand
    c: Operand
    A: Operand  # conic [A; G]
    b: Operand  # conic [b; h]
    out_dtype: torch.dtype
    out_device: torch.device

    @property
    def m(self) -> int:
        return self.p + self.m_ineq


def _prepare(
    P: TensorLike | None,
    q: TensorLike,
    G: TensorLike | None,
    h: TensorLike | None,
    A: TensorLike | None,
    b: TensorLike | None,
) -> _Problem:
    if q is None:
        raise ValueError("q is required")
    qt = _to_tensor("q", q)
    if qt.dim() not in (1, 2):
        raise ValueError(f"q must have shape (n,) or (batch, n), got {tuple(qt.shape)}")
    n = int(qt.shape[-1])
    if (G is None) != (h is None):
        raise ValueError("G and h must be given together (both or neither)")
    if (A is None) != (b is None):
        raise ValueError("A and b must be given together (both or neither)")

    raw = {"P": P, "q": qt, "G": G, "h": h, "A": A, "b": b}
    ts: dict[str, torch.Tensor | None] = {
        k: (None if v is None else _to_tensor(k, v)) for k, v in raw.items()
    }
    m_ineq = 0
    p = 0
    Gt, At = ts["G"], ts["A"]
    if Gt is not None:
        if Gt.dim() not in (2, 3):
            raise ValueError(
                f"G must have shape (m_ineq, n) or (batch, m_ineq, n) with n={n}, "
                f"got {tuple(Gt.shape)}"
            )
        m_ineq = int(Gt.shape[-2])
    if At is not None:
        if At.dim() not in (2, 3):
            raise ValueError(
                f"A must have shape (p, n) or (batch, p, n) with n={n}, got {tuple(At.shape)}"
            )
        p = int(At.shape[-2])

    specs: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
        "P": ((n, n), ("n", "n")),
        "q": ((n,), ("n",)),
        "G": ((m_ineq, n), ("m_ineq", "n")),
        "h": ((m_ineq,), ("m_ineq",)),
        "A": ((p, n), ("p", "n")),
        "b": ((p,), ("p",)),
    }
    batched: dict[str, bool] = {}
    for name in _ARG_NAMES:
        t = ts[name]
        if t is not None:
            batched[name] = _check_shape(name, t, *specs[name])

    sizes = {name: int(ts[name].shape[0]) for name in _ARG_NAMES if batched.get(name)}  # type: ignore[union-attr]
    if len(set(sizes.values())) > 1:
        listing = ", ".join(f"{k} has {v}" for k, v in sizes.items())
        raise ValueError(f"batch sizes of the arguments differ: {listing}")
    unbatched = not sizes
    B = next(iter(sizes.values())) if sizes else 1

    bufs: dict[str, torch.Tensor | None] = {}
    for name in _ARG_NAMES:
        t = ts[name]
        if t is None:
            bufs[name] = None
            continue
        buf = _core.as_f64(t)
        _check_finite(name, buf, batched[name])
        bufs[name] = buf

    if bufs["P"] is not None:
        dt = ts["P"].dtype  # type: ignore[union-attr]
        _check_psd(bufs["P"], batched["P"], dt)

    def operand(name: str, size: int) -> Operand:
        buf = bufs[name]
        if buf is None:
            return Operand(None, 0)
        return Operand(buf, size if batched[name] else 0)

    # Conic rows [A; G] and right-hand side [b; h].
    m = p + m_ineq
    Ac, Ac_batched = _stack_rows(
        bufs["A"], bufs["G"], batched.get("A", False), batched.get("G", False), B
    )
    bc, bc_batched = _stack_rows(
        bufs["b"], bufs["h"], batched.get("b", False), batched.get("h", False), B
    )
    A_op = Operand(Ac, m * n if Ac_batched else 0)
    b_op = Operand(bc, m if bc_batched else 0)

    out_dtype = qt.dtype if qt.is_floating_point() else torch.get_default_dtype()
    return _Problem(
        n=n,
        p=p,
        m_ineq=m_ineq,
        batch=B,
        unbatched=unbatched,
        has_p=ts["P"] is not None,
        inputs=tuple(ts[k] for k in _ARG_NAMES),
        batched=tuple(batched.get(k, False) for k in _ARG_NAMES),
        P=operand("P", n * n),
        c=operand("q", n),
        A=A_op,
        b=b_op,
        out_dtype=out_dtype,
        out_device=qt.device,
    )


def _stack_rows(
    top: torch.Tensor | None,
    bottom: torch.Tensor | None,
    top_batched: bool,
    bottom_batched: bool,
    B: int,
) -> tuple[torch.Tensor | None, bool]:
    """Concatenate the equality block over the inequality block along the row axis;
    the result is batched when either part is (the other is expanded)."""
    if top is None and bottom is None:
        return None, False
    if top is None:
        return bottom, bottom_batched
    if bottom is None:
        return top, top_batched
    if not top_batched and not bottom_batched:
        return torch.cat([top, bottom], dim=0), False
    if not top_batched:
        top = top.unsqueeze(0).expand(B, *top.shape)
    if not bottom_batched:
        bottom = bottom.unsqueeze(0).expand(B, *bottom.shape)
    return torch.cat([top, bottom], dim=1).contiguous(), True


# ---------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------


@dataclass
class _Options:
    backward: BackwardMethod
    settings: SolverSettings
    on_failure: OnFailure
    return_info: bool


def _resolve_options(
    backward: BackwardMethod | str,
    settings: SolverSettings | dict[str, Any] | None,
    on_failure: str,
    return_info: bool,
) -> _Options:
    if on_failure not in ("raise", "nan"):
        raise ValueError(f"on_failure must be 'raise' or 'nan', got {on_failure!r}")
    if not isinstance(return_info, bool):
        raise ValueError(f"return_info must be a bool, got {return_info!r}")
    return _Options(
        backward=as_backward_method(backward),
        settings=resolve_settings(settings),
        on_failure=on_failure,  # type: ignore[arg-type]
        return_info=return_info,
    )


# ---------------------------------------------------------------------------
# Solve and differentiate
# ---------------------------------------------------------------------------


class _Run:
    """One forward call: the prepared problem, its options and (after solve) the
    raw solution that the backward pass needs."""

    def __init__(self, prob: _Problem, opts: _Options) -> None:
        self.prob = prob
        self.opts = opts
        self.settings_c = opts.settings.to_c()
        self.structure = _core.qp_structure(
            prob.n,
            prob.p,
            prob.m_ineq,
            prob.has_p,
            LINEAR_SOLVERS[opts.settings.linear_solver],
        )
        self.result: _core.SolveResult | None = None
        self.ok: torch.Tensor | None = None

    def solve(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Solve; apply on_failure; return float64 CPU (x, y, s) of shape (B, ·)."""
        pr = self.prob
        res = _core.solve(self.structure, self.settings_c, pr.batch, pr.P, pr.c, pr.A, pr.b)
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
                    _failure_message("QP", bad, res.status, pr.unbatched), res.status, bad
                )
            nan = float("nan")
            x, y, s = x.clone(), y.clone(), s.clone()
            x[~ok] = nan
            y[~ok] = nan
            s[~ok] = nan
            res.info[~ok, _lib.INFO_PRIMAL_OBJ] = nan
        return x, y, s

    def backward(
        self,
        gx: torch.Tensor | None,
        gy: torch.Tensor | None,
        gs: torch.Tensor | None,
        needs: tuple[bool, ...],
        solution: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
    ) -> tuple[torch.Tensor | None, ...]:
        """Gradients for (P, q, G, h, A, b), each shaped and typed like its input;
        ``solution`` is the float64 (x, y, s) that ``solve`` returned."""
        pr = self.prob
        res = self.result
        assert res is not None and self.ok is not None
        ok = self.ok
        B, n, m = pr.batch, pr.n, pr.m
        need_P, need_q, need_G, need_h, need_A, need_b = needs
        need_P = need_P and pr.has_p

        def grad_in(g: torch.Tensor | None, width: int) -> torch.Tensor | None:
            if g is None:
                return None
            g = _core.as_f64(g).reshape(B, width)
            if not bool(ok.all()):
                g = g.clone()
                g[~ok] = 0.0
            return g

        gx64 = grad_in(gx, n)
        if gx64 is None:
            gx64 = torch.zeros((B, n), dtype=F64)
        gy64 = grad_in(gy, m)
        gs64 = grad_in(gs, m)

        x, y, s = solution
        if not bool(ok.all()):
            x, y, s = x.clone(), y.clone(), s.clone()
            x[~ok] = 0.0
            y[~ok] = 0.0
            s[~ok] = 0.0

        out = _core.backward(
            self.structure,
            self.settings_c,
            self.opts.backward.to_c(),
            B,
            pr.P,
            pr.c,
            pr.A,
            pr.b,
            x.contiguous(),
            y.contiguous(),
            s.contiguous(),
            res.status,
            gx64,
            gy64,
            gs64,
            need_P=need_P,
            need_c=need_q,
            need_A=need_G or need_A,
            need_b=need_h or need_b,
        )
        # A sample whose forward solve succeeded but whose backward did not
        # (BACKWARD_FAILED, or INTERNAL_ERROR from a recovered panic).
        bw_ok = torch.tensor([int(v) in _OK_CODES for v in out.status.tolist()], dtype=torch.bool)
        failed = ok & ~bw_ok
        if bool(failed.any()):
            idx = failed.nonzero().flatten().tolist()
            if self.opts.on_failure == "raise":
                msg = _backward_failure_message(
                    "QP", idx, out.status, self.opts.backward, out.message
                )
                raise SolverError(msg, out.status, idx)
            for g in (out.gP, out.gc, out.gA, out.gb):
                if g is not None:
                    g[failed] = 0.0

        p = pr.p
        gA = gG = gb = gh = None
        if out.gA is not None:
            gA = out.gA[:, :p]
            gG = out.gA[:, p:]
        if out.gb is not None:
            gb = out.gb[:, :p]
            gh = out.gb[:, p:]
        raw = (
            out.gP if need_P else None,
            out.gc if need_q else None,
            gG if need_G else None,
            gh if need_h else None,
            gA if need_A else None,
            gb if need_b else None,
        )
        grads: list[torch.Tensor | None] = []
        for g, t, is_batched in zip(raw, pr.inputs, pr.batched, strict=True):
            if g is None or t is None:
                grads.append(None)
                continue
            if not is_batched:
                g = g.sum(dim=0)
            grads.append(g.to(dtype=t.dtype, device=t.device))
        return tuple(grads)


def _failure_message(what: str, bad: list[int], status: torch.Tensor, single: bool) -> str:
    """The SolverError message for failed forward solves (``single``: one
    problem, reported without batch indices)."""
    parts = [f"{i}: {status_name(int(status[i]))}" for i in bad[:10]]
    more = f" (and {len(bad) - 10} more)" if len(bad) > 10 else ""
    if single:
        return (
            f"{what} solve failed with status {status_name(int(status[0]))}; pass "
            "on_failure='nan' to get NaN instead of an error"
        )
    return (
        f"{what} solve failed for batch indices {bad[:10]}{more} "
        f"(statuses {', '.join(parts)}); pass on_failure='nan' to get NaN rows instead"
    )


def _backward_failure_message(
    what: str, bad: list[int], status: torch.Tensor, method: BackwardMethod, detail: str
) -> str:
    """The SolverError message for failed backward passes."""
    parts = ", ".join(f"{i}: {status_name(int(status[i]))}" for i in bad[:10])
    hint = ""
    if isinstance(method, LPGD) and "tau" not in detail:
        hint = (
            "; for LPGD try a smaller tau, the other side (side='left' or 'right') "
            "or fallback='other_side' / 'smaller_tau'"
        )
    detail = f" ({detail})" if detail else ""
    return (
        f"{what} backward pass failed for batch indices {bad[:10]} (statuses {parts})"
        f"{detail}{hint}; pass on_failure='nan' to get zero gradients for them instead"
    )


class _QPFunction(torch.autograd.Function):
    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any,
        run: _Run,
        P: torch.Tensor | None,
        q: torch.Tensor,
        G: torch.Tensor | None,
        h: torch.Tensor | None,
        A: torch.Tensor | None,
        b: torch.Tensor | None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x, y, s = run.solve()
        ctx.run = run
        ctx.set_materialize_grads(False)
        # The float64 buffers in run may share memory with the inputs: saving the
        # inputs lets autograd detect in-place changes before backward.
        # x, y, s are saved here, never held by run: an output held by the context
        # outside save_for_backward is a reference cycle the GC cannot collect.
        ctx.save_for_backward(P, q, G, h, A, b, x, y, s)
        return _outputs(run.prob, x, y, s)

    @staticmethod
    @once_differentiable
    def backward(  # type: ignore[override]
        ctx: Any,
        gx: torch.Tensor | None,
        gy: torch.Tensor | None,
        gs: torch.Tensor | None,
    ) -> tuple[torch.Tensor | None, ...]:
        run: _Run = ctx.run
        saved = ctx.saved_tensors  # raises if an input was modified in place
        needs = tuple(ctx.needs_input_grad[1:])
        if not any(needs) or (gx is None and gy is None and gs is None):
            return (None,) * 7
        return (None, *run.backward(gx, gy, gs, needs, saved[6:]))


def _outputs(
    prob: _Problem, x: torch.Tensor, y: torch.Tensor, s: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    def conv(t: torch.Tensor) -> torch.Tensor:
        if prob.unbatched:
            t = t[0]
        return t.to(dtype=prob.out_dtype, device=prob.out_device)

    return conv(x), conv(y), conv(s)


def _qp(
    P: TensorLike | None,
    q: TensorLike,
    G: TensorLike | None,
    h: TensorLike | None,
    A: TensorLike | None,
    b: TensorLike | None,
    opts: _Options,
) -> torch.Tensor | tuple[torch.Tensor, QPInfo]:
    _lib.check_fork()  # before any work: a forked child must not touch the Go runtime
    prob = _prepare(P, q, G, h, A, b)
    run = _Run(prob, opts)
    needs_grad = torch.is_grad_enabled() and any(
        t is not None and t.requires_grad for t in prob.inputs
    )
    if needs_grad:
        x, y, s = _QPFunction.apply(run, *prob.inputs)
    else:
        x, y, s = _outputs(prob, *run.solve())
    if not opts.return_info:
        return x
    res = run.result
    assert res is not None
    p = prob.p
    status = res.status
    objective = res.info[:, _lib.INFO_PRIMAL_OBJ]
    iterations = res.info[:, _lib.INFO_ITER]
    iterations = torch.where(torch.isfinite(iterations), iterations, torch.zeros_like(iterations))
    iterations = iterations.to(torch.int64)
    if prob.unbatched:
        status, objective, iterations = status[0], objective[0], iterations[0]
    info = QPInfo(
        status=status,
        eq_duals=y[..., :p],
        ineq_duals=y[..., p:],
        slacks=s[..., p:],
        objective=objective.to(dtype=prob.out_dtype, device=prob.out_device),
        iterations=iterations,
    )
    return x, info


def solve_qp(
    P: TensorLike | None,
    q: TensorLike,
    G: TensorLike | None = None,
    h: TensorLike | None = None,
    A: TensorLike | None = None,
    b: TensorLike | None = None,
    *,
    backward: BackwardMethod | str = "kkt",
    settings: SolverSettings | dict[str, Any] | None = None,
    on_failure: OnFailure = "raise",
    return_info: bool = False,
) -> torch.Tensor | tuple[torch.Tensor, QPInfo]:
    """Solve ``min ½xᵀPx + qᵀx s.t. Gx ≤ h, Ax = b`` differentiably.

    Args:
        P: (n, n) or (batch, n, n) symmetric positive semidefinite; None for an LP.
        q: (n,) or (batch, n); its dtype and device are those of the outputs.
        G, h: (m_ineq, n) and (m_ineq,), each optionally batched; or None.
        A, b: (p, n) and (p,), each optionally batched; or None.
        backward: ``"kkt"``, ``"bpqp"``, ``"lpgd"`` or a KKT/BPQP/LPGD instance.
        settings: SolverSettings, a dict of overrides, or None for defaults.
        on_failure: ``"raise"`` raises SolverError when a sample is not solved;
            ``"nan"`` returns NaN for it and zero gradients.
        return_info: also return a QPInfo.

    Returns:
        x of shape (n,) or (batch, n), or ``(x, info)`` with return_info.
    """
    opts = _resolve_options(backward, settings, on_failure, return_info)
    return _qp(P, q, G, h, A, b, opts)


class QPLayer(nn.Module):
    """A QP as a module; the constructor arguments are defaults that
    ``forward(..., **overrides)`` may change per call (backward, settings,
    on_failure, return_info)."""

    _OVERRIDES = ("backward", "settings", "on_failure", "return_info")

    def __init__(
        self,
        *,
        backward: BackwardMethod | str = "kkt",
        settings: SolverSettings | dict[str, Any] | None = None,
        on_failure: OnFailure = "raise",
        return_info: bool = False,
    ) -> None:
        super().__init__()
        opts = _resolve_options(backward, settings, on_failure, return_info)
        self.backward_method = opts.backward
        self.settings = opts.settings
        self.on_failure = opts.on_failure
        self.return_info = opts.return_info

    def forward(
        self,
        P: TensorLike | None,
        q: TensorLike,
        G: TensorLike | None = None,
        h: TensorLike | None = None,
        A: TensorLike | None = None,
        b: TensorLike | None = None,
        **overrides: Any,
    ) -> torch.Tensor | tuple[torch.Tensor, QPInfo]:
        for key in overrides:
            if key not in self._OVERRIDES:
                raise TypeError(
                    f"QPLayer.forward got an unexpected keyword argument {key!r} "
                    f"(allowed: {', '.join(self._OVERRIDES)})"
                )
        opts = _resolve_options(
            overrides.get("backward", self.backward_method),
            overrides.get("settings", self.settings),
            overrides.get("on_failure", self.on_failure),
            overrides.get("return_info", self.return_info),
        )
        return _qp(P, q, G, h, A, b, opts)

    def extra_repr(self) -> str:
        return (
            f"backward={self.backward_method!r}, on_failure={self.on_failure!r}, "
            f"return_info={self.return_info}"
        )
