"""Differentiable quadratic programs (the qpth / OptNet argument order).

    minimize    ½ xᵀ P x + qᵀ x
    subject to  G x ≤ h,  A x = b

A front end of the conic core: rows ``[A; G]``, right-hand side ``[b; h]``
and cones Zero(p) × Nonneg(m_ineq). Every argument may carry a leading batch
dimension or be shared across the batch.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, overload

import torch

from . import _cache, _conic
from ._conic import Cones
from ._options import LayerBase, OnFailure, Options, resolve_options
from ._validate import (
    Arg,
    TensorLike,
    batch_size,
    check_call,
    check_finite,
    check_psd,
    check_shape,
    operand,
    psd_test,
    to_tensor,
    vector,
)
from .backward import BackwardMethod
from .settings import SolverSettings

__all__ = ["QPInfo", "QPLayer", "solve_qp"]

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
        iterations: interior-point iterations (int64); 0 for a small strictly
            convex QP the dual active-set start solved (``polished`` True; see
            ``SolverSettings.max_iter``).
        polished: bool tensor, whether the solution is the polished active-set
            solution (``SolverSettings.polish``).
        primal_residual, dual_residual: relative residuals at the returned point.
        gap: relative duality gap.
        tolerance: int8 tensor of ``Tolerance`` codes: which tolerances the
            returned point meets (FULL for solved, REDUCED for almost_solved).
    """

    status: torch.Tensor
    eq_duals: torch.Tensor
    ineq_duals: torch.Tensor
    slacks: torch.Tensor
    objective: torch.Tensor
    iterations: torch.Tensor
    polished: torch.Tensor
    primal_residual: torch.Tensor
    dual_residual: torch.Tensor
    gap: torch.Tensor
    tolerance: torch.Tensor


def _tensors(
    P: TensorLike | None,
    q: TensorLike,
    G: TensorLike | None,
    h: TensorLike | None,
    A: TensorLike | None,
    b: TensorLike | None,
) -> tuple[int, int, int, dict[str, torch.Tensor]]:
    """(n, p, m_ineq, the given arguments as tensors by name) with shapes checked."""
    qt = vector("q", q, "n", nonempty=True)
    n = int(qt.shape[-1])
    if (G is None) != (h is None):
        raise ValueError("G and h must be given together (both or neither)")
    if (A is None) != (b is None):
        raise ValueError("A and b must be given together (both or neither)")
    raw = {"P": P, "q": qt, "G": G, "h": h, "A": A, "b": b}
    ts = {k: to_tensor(k, v) for k, v in raw.items() if v is not None}
    rows = {"G": "m_ineq", "A": "p"}
    for name, label in rows.items():
        t = ts.get(name)
        if t is not None and t.dim() not in (2, 3):
            raise ValueError(
                f"{name} must have shape ({label}, n) or (batch, {label}, n) with n={n}, "
                f"got {tuple(t.shape)}"
            )
    m_ineq = int(ts["G"].shape[-2]) if "G" in ts else 0
    p = int(ts["A"].shape[-2]) if "A" in ts else 0
    return n, p, m_ineq, ts


_FastPath = tuple[
    Callable[[tuple[Any, ...]], tuple[Any, ...]],
    tuple[bool, ...],
    tuple[float, float] | None,
    int,
    bool,
    Cones,
    tuple[Any, ...],
    type[_conic.Run],
]


