"""Differentiable cvxpy problems (cvxpylayers' API) on the lpgd_go conic solver.

    from lpgd_go.cvxpy import CvxpyLayer

    layer = CvxpyLayer(problem, parameters=[A, b], variables=[x])
    (x_star,) = layer(A_t, b_t)

The problem is canonicalized once by cvxpy (``get_problem_data`` with the
Clarabel target inside ``quad_form_dpp_scope``, so quadratic objectives stay a
P matrix, also with a parametric ``quad_form(x, P)`` in the objective) into its
ParamConeProg: a fixed sparse affine map from the flattened parameters to the
values of (P, c, A, b) on fixed sparsity patterns. Each call multiplies the
stacked parameters of the batch by that map once (one sparse product, its
transpose in the backward pass), solves the batch in Go, and reads the
requested variables and constraint duals out of (x, y).

Semantics follow cvxpylayers: parameters may carry a leading batch dimension
(batched and unbatched ones may be mixed, unbatched ones are broadcast); a
batch of size one keeps its batch dimension; unbatched inputs give unbatched
outputs. Constraint dual variables (``constraint.dual_variables[k]``) may be
requested in ``variables``; duals of second-order-cone constraints with
several cones are returned in cvxpy's layout (``constraint.dual_value``).
Supported cones: zero, nonnegative, second-order, PSD (the rows of each
PSD block are reordered from cvxpy's Clarabel layout, the upper triangle
column by column, to the solver's, the lower triangle column by column; the
dual of a PSD constraint is the symmetric matrix cvxpy returns as its
``dual_value``) and exponential (``exp``, ``log``, ``log_sum_exp``,
``logistic``, ``entr``, ``rel_entr``, ``kl_div``, ...; rows in cvxpy's order,
the same in its Clarabel and SCS forms; the three dual variables of an
``ExpCone(x, y, z)`` constraint are the x, y and z rows of the solver's y on
its blocks, shaped like x, y and z, as cvxpy's ``dual_value``) and 3-d power
cones (``PowCone3D(x, y, z, alpha)`` constraints, each exponent in (0, 1);
cvxpy writes ``geo_mean``, ``pnorm`` and ``power`` with second-order cones,
so power cones come only from explicit ``PowCone3D`` constraints; their three
dual variables are read like ExpCone's). ``PowConeND`` constraints (n-d power
cones) are solved through cvxpy's own rewriting into 3-d power cones (its SCS
target's ExactCone2Cone: a chain of n − 1 PowCone3D per cone, with auxiliary
variables); their dual variables, which cvxpy does not define either, raise
NotImplementedError.

cvxpylayers' contract: ``solver_args`` also takes SCS/ECOS/Clarabel keys
(``eps``, ``max_iters``, ``abstol``, ...; the table is
``lpgd_go._options.SOLVER_ARG_ALIASES``, meaningless ones are ignored with one
warning per layer and key); failures raise a SolverError that is also a
``diffcp.SolverError`` when diffcp is importable; validation messages carry
cvxpylayers' phrases. ``gp=True`` solves geometric programs through cvxpy's
DGP→DCP reduction (log of the parameters in, exp of the variables out).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, overload

try:
    import cvxpy as cp
except ModuleNotFoundError as _exc:  # `import lpgd_go.cvxpy` without the extra
    if _exc.name != "cvxpy":
        raise
    raise ImportError(
        "lpgd_go.cvxpy needs the optional dependency 'cvxpy', which is not installed; "
        "install it with: pip install 'lpgd_go[cvxpy]'",
        name="cvxpy",
    ) from _exc
import numpy as np
import scipy.sparse as sp
import torch

from . import _conic, _serial
from ._conic import Cones, check_backward_cones
from ._core import CPU, F64
from ._options import LayerBase, OnFailure
from ._sparse import UpperFold, csc_colptr, digest
from ._validate import (
    Arg,
    batch_size,
    check_call,
    check_finite,
    check_no_func_transform,
    check_psd,
    check_shape,
    to_tensor,
)
from .backward import BackwardMethod
from .cone import ConeInfo, cone_info
from .settings import SolverSettings
from .status import cvxpylayers_solver_error

__all__ = ["CvxpyLayer"]


# ---------------------------------------------------------------------------
# The parameter -> problem data map
# ---------------------------------------------------------------------------


class _ParamMap(torch.autograd.Function):
    """The values of the five blocks (P, c, A, b, objective offset) from the
    call's parameters: one sparse product per block over the stacked
    parameters (cvxpy's fixed affine map), its transpose in the backward pass.
    numpy on the calling thread (no torch op, so no torch parallel region: see
    docs/architecture.md, "Threads"); float64 out, gradients in each
    parameter's dtype and on its device, summed over the batch for shared
    parameters."""

    @staticmethod
    def forward(
        ctx: Any, m: _Map, arrs: list[np.ndarray], *params: torch.Tensor
    ) -> tuple[torch.Tensor, ...]:
        ctx.set_materialize_grads(False)
        ctx.m, ctx.arrs = m, arrs
        ctx.save_for_backward(*params)
        return tuple(torch.from_numpy(v) for v in m.values(arrs))

    @staticmethod
    def backward(ctx: Any, *grads: torch.Tensor | None) -> tuple[torch.Tensor | None, ...]:
        params = ctx.saved_tensors
        m: _Map = ctx.m
        gs = m.grads([None if g is None else _serial.as_f64(g).numpy() for g in grads])
        out: list[torch.Tensor | None] = []
        for i, (t, g) in enumerate(zip(params, gs, strict=True)):
            if g is None or not ctx.needs_input_grad[2 + i]:
                out.append(None)
                continue
            if m.log[i]:
                g = g / ctx.arrs[i].reshape(g.shape[0] if m.batched[i] else 1, -1)
            out.append(_serial.grad_for(g, t, m.batched[i]))
        guarded = _conic.first_order_only(tuple(out), grads)
        return (None, None, *guarded)


@dataclass
class _Map:
    """One call's view of the parameter → block-values map: which parameters
    and blocks carry the batch dim (blocks that depend on shared parameters
    only are computed once)."""

    blocks: list[sp.csr_array]  # per block, its rows of the map (K_k × (N + 1))
    MT: sp.csr_array  # the whole map, transposed ((N + 1) × K)
    offs: np.ndarray  # parameter i's columns: offs[i]:offs[i + 1]; the constant at offs[-1]
    batched: list[bool]  # per parameter
    log: list[bool]  # per parameter: enters by its log (gp)
    block_batched: list[bool]
    B: int

    def values(self, arrs: list[np.ndarray]) -> list[np.ndarray]:
        """Per block, (B, K_k) float64 (or (K_k,) when not batched)."""
        N1 = int(self.offs[-1]) + 1
        pT = np.empty((N1, self.B))
        for i, a in enumerate(arrs):
            a = np.log(a) if self.log[i] else a
            pT[self.offs[i] : self.offs[i + 1]] = a.reshape(
                a.shape[0] if self.batched[i] else 1, -1
            ).T
        pT[N1 - 1] = 1.0
        out = []
        for Mk, is_b in zip(self.blocks, self.block_batched, strict=True):
            if is_b:
                out.append(np.ascontiguousarray((Mk @ pT).T))
            else:
                out.append(np.ascontiguousarray((Mk @ pT[:, :1])[:, 0]))
        return out

    def grads(self, gs: list[np.ndarray | None]) -> list[np.ndarray | None]:
        """Per parameter, the (B or 1, size) gradient from the blocks' gradients
        (None when no block's gradient reaches it)."""
        if all(g is None for g in gs):
            return [None] * len(self.batched)
        K = self.MT.shape[1]
        gT = np.zeros((K, self.B))
        off = 0
        for Mk, is_b, g in zip(self.blocks, self.block_batched, gs, strict=True):
            k = Mk.shape[0]
            if g is not None:
                if is_b:
                    gT[off : off + k] = g.reshape(self.B, k).T
                else:
                    gT[off : off + k, 0] = g.reshape(k)
            off += k
        gp = self.MT @ gT  # (N + 1, B)
        return [
            np.ascontiguousarray(gp[self.offs[i] : self.offs[i + 1]].T)
            for i in range(len(self.batched))
        ]


@dataclass
class _Recovery:
    """How one requested variable is read from the solution: src[:, index] reshaped."""

    name: str
    source: str  # "x" or "y"
    index: torch.Tensor  # int64 indices in C order of shape
    shape: tuple[int, ...]
    exp: bool = False  # a geometric program's primal variable: exp of the log-space value
    scale: torch.Tensor | None = None  # per-entry factor (PSD duals: 1/√2 off the diagonal)

    def __post_init__(self) -> None:
        self.index_np: np.ndarray = self.index.numpy()
        # A symmetric variable reads each off-diagonal entry twice: its
        # gradient is then a sum (np.add.at) instead of a plain scatter.
        self.repeats: bool = bool(np.unique(self.index_np).size < self.index_np.size)
        self.scale_np: np.ndarray | None = (
            None if self.scale is None else self.scale.reshape(-1).numpy()
        )

    def read(self, src: torch.Tensor) -> torch.Tensor:
        """(B, size) entries of the (B, ·) float64 CPU src (times scale),
        differentiable in src."""
        if torch.is_grad_enabled() and src.requires_grad:
            return _Gather.apply(src, self)  # type: ignore[no-any-return]
        return torch.from_numpy(self.gather(src.detach().numpy()))

    def gather(self, a: np.ndarray) -> np.ndarray:
        v = a[:, self.index_np]
        return v if self.scale_np is None else v * self.scale_np


class _Gather(torch.autograd.Function):
    """src[:, index] (times a per-entry scale) by numpy on the calling thread:
    torch's advanced indexing (aten::index) opens a parallel region, and with
    libgomp's spinning workers it cost 5-7 ms of a 30-45 ms batch-32 call of
    the nearest-correlation and power-cone benchmarks (docs/architecture.md,
    "Threads"). The backward scatters (sums for repeated indices)."""

    @staticmethod
    def forward(ctx: Any, src: torch.Tensor, r: _Recovery) -> torch.Tensor:
        ctx.r, ctx.shape = r, tuple(src.shape)
        return torch.from_numpy(r.gather(src.detach().numpy()))

    @staticmethod
    def backward(ctx: Any, g: torch.Tensor) -> tuple[torch.Tensor | None, None]:
        check_no_func_transform(g)
        r: _Recovery = ctx.r
        gn = _serial.as_f64(g).numpy()
        if r.scale_np is not None:
            gn = gn * r.scale_np
        out = np.zeros(ctx.shape)
        if r.repeats:
            np.add.at(out.T, r.index_np, gn.T)  # out.T is a view: rows are entries
        else:
            out[:, r.index_np] = gn
        (res,) = _conic.first_order_only((torch.from_numpy(out),), (g,))
        return res, None


#: cvxpy's sign attributes of a parameter, as its messages name them.
_SIGN_ATTRS = ("nonneg", "pos", "nonpos", "neg")


def _check_semidefinite(
    label: str, arr: np.ndarray, batched: bool, sign: int, dtype: torch.dtype
) -> None:
    """A parameter declared PSD (sign 1) or NSD (−1): the matrix the layer
    uses — its upper triangle mirrored, as cvxpy reads a symmetric
    parameter — must be positive (negative) semidefinite, by the QP layer's
    test (``check_psd``: Go's shifted Cholesky, eigenvalues for the message).
    cvxpy rejects such a value when it is assigned; without the check the
    problem is not the declared convex one and a solve may report SOLVED at
    a point that is not its minimizer."""
    upper = np.triu(arr)
    sym = upper + np.swapaxes(np.triu(arr, 1), -1, -2)
    m = torch.from_numpy(np.ascontiguousarray(sign * sym))
    declared = "PSD" if sign > 0 else "NSD (its negation)"
    try:
        check_psd(label, m, batched, dtype)
    except ValueError as exc:
        raise ValueError(f"{exc} (the parameter is declared {declared})") from None


@dataclass
class _ParamSpec:
    name: str
    shape: tuple[int, ...]
    size: int
    nonneg: bool
    nonpos: bool
    log: bool = False  # a geometric program's parameter: enters as its log
    declared: str = ""  # the sign attribute (nonneg, pos, nonpos, neg), for messages
    psd: int = 0  # 1: declared PSD, −1: NSD (values checked per call, as cvxpy does)


def _fortran_index(shape: tuple[int, ...]) -> np.ndarray:
    """idx[c-order position] = column-major (cvxpy) position, as an array of shape."""
    size = int(np.prod(shape)) if shape else 1
    return np.arange(size, dtype=np.int64).reshape(shape, order="F")


def _triu_index(n: int) -> np.ndarray:
    """(n, n) array: position of (min(i,j), max(i,j)) in np.triu_indices(n) order."""
    rows, cols = np.triu_indices(n)
    pos = np.empty((n, n), dtype=np.int64)
    pos[rows, cols] = np.arange(len(rows))
    pos[cols, rows] = np.arange(len(rows))
    return pos


class _MissingParameterError(ValueError, AttributeError):
    """A parameter value is None. A ValueError like every other bad input, and an
    AttributeError as cvxpylayers raises there (it reads ``None.shape``)."""


def _check_positive(name: str, a: np.ndarray, batched: bool) -> None:
    """A geometric program's parameter must be > 0 (its log enters the problem)."""
    bad = ~(a > 0)
    if bool(bad.any()):
        where = ""
        if batched:
            rows = np.flatnonzero(bad.reshape(a.shape[0], -1).any(axis=1)).tolist()
            where = f" at batch indices {rows[:10]}"
        raise ValueError(
            f"{name} must be positive (gp=True takes its log){where}; "
            f"smallest value {float(a.min())}"
        )


def _name(obj: Any, i: int) -> str:
    try:
        return str(obj.name())
    except Exception:  # pragma: no cover - defensive
        return f"#{i}"


# ---------------------------------------------------------------------------
# CvxpyLayer
# ---------------------------------------------------------------------------


def _psd_rows_from_clarabel(rows: np.ndarray, cones: Cones) -> np.ndarray:
    """Maps canonical row indices from cvxpy's Clarabel layout of each PSD
    block (svec of the upper triangle column by column) to the solver's (the
    lower triangle column by column, SCS's order); other rows are unchanged.
    Both scale off-diagonal entries by √2; the PSD blocks follow the zero,
    nonnegative and second-order cone rows (cvxpy's order for Clarabel and SCS:
    exponential and power cones come after them)."""
    perm = np.arange(cones.dim, dtype=np.int64)
    off = cones.zero + cones.nonneg + sum(cones.soc)
    for d in cones.psd:
        ours: dict[tuple[int, int], int] = {}
        k = 0
        for j in range(d):
            for i in range(j, d):
                ours[(i, j)] = k
                k += 1
        k = 0
        for j in range(d):
            for i in range(j + 1):  # Clarabel's entry (i, j), i <= j, is our (j, i)
                perm[off + k] = off + ours[(j, i)]
                k += 1
        off += d * (d + 1) // 2
    out: np.ndarray = perm[rows]
    return out


class CvxpyLayer(LayerBase):
    """A differentiable cvxpy problem (cvxpylayers' API) solved by lpgd_go.

    Args:
        problem: a DPP-compliant ``cvxpy.Problem`` (``problem.is_dpp()``; a
            ``quad_form(x, P)`` with parametric P is allowed in the objective).
        parameters: the problem's parameters (exactly ``problem.parameters()``),
            in the order the forward call takes their values.
        variables: primal variables of the problem and/or constraint dual
            variables (``con.dual_variables[k]``), in the order they are returned.
        backward: ``"kkt"``, ``"lpgd"``, ``"bpqp"`` (second-order cones: solver="direct" only) or an
            instance of KKT, LPGD, BPQP.
        settings: SolverSettings, a dict of overrides, or None for defaults.
        on_failure: ``"raise"`` or ``"nan"`` (NaN outputs, zero gradients).
        canon_backend: passed to cvxpy's ``get_problem_data``.
        gp: the problem is a geometric program (``problem.is_dgp(dpp=True)``):
            positive parameter values are passed and enter through their logs;
            primal variables are returned as positive values (exp of the
            log-space solution). Posynomials become exponential cones;
            constraint duals are not returned.

    Calling ``layer(*params, solver_args=None, return_info=False)`` returns a
    tuple with one tensor per requested variable (and a ConeInfo with
    ``return_info=True``; its objective is the cvxpy problem's objective value).
    ``solver_args`` may hold SolverSettings fields, ``backward`` and
    ``on_failure``; they override the layer's defaults for that call. It also
    accepts the keys cvxpylayers users pass to SCS, ECOS and Clarabel, mapped
    onto SolverSettings (``eps`` -> ``tol_gap_abs``, ``tol_gap_rel``,
    ``tol_feas``; ``eps_abs`` -> ``tol_gap_abs``; ``eps_rel`` -> ``tol_gap_rel``,
    ``tol_feas``; ``eps_infeas`` -> ``tol_infeas_abs``, ``tol_infeas_rel``;
    ``max_iters`` -> ``max_iter``; ``time_limit_secs`` -> ``time_limit``;
    ``abstol``/``reltol``/``feastol`` -> ``tol_gap_abs``/``tol_gap_rel``/
    ``tol_feas``; ``abstol_inacc``, ``reltol_inacc`` -> ``reduced_tol_gap``;
    ``feastol_inacc`` -> ``reduced_tol_feas``; Clarabel's ``equilibrate_enable``,
    ``equilibrate_max_iter``, ``static_regularization_constant``,
    ``iterative_refinement_max_iter`` -> ``equilibrate``, ``equilibrate_iters``,
    ``static_reg``, ``iter_refine_max``; a field by its own name wins, the
    smallest of several aliases wins). Keys without meaning for an
    interior-point solver (``acceleration_lookback``, ``normalize``, ``scale``,
    ``alpha``, ``verbose``, ``warm_start``, ...) are ignored with one
    UserWarning per layer and key; other keys raise ValueError.

    Raises:
        ValueError: the problem is not DPP, the parameters are not exactly the
            problem's, a variable is not in the problem, or an invalid option.
        NotImplementedError: the problem needs an unsupported parameter or
            variable attribute, or a dual variable that is not available
            (of a PowConeND constraint).

    A failed solve raises ``lpgd_go.SolverError``; when diffcp is importable
    the exception is also a ``diffcp.SolverError``.

    Example:
        >>> import cvxpy as cp, torch
        >>> from lpgd_go.cvxpy import CvxpyLayer
        >>> x, q = cp.Variable(2), cp.Parameter(2)
        >>> prob = cp.Problem(cp.Minimize(cp.sum_squares(x) + q @ x), [x >= 0])
        >>> layer = CvxpyLayer(prob, parameters=[q], variables=[x])
        >>> (x_star,) = layer(torch.tensor([1.0, -1.0], dtype=torch.float64))
    """

    def __init__(
        self,
        problem: cp.Problem,
        parameters: Sequence[cp.Parameter],
        variables: Sequence[cp.Variable],
        *,
        backward: BackwardMethod | str = "kkt",
        settings: SolverSettings | dict[str, Any] | None = None,
        on_failure: OnFailure = "raise",
        canon_backend: str | None = None,
        gp: bool = False,
    ) -> None:
        super().__init__(backward=backward, settings=settings, on_failure=on_failure)
        if not isinstance(gp, bool):
            raise ValueError(f"gp must be a bool, got {gp!r}")
        self.gp = gp
        if not isinstance(problem, cp.Problem):
            raise ValueError(f"problem must be a cvxpy.Problem, got {type(problem).__name__}")
        if not isinstance(parameters, (list, tuple)):
            raise ValueError(
                "The layer's parameters must be provided as a list or tuple of cvxpy Parameters"
            )
        if not isinstance(variables, (list, tuple)):
            raise ValueError(
                "The layer's variables must be provided as a list or tuple of cvxpy Variables"
            )
        if len(variables) == 0:
            raise ValueError("variables must name at least one variable to return")
        self._canonicalize(problem, list(parameters), list(variables), canon_backend)
        check_backward_cones(self.backward_method, self.cones)

    # -- canonicalization -------------------------------------------------

    def _canonicalize(
        self,
        problem: cp.Problem,
        parameters: list[cp.Parameter],
        variables: list[cp.Variable],
        canon_backend: str | None,
    ) -> None:
        for i, p in enumerate(parameters):
            if not isinstance(p, cp.Parameter):
                raise ValueError(f"parameters[{i}] is not a cvxpy Parameter: {p!r}")
        ids = [p.id for p in parameters]
        if len(set(ids)) != len(ids):
            raise ValueError("parameters contains the same Parameter twice")
        prob_ids = {p.id for p in problem.parameters()}
        if set(ids) != prob_ids:
            missing = [p.name() for p in problem.parameters() if p.id not in set(ids)]
            extra = [p.name() for p in parameters if p.id not in prob_ids]
            raise ValueError(
                "The layer's parameters must exactly match problem.parameters"
                + (f"; missing: {missing}" if missing else "")
                + (f"; not in the problem: {extra}" if extra else "")
            )
        gp_params: dict[int, cp.Parameter] = {}
        gp_var_ids: dict[int, int] = {}
        canon_problem = problem
        qp_dpp = False
        if self.gp:
            if not problem.is_dgp(dpp=True):  # type: ignore[call-arg]
                raise ValueError(
                    "Problem must be DPP for geometric programming. (gp=True needs "
                    "problem.is_dgp(dpp=True): a log-log convex program whose parameters "
                    "enter as DPP; see https://www.cvxpy.org/tutorial/dgp/index.html)"
                )
            # cvxpy's DGP -> DCP reduction: variables and (positive) parameters are
            # replaced by their logs; the layer takes logs of those parameters'
            # values and returns exp of the variables.
            dgp2dcp = cp.reductions.Dgp2Dcp(problem)  # type: ignore[attr-defined]
            canon_problem, _ = dgp2dcp.apply(problem)  # type: ignore[no-untyped-call]
            gp_params = {p.id: lp for p, lp in dgp2dcp.canon_methods._parameters.items()}
            gp_var_ids = {int(k): int(v[0]) for k, v in dgp2dcp.var_id_map.items()}
        elif not problem.is_dcp():
            hint = (
                " It is log-log convex (problem.is_dgp()): pass gp=True."
                if problem.is_dgp()
                else ""
            )
            raise ValueError(
                "Problem must be DPP. It is not DCP (problem.is_dcp() is False); "
                f"CvxpyLayer needs a DPP-compliant convex problem.{hint}"
            )
        elif not problem.is_dpp():
            if problem.is_dpp(quad_form_dpp="qp"):  # type: ignore[call-arg]
                qp_dpp = True
            else:
                raise ValueError(
                    "Problem must be DPP. problem.is_dpp() is False: parameters must enter "
                    "affinely (e.g. no products of two parameters, no parameter inside a "
                    "nonlinear atom); quad_form(x, P) with a parametric P is allowed in the "
                    "objective only. See "
                    "https://www.cvxpy.org/tutorial/dpp/index.html"
                )
        self.problem = problem
        self.parameters_ = parameters
        self.variables_ = variables

        scope = contextlib.nullcontext()
        if qp_dpp:
            from cvxpy.utilities import scopes

            scope = scopes.quad_form_dpp_scope()  # type: ignore[assignment]
        last_exc: Exception | None = None
        data = chain = None
        canon_solver = None
        with scope:
            for solver in (cp.CLARABEL, cp.SCS):
                try:
                    data, chain, _ = canon_problem.get_problem_data(
                        solver=solver, canon_backend=canon_backend
                    )
                    canon_solver = solver
                    if solver == cp.CLARABEL and getattr(
                        data[cp.settings.PARAM_PROB].cone_dims, "pnd", []
                    ):
                        # n-d power cones (PowConeND): Clarabel takes them as they are;
                        # cvxpy's SCS target rewrites each as a chain of 3-d power cones
                        # with auxiliary variables (its ExactCone2Cone reduction), which
                        # the solver has.
                        continue
                    break
                except cp.error.SolverError as exc:  # solver not installed
                    last_exc = exc
        if data is None or chain is None:
            raise RuntimeError(f"cvxpy could not canonicalize the problem: {last_exc}")
        pp = data[cp.settings.PARAM_PROB]

        # Cones.
        dims = pp.cone_dims
        if getattr(dims, "pnd", []):
            raise NotImplementedError(
                f"this problem canonicalizes to {len(dims.pnd)} n-d power cone(s) (PowConeND "
                "constraints) and cvxpy's SCS target, which writes them as 3-d power cones, "
                "is not available"
            )
        psd = tuple(int(d) for d in getattr(dims, "psd", []))
        p3d = tuple(float(a) for a in getattr(dims, "p3d", []))
        for i, a in enumerate(p3d):
            if not 0.0 < a < 1.0:
                raise ValueError(
                    f"PowCone3D exponent alpha = {a!r} (power cone {i} of the canonical "
                    "problem) is not in the open interval (0, 1)"
                )
        self.cones = Cones(
            zero=int(dims.zero),
            nonneg=int(dims.nonneg),
            soc=tuple(dims.soc),
            psd=psd,
            exp=int(getattr(dims, "exp", 0)),
            pow=p3d,
        )
        n = int(pp.x.size)
        m = self.cones.dim
        self.n, self.m = n, m

        # Parameter columns: user order, C-order flattening, then the constant.
        raw_pmap = chain.compose_param_id_map()
        param_id_map = {k: v[0] for k, v in raw_pmap.items()}
        n_canon_cols = int(pp.q.shape[1])
        zero_col = n_canon_cols  # an extra all-zero column for unused entries
        cols: list[np.ndarray] = []
        specs: list[_ParamSpec] = []
        for i, p in enumerate(parameters):
            shape = tuple(int(d) for d in p.shape)
            pid = gp_params[p.id].id if p.id in gp_params else p.id
            cid = param_id_map.get(pid, pid)
            if cid not in pp.param_id_to_col:
                # A parameter that canonicalization eliminated (e.g. multiplied by 0):
                # its entries map to the zero column.
                cols.append(np.full(int(np.prod(shape)) if shape else 1, zero_col))
            else:
                start = int(pp.param_id_to_col[cid])
                if pid in param_id_map and getattr(p, "_has_dim_reducing_attr", False):
                    attrs = getattr(p, "attributes", {})
                    if not any(attrs.get(a) for a in ("symmetric", "hermitian", "PSD", "NSD")):
                        raise NotImplementedError(
                            f"parameter {p.name()!r} has a dimension-reducing attribute "
                            "(diag, sparsity, ...) that CvxpyLayer does not handle"
                        )
                    k = shape[-1]
                    pos = _triu_index(k)
                    upper = np.triu(np.ones((k, k), dtype=bool))
                    # cvxpy reads the upper triangle of a symmetric parameter (as
                    # cvxpylayers does): strictly lower entries get no column.
                    c = np.where(upper, start + pos, zero_col)
                    cols.append(c.reshape(-1))
                else:
                    cols.append(start + _fortran_index(shape).reshape(-1))
            attrs = getattr(p, "attributes", {})
            specs.append(
                _ParamSpec(
                    name=_name(p, i),
                    shape=shape,
                    size=int(np.prod(shape)) if shape else 1,
                    nonneg=bool(attrs.get("nonneg") or attrs.get("pos")),
                    nonpos=bool(attrs.get("nonpos") or attrs.get("neg")),
                    log=p.id in gp_params,
                    declared=next((k for k in _SIGN_ATTRS if attrs.get(k)), ""),
                    psd=1 if attrs.get("PSD") else (-1 if attrs.get("NSD") else 0),
                )
            )
        cols.append(np.array([n_canon_cols - 1]))  # the constant 1
        col_index = np.concatenate(cols).astype(np.int64)
        self._specs = specs
        self._n_cols = len(col_index)

        # Blocks (rows of the stacked map), each a CSR matrix over canonical columns.
        def with_zero_col(M: sp.spmatrix | sp.sparray) -> sp.csr_array:
            M = sp.csr_array(M)
            return sp.hstack([M, sp.csr_array((M.shape[0], 1))], format="csr")

        # P: upper triangle of cvxpy's full symmetric P, v_ij = ½(P_ij + P_ji).
        has_p = False
        p_pattern = None
        P_rows = sp.csr_array((0, n_canon_cols))
        rp = getattr(pp, "reduced_P", None)
        if rp is not None and getattr(rp, "matrix_data", None) is not None:
            rp.cache()
            if rp.problem_data_index is not None and rp.reduced_mat is not None:
                idx, ptr, _shape = rp.problem_data_index
                idx = np.asarray(idx, dtype=np.int64)
                ptr = np.asarray(ptr, dtype=np.int64)
                pc = np.repeat(np.arange(n, dtype=np.int64), np.diff(ptr))
                if len(idx):
                    f = UpperFold.of(idx, pc, n)
                    fold = sp.csr_array(
                        (f.weight, (f.index, np.arange(len(idx)))), shape=(len(f.keys), len(idx))
                    )
                    P_rows = sp.csr_array(fold @ sp.csr_array(rp.reduced_mat))
                    p_pattern = f.pattern
                    has_p = True
        # c and the objective offset.
        q = sp.csr_array(pp.q)
        c_rows = q[:n]
        d_row = q[n : n + 1]
        # A and b from A_aug = [A_cvx | b_cvx] with A_cvx x + b_cvx ∈ K, i.e.
        # A = -A_cvx, b = b_cvx in the form Ax + s = b.
        ra = pp.reduced_A
        ra.cache()
        if ra.problem_data_index is None or ra.reduced_mat is None or m == 0:
            ar = ac = np.zeros(0, dtype=np.int64)
            RA = sp.csr_array((0, n_canon_cols))
        else:
            a_idx, a_ptr, _ashape = ra.problem_data_index
            ar = np.asarray(a_idx, dtype=np.int64)
            ac = np.repeat(np.arange(n + 1, dtype=np.int64), np.diff(np.asarray(a_ptr)))
            RA = sp.csr_array(ra.reduced_mat)
        if self.cones.psd and canon_solver == cp.CLARABEL:
            # (cvxpy's SCS form already has the solver's PSD row order.)
            ar = _psd_rows_from_clarabel(ar, self.cones)
        in_A = ac < n
        a_ent = np.nonzero(in_A)[0]
        order = np.lexsort((ar[a_ent], ac[a_ent]))
        a_ent = a_ent[order]
        a_rowval = ar[a_ent]
        a_colptr = csc_colptr(ac[a_ent], n)
        A_rows = -RA[a_ent]
        b_ent = np.nonzero(~in_A)[0]
        scatter_b = sp.csr_array(
            (np.ones(len(b_ent)), (ar[b_ent], np.arange(len(b_ent)))), shape=(m, len(b_ent))
        )
        b_rows = sp.csr_array(scatter_b @ RA[b_ent])

        blocks = [P_rows, c_rows, A_rows, b_rows, d_row]
        sizes = [int(B.shape[0]) for B in blocks]
        M = sp.vstack([with_zero_col(B) for B in blocks], format="csr")
        M = sp.csr_array(M[:, col_index])
        M.sum_duplicates()
        M.sort_indices()
        self._MT = sp.csr_array(M.T)
        offs = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self._block_slices = [slice(int(offs[k]), int(offs[k + 1])) for k in range(5)]
        self._M_blocks = [sp.csr_array(M[sl]) for sl in self._block_slices]
        self._param_offs = np.concatenate([[0], np.cumsum([s.size for s in specs])]).astype(
            np.int64
        )
        self._has_p = has_p
        self._p_pattern = p_pattern
        self._a_pattern = (a_colptr, a_rowval)
        self._p_digest = None if p_pattern is None else digest(*p_pattern)
        self._a_digest = digest(a_colptr, a_rowval)
        # Which user parameters each block depends on (for sharing across the batch).
        param_of_col = np.concatenate(
            [np.full(s.size, i) for i, s in enumerate(specs)] + [np.array([-1])]
        ).astype(np.int64)
        self._block_params: list[frozenset[int]] = []
        for k in range(5):
            sub = M[self._block_slices[k]]
            used = np.unique(sub.indices) if sub.nnz else np.array([], dtype=np.int64)
            self._block_params.append(frozenset(int(param_of_col[j]) for j in used) - {-1})
        self._maximize = isinstance(problem.objective, cp.Maximize)

        # Variable recovery.
        raw_vmap = chain.compose_var_id_map()
        if any(len(v) > 1 for v in raw_vmap.values()):
            raise NotImplementedError("complex variables are not supported")
        var_id_map = {k: v[0] for k, v in raw_vmap.items()}
        if self.gp:
            var_id_map = {k: var_id_map.get(v, v) for k, v in gp_var_ids.items()}
        self._recover = [
            self._recovery(v, k, pp, var_id_map, chain.compose_constr_id_map())
            for k, v in enumerate(variables)
        ]

    def _recovery(
        self,
        v: cp.Variable,
        k: int,
        pp: Any,
        var_id_map: dict[int, int],
        constr_id_map: dict[int, int],
    ) -> _Recovery:
        shape = tuple(int(d) for d in v.shape)
        size = int(np.prod(shape)) if shape else 1
        name = _name(v, k)
        primal = {x.id for x in self.problem.variables()}
        if v.id in primal:
            vid = var_id_map.get(v.id, v.id)
            if vid not in pp.var_id_to_col:
                raise ValueError(f"variable {name!r} does not appear in the canonical problem")
            start = int(pp.var_id_to_col[vid])
            starts = sorted(int(s) for s in pp.var_id_to_col.values())
            nxt = [s for s in starts if s > start]
            canon_size = (nxt[0] if nxt else int(pp.x.size)) - start
            if canon_size == size:
                idx = start + _fortran_index(shape)
            elif (
                len(shape) == 2
                and shape[0] == shape[1]
                and canon_size == shape[0] * (shape[0] + 1) // 2
            ):
                idx = start + _triu_index(shape[0])  # symmetric: upper triangle, row major
            else:
                raise NotImplementedError(
                    f"variable {name!r} has an attribute that changes its canonical size "
                    f"({size} -> {canon_size}); not supported"
                )
            return _Recovery(name, "x", torch.as_tensor(idx.reshape(-1)), shape, exp=self.gp)
        # A constraint dual variable.
        parent = None
        for con in self.problem.constraints:
            if any(dv.id == v.id for dv in con.dual_variables):
                parent = con
                break
        if parent is None:
            raise ValueError(
                f"Variable {v} must be a subset of problem.variables or a constraint dual "
                f"variable (variables[{k}], {name!r}, is neither)"
            )
        if self.gp:
            raise NotImplementedError(
                f"variables[{k}] ({name!r}) is a constraint dual variable; CvxpyLayer with "
                "gp=True returns primal variables only"
            )
        from cvxpy.constraints.power import PowConeND

        if isinstance(parent, PowConeND):
            raise NotImplementedError(
                f"variables[{k}] ({name!r}) is a dual variable of a PowConeND constraint: "
                "cvxpy defines no dual values for n-d power cones (it solves them as "
                "chains of 3-d power cones), and neither does CvxpyLayer"
            )
        rid = constr_id_map.get(parent.id, parent.id)
        from cvxpy.constraints.nonpos import NonNeg
        from cvxpy.constraints.second_order import SOC
        from cvxpy.constraints.zero import Zero

        start = 0
        found = None
        for ctype in (Zero, NonNeg, SOC):
            for con in pp.constr_map.get(ctype, []):
                if con.id == rid:
                    found = (ctype, con)
                    break
                start += int(con.size)
            if found:
                break
        if found is None:
            psd = self._psd_dual(rid, pp, shape, name)
            if psd is not None:
                return psd
            which = next(j for j, dv in enumerate(parent.dual_variables) if dv.id == v.id)
            expd = self._exp_dual(rid, pp, which, shape, name)
            if expd is not None:
                return expd
            raise NotImplementedError(
                f"the dual of constraint {parent} is not available (its canonical form is "
                "not a zero, nonnegative, second-order cone, PSD, exponential- or 3-d power-cone "
                "constraint)"
            )
        ctype, rcon = found
        which = next(j for j, dv in enumerate(parent.dual_variables) if dv.id == v.id)
        if ctype is not SOC:
            off = sum(int(dv.size) for dv in parent.dual_variables[:which])
            idx = start + off + _fortran_index(shape)
            return _Recovery(name, "y", torch.as_tensor(idx.reshape(-1)), shape)
        # SOC: cones are stored one after another as [t_i, x_i]; cone i is column i
        # (axis 0) or row i (axis 1) of the user's X (the canonical constraint may
        # have been transposed to axis 0, so the layout comes from the original).
        t_arg, X_arg = parent.args[0], parent.args[1]
        sizes = [int(q) for q in rcon.cone_sizes()]
        cstart = start + np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        t_shape = tuple(int(d) for d in t_arg.shape)
        X_shape = tuple(int(d) for d in X_arg.shape)
        if which == 0:
            nat = cstart.reshape(t_shape) if t_shape else cstart.reshape(())
        else:
            d = sizes[0] - 1
            if len(X_shape) <= 1:
                nat = (cstart[0] + 1 + np.arange(d)).reshape(X_shape)
            elif parent.axis == 0:  # cone i is column i
                nat = cstart[None, :] + 1 + np.arange(d)[:, None]
            else:  # cone i is row i
                nat = cstart[:, None] + 1 + np.arange(d)[None, :]
        nat = np.asarray(nat, dtype=np.int64)
        if tuple(nat.shape) != shape:
            if nat.size != size:
                raise NotImplementedError(f"cannot map the dual variable {name!r} of {parent}")
            nat = nat.reshape(-1, order="F").reshape(shape, order="F")
        return _Recovery(name, "y", torch.as_tensor(nat.reshape(-1)), shape)

    def _psd_dual(self, rid: int, pp: Any, shape: tuple[int, ...], name: str) -> _Recovery | None:
        """The dual of a PSD constraint (canonical id rid) as cvxpy returns it: the
        symmetric d×d matrix Y with ⟨Y, X⟩ the pairing, read from the block's
        svec rows (lower triangle column by column, off-diagonal entries √2·Y_ij).
        None when rid is not a PSD constraint of the canonical problem."""
        from cvxpy.constraints.psd import PSD

        types: list[type] = [PSD]
        with contextlib.suppress(ImportError):  # cvxpy >= 1.6 canonicalizes to SvecPSD
            from cvxpy.constraints.psd import SvecPSD

            types.append(SvecPSD)
        # PSD blocks follow the zero, nonnegative and second-order cone rows.
        start = self.cones.zero + self.cones.nonneg + sum(self.cones.soc)
        k = 0
        for ctype in types:
            for con in pp.constr_map.get(ctype, []):
                d = self.cones.psd[k]
                if con.id == rid:
                    if shape != (d, d):
                        raise NotImplementedError(
                            f"cannot map the dual variable {name!r} of shape {shape} to a "
                            f"{d}x{d} PSD block"
                        )
                    rows, cols = np.meshgrid(np.arange(d), np.arange(d), indexing="ij")
                    lo, hi = np.maximum(rows, cols), np.minimum(rows, cols)
                    # svec position of (lo, hi), lo >= hi: column hi starts after
                    # the columns 0..hi-1 of lengths d, d-1, ...
                    pos = hi * d - hi * (hi - 1) // 2 + (lo - hi)
                    scale = np.where(rows == cols, 1.0, 1 / np.sqrt(2.0))
                    return _Recovery(
                        name,
                        "y",
                        torch.as_tensor((start + pos).reshape(-1), dtype=torch.int64),
                        shape,
                        scale=torch.as_tensor(scale.reshape(shape), dtype=F64),
                    )
                start += d * (d + 1) // 2
                k += 1
        return None

    def _exp_dual(
        self, rid: int, pp: Any, which: int, shape: tuple[int, ...], name: str
    ) -> _Recovery | None:
        """Dual variable ``which`` (0, 1, 2 for the x, y, z arguments) of an
        exponential-cone or 3-d power-cone constraint (canonical id rid) as cvxpy
        returns it: the constraint's rows hold one (x_i, y_i, z_i) triple per
        cone, the elements in Fortran order (cvxpy's ``ExpCone.save_dual_value``;
        ``PowCone3D`` the same), and the solver's y on them is the multiplier in
        the dual cone. None when rid is neither kind of constraint of the
        canonical problem."""
        from cvxpy.constraints.exponential import ExpCone
        from cvxpy.constraints.power import PowCone3D

        # Exponential-cone rows follow the zero, nonnegative, second-order and
        # PSD rows; the 3-d power cones come last.
        start = self.cones.dim - 3 * self.cones.exp - 3 * len(self.cones.pow)
        for ctype, kind in ((ExpCone, "exponential"), (PowCone3D, "power")):
            for con in pp.constr_map.get(ctype, []):
                if con.id == rid:
                    ncones = int(con.size) // 3
                    size = int(np.prod(shape)) if shape else 1
                    if size != ncones:
                        raise NotImplementedError(
                            f"cannot map the dual variable {name!r} of shape {shape} to "
                            f"{ncones} {kind} cone(s)"
                        )
                    idx = start + 3 * _fortran_index(shape) + which
                    return _Recovery(name, "y", torch.as_tensor(idx.reshape(-1)), shape)
                start += int(con.size)
        return None

    # -- forward ----------------------------------------------------------

    def _parameter_values(
        self, params: tuple[Any, ...]
    ) -> tuple[list[torch.Tensor], list[bool], int, bool, torch.dtype, torch.device]:
        """(tensors, batched, batch size, unbatched, dtype, device) of a call's
        parameter values, shapes and batch sizes checked."""
        specs = self._specs
        if len(params) != len(specs):
            names = ", ".join(s.name for s in specs)
            raise ValueError(
                "A tensor must be provided for each CVXPY parameter; received "
                f"{len(params)} tensors, expected {len(specs)} ({names}, in the order of "
                "`parameters`)"
            )
        tensors: list[torch.Tensor] = []
        batched: list[bool] = []
        sizes: dict[str, int] = {}
        for i, (v, s) in enumerate(zip(params, specs, strict=True)):
            if v is None:
                raise _MissingParameterError(
                    f"parameter {s.name!r} (index {i}) is None: a tensor must be provided for "
                    "each CVXPY parameter"
                )
            t = to_tensor(f"parameter {s.name!r} (index {i})", v)
            if t.dim() not in (len(s.shape), len(s.shape) + 1):
                raise ValueError(
                    f"Invalid parameter dimensionality for parameter {i} ({s.name!r}). "
                    f"Expected {len(s.shape)} or {len(s.shape) + 1} dimensions, "
                    f"Got: {t.dim()} dimensions (shape {tuple(t.shape)})"
                )
            try:
                is_b = check_shape(f"parameter {s.name!r} (index {i})", t, s.shape)
            except ValueError as exc:
                raise ValueError(f"Invalid parameter shape for parameter {i}. {exc}") from None
            if is_b:
                sizes[repr(s.name)] = int(t.shape[0])
            tensors.append(t)
            batched.append(is_b)
        try:
            B = batch_size(sizes, "parameters")
        except ValueError as exc:
            raise ValueError(f"Inconsistent batch sizes. {exc}") from None
        devices = {t.device for t in tensors}
        if len(devices) > 1:
            raise ValueError(
                f"all parameters must be on one device, got {sorted(map(str, devices))}"
            )
        float_ts = [t for t in tensors if t.is_floating_point()]
        dtype = float_ts[0].dtype if float_ts else torch.get_default_dtype()
        for t in float_ts[1:]:
            dtype = torch.promote_types(dtype, t.dtype)
        device = tensors[0].device if tensors else CPU
        return tensors, batched, B, not sizes, dtype, device

    @overload
    def forward(
        self,
        *params: Any,
        solver_args: dict[str, Any] | None = ...,
        return_info: Literal[False] = ...,
    ) -> tuple[torch.Tensor, ...]: ...

    @overload
    def forward(
        self,
        *params: Any,
        solver_args: dict[str, Any] | None = ...,
        return_info: Literal[True],
    ) -> tuple[tuple[torch.Tensor, ...], ConeInfo]: ...

    @overload
    def forward(
        self,
        *params: Any,
        solver_args: dict[str, Any] | None = ...,
        return_info: bool = ...,
    ) -> tuple[torch.Tensor, ...] | tuple[tuple[torch.Tensor, ...], ConeInfo]: ...

    def forward(
        self,
        *params: Any,
        solver_args: dict[str, Any] | None = None,
        return_info: bool = False,
    ) -> tuple[torch.Tensor, ...] | tuple[tuple[torch.Tensor, ...], ConeInfo]:
        """Solve for the given parameter values.

        Args:
            *params: one tensor per parameter, in the order of ``parameters``, each
                of the parameter's shape or with a leading batch dim (batched and
                shared ones may be mixed).
            solver_args: SolverSettings fields, ``backward``, ``on_failure`` and
                SCS/ECOS/Clarabel keys (see the class docstring) overriding the
                layer's defaults for this call.
            return_info: also return a ConeInfo (objective of the cvxpy problem).

        Returns:
            A tuple with one tensor per requested variable (batched when any
            parameter is), or ``(that tuple, info)`` with return_info.

        Raises:
            ValueError: wrong number, shapes, batch sizes or values of the
                parameters, or an invalid option.
            SolverError: a sample failed and ``on_failure="raise"`` (also a
                ``diffcp.SolverError`` when diffcp is importable).
        """
        check_call()
        if not isinstance(return_info, bool):
            raise ValueError(f"return_info must be a bool, got {return_info!r}")
        opts = self._solver_args_options(solver_args)
        check_backward_cones(opts.backward, self.cones)
        tensors, batched, B, unbatched, dtype, device = self._parameter_values(params)
        # Parameters as float64 CPU numpy arrays (no torch op on the call path:
        # docs/architecture.md, "Threads"); the map's autograd Function takes the
        # tensors themselves and hands their gradients back in their dtype.
        arrs: list[np.ndarray] = []
        for i, (t, s, is_b) in enumerate(zip(tensors, self._specs, batched, strict=True)):
            a = _serial.as_f64(t)
            sign = 1 if s.nonneg else (-1 if s.nonpos else 0)
            label = f"parameter {s.name!r} (index {i})"
            check_finite(label, a, is_b, sign=sign, declared=s.declared)
            arr = a.numpy()
            if s.psd:
                _check_semidefinite(label, arr, is_b, s.psd, t.dtype)
            if s.log:
                _check_positive(f"parameter {s.name!r} (index {i})", arr, is_b)
            arrs.append(arr)
        batched_params = {i for i, is_b in enumerate(batched) if is_b}
        pmap = _Map(
            blocks=self._M_blocks,
            MT=self._MT,
            offs=self._param_offs,
            batched=batched,
            log=[s.log for s in self._specs],
            block_batched=[bool(bp & batched_params) for bp in self._block_params],
            B=B,
        )
        if torch.is_grad_enabled() and any(t.requires_grad for t in tensors):
            vals = _ParamMap.apply(pmap, arrs, *tensors)
        else:
            vals = tuple(torch.from_numpy(v) for v in pmap.values(arrs))
        blocks: list[Arg] = [
            Arg(t, is_b, t.detach())
            for t, is_b in zip(vals[:4], pmap.block_batched[:4], strict=True)
        ]
        st = _conic.structure(
            self.n,
            self.cones,
            self._has_p,
            self._p_pattern,
            self._a_pattern,
            opts.settings.linear_solver,
            p_digest=self._p_digest,
            a_digest=self._a_digest,
        )
        P = blocks[0] if self._has_p else None
        run = _conic.Run(
            st,
            B,
            P,
            blocks[1],
            [blocks[2]],
            [blocks[3]],
            opts,
            what="CvxpyLayer",
            single=B == 1,
            error=cvxpylayers_solver_error(),
        )
        x, y, _s = _conic.solve(run)
        outs: list[torch.Tensor] = []
        for r in self._recover:
            v = r.read(x if r.source == "x" else y).reshape(B, *r.shape)
            if r.exp:
                v = torch.exp(v)
            outs.append(_conic.to_caller(v, unbatched, dtype, device))
        if not return_info:
            return tuple(outs)
        info = cone_info(run, unbatched, dtype, device)
        d = vals[4].detach().reshape(-1).to(dtype=dtype, device=device)
        if unbatched:
            d = d[0]
        obj, dual_obj = info.objective + d, info.dual_objective + d
        if self._maximize:
            obj, dual_obj = -obj, -dual_obj
        return tuple(outs), replace(info, objective=obj, dual_objective=dual_obj)

    def extra_repr(self) -> str:
        return (
            f"n={self.n}, cones={self.cones!r}, parameters={[s.name for s in self._specs]}, "
            f"variables={[r.name for r in self._recover]}, backward={self.backward_method!r}"
        )