def _picker(order: tuple[int, ...]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """The Run's inputs from a call's (P, q, G, h, A, b) by positions (−1:
    None, P's position only), C-level where P is given."""
    if order[0] >= 0:
        return operator.itemgetter(*order)
    rest = operator.itemgetter(*order[1:])
    return lambda raw: (None, *rest(raw))


@dataclass
class _Plan:
    """What a call's shapes determine (sizes, batched arguments, batch size),
    found once per combination of shapes by the full checks (never a tensor:
    the cache must not keep a caller's data alive)."""

    n: int
    p: int
    m_ineq: int
    batched: dict[str, bool]
    batch: int
    #: The call path's constants (made on the first call whose arguments are
    #: all float64 CPU contiguous tensors, see ``_fast``): what picks the
    #: Run's inputs (P or None, q, A, G, b, h) from (P, q, G, h, A, b), their
    #: batch flags, the PSD test of a float64 P, the number of A row blocks,
    #: whether no input is batched, the cones, the structure cache's key
    #: (but the linear solver) and the Run.dense_class; then the
    #: lpgd_values template.
    fast: _FastPath | None = None
    template: _conic.ValuesTemplate | None = None
    #: The backward's constants by needs_input_grad (see Run.dense_class).
    grad_specs: dict[tuple[bool, ...], Any] = field(default_factory=dict)
    #: The structure cache's key by linear solver: one tuple per key
    #: (``_struct_key``), which ``_cache.get`` finds by identity.
    keys: dict[str, tuple[Any, ...]] = field(default_factory=dict)


_MAX_PLANS = 256
_F64 = torch.float64
_is_grad_enabled = torch.is_grad_enabled
_STRIDED = torch.strided
_plans: dict[tuple[Any, ...], _Plan] = {}


_Tensor = torch.Tensor


def _shape_key(
    raw: tuple[TensorLike | None, ...],
) -> tuple[tuple[Any, ...] | None, bool, bool]:
    """(the shapes of a call whose arguments are all tensors (or None), else
    None; whether they all are float64 CPU contiguous dense tensors whose
    memory holds their values (no negative bit: ``torch._neg_view``), the
    call path of ``_fast``; whether one requires a gradient), in one pass.

    A plain loop reading each tensor's attributes once: C-level passes
    (``set(map(attrgetter("dtype", "layout", "is_cpu"), raw))`` and the like)
    cost ~1.5 µs more for six tensors (tuples made and hashed per tensor)."""
    key: list[Any] = []
    add = key.append
    fast = True
    grad = False
    for v in raw:
        if v is None:
            add(None)
        elif type(v) is _Tensor or isinstance(v, _Tensor):
            add(v.shape)
            grad = grad or v.requires_grad
            fast = (
                fast
                and v.dtype is _F64
                and v.is_cpu
                and v.layout is _STRIDED
                and v.is_contiguous()
                and not v.is_neg()
            )
        else:
            return None, False, False
    return tuple(key), fast, grad


#: Where _tensors takes each size from (named in the other arguments' shape errors).
_ORIGINS = {
    "n": ("q", "the length of q"),
    "m_ineq": ("G", "G's number of rows"),
    "p": ("A", "A's number of rows"),
}


def _plan(raw: tuple[TensorLike | None, ...]) -> tuple[_Plan, dict[str, torch.Tensor]]:
    """The shape checks of a call (every message naming argument and shape):
    its plan and its arguments as tensors."""
    n, p, m_ineq, ts = _tensors(*raw)
    specs: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
        "P": ((n, n), ("n", "n")),
        "q": ((n,), ("n",)),
        "G": ((m_ineq, n), ("m_ineq", "n")),
        "h": ((m_ineq,), ("m_ineq",)),
        "A": ((p, n), ("p", "n")),
        "b": ((p,), ("p",)),
    }
    batched = {k: check_shape(k, t, *specs[k], _ORIGINS) for k, t in ts.items()}
    B = batch_size({k: int(ts[k].shape[0]) for k in _ARG_NAMES if batched.get(k)})
    return _Plan(n, p, m_ineq, batched, B), ts


@functools.lru_cache(maxsize=256)
def _cones(p: int, m_ineq: int) -> Cones:
    """Zero(p) × Nonneg(m_ineq), made once per pair (Cones validates on construction)."""
    return Cones(zero=p, nonneg=m_ineq)


def _revalidate(raw: tuple[TensorLike | None, ...], batched: dict[str, bool]) -> None:
    """Go rejected the data (its read pass or its PSD test): raise the messages
    naming argument, index and batch element, finiteness first."""
    ts = {k: to_tensor(k, v) for k, v in zip(_ARG_NAMES, raw, strict=True) if v is not None}
    args = {k: operand(k, t, batched[k], finite=False) for k, t in ts.items()}
    for k, a in args.items():
        check_finite(k, a.buf, a.batched)
    if "P" in args:
        check_psd("P", args["P"].buf, batched["P"], ts["P"].dtype)


def _revalidate_dense(batched: dict[str, bool], *raw: TensorLike | None) -> None:
    """``_revalidate`` of a call path's run (``Run.dense``: called with the
    call's arguments, its ``revalidate_args``)."""
    _revalidate(raw, batched)


#: One tuple per structure cache key (``_cache.get`` tests the key of its
#: most recently used entry by identity): plans of the same structure
#: (an unbatched call and a batched one) share it.
_struct_keys: dict[tuple[Any, ...], tuple[Any, ...]] = {}


def _struct_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    if len(_struct_keys) >= 4 * _MAX_PLANS:
        _struct_keys.clear()
    return _struct_keys.setdefault(key, key)


def _fast(
    raw: tuple[TensorLike | None, ...], plan: _Plan, opts: Options, grad: bool
) -> torch.Tensor | tuple[torch.Tensor, QPInfo]:
    """The call of ``_qp`` whose shapes passed the full checks before (a cached
    plan) and whose arguments are all float64 CPU contiguous tensors (each its
    own buffer for Go: ``to_tensor`` and ``operand`` would return it as it
    is): the Run from the plan's constants, no Arg, Operand or dict per call.
    ``grad``: an argument requires a gradient."""
    fast = plan.fast
    if fast is None:
        # Set in one assignment (another thread may read it meanwhile).
        order: tuple[int, ...] = (0 if raw[0] is not None else -1, 1)
        order += tuple(i for i in (4, 2, 5, 3) if raw[i] is not None)
        flags = tuple(i >= 0 and plan.batched[_ARG_NAMES[i]] for i in order)
        psd = psd_test(_F64) if raw[0] is not None and plan.n > 0 else None
        n_blocks = (raw[4] is not None) + (raw[2] is not None)
        cones = _cones(plan.p, plan.m_ineq)
        # The structure cache's key but the linear solver (_conic.structure's).
        key = (plan.n, cones._blocks_key, raw[0] is not None, None, None)
        unbatched = not any(flags)
        run_cls = _conic.Run.dense_class(
            plan.batch,
            flags,
            n_blocks,
            unbatched,
            psd,
            plan.grad_specs,
            functools.partial(_revalidate_dense, plan.batched),
        )
        fast = plan.fast = (_picker(order), flags, psd, n_blocks, unbatched, cones, key, run_cls)
    pick, flags, psd, n_a, unbatched, cones, key, run_cls = fast
    inputs = pick(raw)
    solver = opts.settings.linear_solver
    skey = plan.keys.get(solver)
    if skey is None:
        skey = plan.keys[solver] = _struct_key((*key, solver))
    st = _cache.get(skey) or _conic.structure(plan.n, cones, raw[0] is not None, None, None, solver)
    template = plan.template
    if template is None:
        template = plan.template = _conic.values_template(st, plan.batch, inputs, flags, n_a, psd)
    run = run_cls.dense(
        st,
        inputs,
        _conic.pack_values(template, inputs),
        opts,
        raw,
    )
    if grad and _is_grad_enabled():
        outs: tuple[torch.Tensor, ...] = _conic.ConicFunction.apply(run, *inputs)
    else:
        outs = run.solve()
    if not opts.return_info:
        return outs[0]  # float64 on the CPU: the caller's dtype and device
    return _with_info(run, outs, unbatched, plan.p, _F64, torch.device("cpu"))


def _with_info(
    run: _conic.Run,
    outs: tuple[torch.Tensor, ...],
    unbatched: bool,
    p: int,
    dtype: torch.dtype,
    device: torch.device,
) -> tuple[torch.Tensor, QPInfo]:
    """x and the QPInfo of a solved run whose outputs are (x, y, s)."""
    x, y, s = (_conic.to_caller(t, False, dtype, device) for t in outs)
    vals = run.info_values(
        ("objective", "primal_residual", "dual_residual", "gap"), unbatched, dtype, device
    )
    info = QPInfo(
        status=vals["status"],
        eq_duals=y[..., :p],
        ineq_duals=y[..., p:],
        slacks=s[..., p:],
        objective=vals["objective"],
        iterations=vals["iterations"],
        polished=vals["polished"],
        primal_residual=vals["primal_residual"],
        dual_residual=vals["dual_residual"],
        gap=vals["gap"],
        tolerance=vals["tolerance"],
    )
    return x, info


def _qp(
    P: TensorLike | None,
    q: TensorLike,
    G: TensorLike | None,
    h: TensorLike | None,
    A: TensorLike | None,
    b: TensorLike | None,
    opts: Options,
) -> torch.Tensor | tuple[torch.Tensor, QPInfo]:
    check_call()
    raw = (P, q, G, h, A, b)
    key, fast, grad = _shape_key(raw)
    plan = _plans.get(key) if key is not None else None
    if plan is not None and fast and (G is not None or A is not None):
        # (A problem without constraint rows has no row blocks for the fast
        # form's values template: it takes the general path.)
        return _fast(raw, plan, opts, grad)
    ts: dict[str, torch.Tensor] | None = None
    if plan is None:
        plan, ts = _plan(raw)
        if key is not None:
            if len(_plans) >= _MAX_PLANS:
                _plans.clear()
            _plans[key] = plan
    n, p, m_ineq, batched, B = plan.n, plan.p, plan.m_ineq, plan.batched, plan.batch
    # Finiteness is checked by Go when it reads the values (lpgd_solve); the
    # messages naming argument, index and batch element stay these (raised
    # from here when Go or the PSD test rejects the data).
    args: dict[str, Arg] = {}
    if ts is None:
        # Shapes as a call that passed every check: only the tensors' own checks.
        ts = {}
        for k, v in zip(_ARG_NAMES, raw, strict=True):
            if v is not None:
                t = ts[k] = to_tensor(k, v)
                args[k] = operand(k, t, batched[k], finite=False)
    else:
        for k, t in ts.items():
            args[k] = operand(k, t, batched[k], finite=False)

    # lpgd_solve tests P (symmetric, PSD) in the same call.
    psd = psd_test(ts["P"].dtype) if "P" in args and n > 0 else None
    # The conic rows [A; G] and right-hand side [b; h].
    A_blocks = [args[k] for k in ("A", "G") if k in args]
    b_blocks = [args[k] for k in ("b", "h") if k in args]
    st = _conic.structure(
        n, _cones(p, m_ineq), "P" in args, None, None, opts.settings.linear_solver
    )
    unbatched = not any(batched.values())
    run = _conic.Run(
        st,
        B,
        args.get("P"),
        args["q"],
        A_blocks,
        b_blocks,
        opts,
        what="QP",
        single=unbatched,
        revalidate=functools.partial(_revalidate, raw, batched),
        x_only=not opts.return_info,
        squeeze=unbatched,
        psd=psd,
    )
    qt = ts["q"]
    dtype = qt.dtype if qt.is_floating_point() else torch.get_default_dtype()
    outs = _conic.solve(run)
    if not opts.return_info:
        return _conic.to_caller(outs[0], False, dtype, qt.device)
    return _with_info(run, outs, unbatched, p, dtype, qt.device)


@overload
def solve_qp(
    P: TensorLike | None,
    q: TensorLike,
    G: TensorLike | None = ...,
    h: TensorLike | None = ...,
    A: TensorLike | None = ...,
    b: TensorLike | None = ...,
    *,
    backward: BackwardMethod | str = ...,
    settings: SolverSettings | dict[str, Any] | None = ...,
    on_failure: OnFailure = ...,
    return_info: Literal[False] = ...,
) -> torch.Tensor: ...


@overload
def solve_qp(
    P: TensorLike | None,
    q: TensorLike,
    G: TensorLike | None = ...,
    h: TensorLike | None = ...,
    A: TensorLike | None = ...,
    b: TensorLike | None = ...,
    *,
    backward: BackwardMethod | str = ...,
    settings: SolverSettings | dict[str, Any] | None = ...,
    on_failure: OnFailure = ...,
    return_info: Literal[True],
) -> tuple[torch.Tensor, QPInfo]: ...


@overload
def solve_qp(
    P: TensorLike | None,
    q: TensorLike,
    G: TensorLike | None = ...,
    h: TensorLike | None = ...,
    A: TensorLike | None = ...,
    b: TensorLike | None = ...,
    *,
    backward: BackwardMethod | str = ...,
    settings: SolverSettings | dict[str, Any] | None = ...,
    on_failure: OnFailure = ...,
    return_info: bool = ...,
) -> torch.Tensor | tuple[torch.Tensor, QPInfo]: ...


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
        q: (n,) or (batch, n), n ≥ 1; its dtype and device are those of the outputs.
        G: (m_ineq, n) or (batch, m_ineq, n); None (with h None) for no inequalities.
        h: (m_ineq,) or (batch, m_ineq).
        A: (p, n) or (batch, p, n); None (with b None) for no equalities.
        b: (p,) or (batch, p).
        backward: ``"kkt"``, ``"bpqp"``, ``"lpgd"`` or a KKT/BPQP/LPGD instance.
        settings: SolverSettings, a dict of overrides, or None for defaults.
        on_failure: ``"raise"`` raises SolverError when a sample is not solved;
            ``"nan"`` returns NaN for it and zero gradients.
        return_info: also return a QPInfo.

    Returns:
        x of shape (n,) or (batch, n), or ``(x, info)`` with return_info. Gradients
        flow to every tensor input (summed over the batch for shared inputs).

    Raises:
        ValueError: malformed input (shape, batch size, non-finite value, P not
            symmetric PSD, bad option), naming argument, index and batch element.
        SolverError: a sample failed and ``on_failure="raise"``.
        RuntimeError: called under torch.jit.trace or in a forked child.

    Example:
        >>> import torch
        >>> from lpgd_go import solve_qp
        >>> P = torch.eye(2, dtype=torch.float64)
        >>> q = torch.tensor([1.0, -1.0], dtype=torch.float64, requires_grad=True)
        >>> x = solve_qp(P, q, G=torch.eye(2, dtype=torch.float64), h=torch.zeros(2))
        >>> x.sum().backward()
    """
    opts = resolve_options(backward, settings, on_failure, return_info)
    return _qp(P, q, G, h, A, b, opts)


class QPLayer(LayerBase):
    """A QP as a module; the constructor arguments are defaults that
    ``forward(..., **overrides)`` may change per call (backward, settings,
    on_failure, return_info).

    Args:
        backward: ``"kkt"``, ``"bpqp"``, ``"lpgd"`` or a KKT/BPQP/LPGD instance.
        settings: SolverSettings, a dict of overrides, or None for defaults.
        on_failure: ``"raise"`` or ``"nan"`` (NaN outputs, zero gradients).
        return_info: whether calls also return a QPInfo.

    Raises:
        ValueError: an invalid option.

    Example:
        >>> import torch
        >>> from lpgd_go import QPLayer
        >>> layer = QPLayer(backward="lpgd")
        >>> x = layer(torch.eye(2), torch.ones(2), torch.eye(2), torch.zeros(2))
    """

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
        """Solve the QP; the arguments are those of ``solve_qp``.

        Args:
            P: (n, n) or (batch, n, n) symmetric PSD, or None.
            q: (n,) or (batch, n).
            G: (m_ineq, n) or (batch, m_ineq, n), or None.
            h: (m_ineq,) or (batch, m_ineq), or None.
            A: (p, n) or (batch, p, n), or None.
            b: (p,) or (batch, p), or None.
            **overrides: backward, settings, on_failure or return_info for this call.

        Returns:
            x of shape (n,) or (batch, n), or ``(x, info)`` with return_info.

        Raises:
            TypeError: an unknown keyword argument.
            ValueError: malformed input or option.
            SolverError: a sample failed and ``on_failure="raise"``.
        """
        return _qp(P, q, G, h, A, b, self._options(overrides))
