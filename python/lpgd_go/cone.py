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

from dataclasses import dataclass
from typing import Any, Literal, overload

import torch

from . import _conic
from . import _validate as val
from ._conic import Cones, check_backward_cones
from ._options import LayerBase, OnFailure, Options, resolve_options
from ._sparse import SparseMatrix, matrix
from ._validate import TensorLike
from .backward import BackwardMethod
from .settings import SolverSettings

__all__ = ["ConeInfo", "ConeLayer", "Cones", "SparseMatrix", "solve_cone"]

ConeOutputs = tuple[torch.Tensor, torch.Tensor, torch.Tensor]


@dataclass
class ConeInfo:
    """Per-sample details of a solve (leading batch dim unless the call was unbatched).

    Attributes:
        status: int32 tensor of ``Status`` codes.
        objective: primal objective ½xᵀPx + cᵀx (NaN for failed samples).
        dual_objective: dual objective.
        iterations: interior-point iterations (int64); 0 for a small strictly
            convex QP the dual active-set start solved (``polished`` True; see
            ``SolverSettings.max_iter``).
        primal_residual, dual_residual: relative residuals at the returned point.
        gap: relative duality gap.
        polished: bool tensor, whether the solution is the polished active-set
            solution (``SolverSettings.polish``; never with second-order cones).
        tolerance: int8 tensor of ``Tolerance`` codes: which tolerances the
            returned point meets (FULL for solved, REDUCED for almost_solved).
    """

    status: torch.Tensor
    objective: torch.Tensor
    dual_objective: torch.Tensor
    iterations: torch.Tensor
    primal_residual: torch.Tensor
    dual_residual: torch.Tensor
    gap: torch.Tensor
    polished: torch.Tensor
    tolerance: torch.Tensor


_INFO_NAMES = ("objective", "dual_objective", "primal_residual", "dual_residual", "gap")


def cone_info(
    run: _conic.Run, unbatched: bool, dtype: torch.dtype, device: torch.device
) -> ConeInfo:
    """The ConeInfo of a run's last solve, in the caller's dtype and on its device."""
    return ConeInfo(**run.info_values(_INFO_NAMES, unbatched, dtype, device))


def _cone(
    P: object | None,
    c: TensorLike,
    A: object,
    b: TensorLike,
    cones: Cones,
    opts: Options,
) -> ConeOutputs | tuple[torch.Tensor, torch.Tensor, torch.Tensor, ConeInfo]:
    val.check_call()
    if not isinstance(cones, Cones):
        raise ValueError(
            f"cones must be an lpgd_go.Cones(zero=..., nonneg=..., soc=[...]), got "
            f"{type(cones).__name__}"
        )
    check_backward_cones(opts.backward, cones)
    ct = val.vector("c", c, "n", nonempty=True)
    n = int(ct.shape[-1])
    if b is None or A is None:
        raise ValueError("A and b are required (for no constraints give A of shape (0, n))")
    bt = val.vector("b", b, "m")
    m = int(bt.shape[-1])
    if cones.dim != m:
        raise ValueError(
            f"cones cover {cones.dim} rows (zero={cones.zero}, nonneg={cones.nonneg}, "
            f"soc={list(cones.soc)}, psd={list(cones.psd)}, exp={cones.exp}, "
            f"pow={list(cones.pow)}), but b has m={m} rows"
        )
    c_b = val.check_shape("c", ct, (n,), ("n",))
    b_b = val.check_shape("b", bt, (m,), ("m",))
    Am = matrix("A", A, m, n, symmetric=False)
    Pm = None if P is None else matrix("P", P, n, n, symmetric=True)
    sizes = {
        name: int(t.shape[0])
        for name, t, is_b in (
            ("P", None if Pm is None else Pm.tensor, Pm is not None and Pm.batched),
            ("c", ct, c_b),
            ("A", Am.tensor, Am.batched),
            ("b", bt, b_b),
        )
        if is_b and t is not None
    }
    B = val.batch_size(sizes)
    # Finiteness is checked by Go's read pass; these messages (argument, index
    # or sparse entry, batch element) are raised when Go or the PSD test
    # rejects the data (as in the QP front end).
    Parg = None if Pm is None else val.operand("P", Pm.tensor, Pm.batched, Pm.entries, finite=False)
    c_arg = val.operand("c", ct, c_b, finite=False)
    A_arg = val.operand("A", Am.tensor, Am.batched, Am.entries, finite=False)
    b_arg = val.operand("b", bt, b_b, finite=False)

    def check_finite_all() -> None:
        if Pm is not None and Parg is not None:
            val.check_finite("P", Parg.buf, Pm.batched, Pm.entries)
        val.check_finite("c", c_arg.buf, c_b)
        val.check_finite("A", A_arg.buf, Am.batched, Am.entries)
        val.check_finite("b", b_arg.buf, b_b)

    dense_p = Pm is not None and Parg is not None and Pm.pattern is None

    def revalidate() -> None:
        # Go rejected the data (its read pass or its PSD test of a dense P).
        check_finite_all()
        if dense_p:
            assert Pm is not None and Parg is not None
            val.check_psd("P", Parg.buf, Pm.batched, Pm.tensor.dtype)

    # lpgd_solve tests a dense P (symmetric, PSD) in the same call.
    psd = val.psd_test(Pm.tensor.dtype) if dense_p and Pm is not None else None
    st = _conic.structure(
        n,
        cones,
        Pm is not None,
        None if Pm is None else Pm.pattern,
        Am.pattern,
        opts.settings.linear_solver,
        p_digest=None if Pm is None else Pm.digest,
        a_digest=Am.digest,
    )
    run = _conic.Run(
        st,
        B,
        Parg,
        c_arg,
        [A_arg],
        [b_arg],
        opts,
        what="cone program",
        single=B == 1,
        revalidate=revalidate,
        psd=psd,
    )
    unbatched = not sizes
    dtype = ct.dtype if ct.is_floating_point() else torch.get_default_dtype()
    x, y, s = (_conic.to_caller(t, unbatched, dtype, ct.device) for t in _conic.solve(run))
    if not opts.return_info:
        return x, y, s
    return x, y, s, cone_info(run, unbatched, dtype, ct.device)


@overload
def solve_cone(
    P: object | None,
    c: TensorLike,
    A: object,
    b: TensorLike,
    cones: Cones,
    *,
    backward: BackwardMethod | str = ...,
    settings: SolverSettings | dict[str, Any] | None = ...,
    on_failure: OnFailure = ...,
    return_info: Literal[False] = ...,
) -> ConeOutputs: ...


@overload
def solve_cone(
    P: object | None,
    c: TensorLike,
    A: object,
    b: TensorLike,
    cones: Cones,
    *,
    backward: BackwardMethod | str = ...,
    settings: SolverSettings | dict[str, Any] | None = ...,
    on_failure: OnFailure = ...,
    return_info: Literal[True],
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, ConeInfo]: ...


@overload
def solve_cone(
    P: object | None,
    c: TensorLike,
    A: object,
    b: TensorLike,
    cones: Cones,
    *,
    backward: BackwardMethod | str = ...,
    settings: SolverSettings | dict[str, Any] | None = ...,
    on_failure: OnFailure = ...,
    return_info: bool = ...,
) -> ConeOutputs | tuple[torch.Tensor, torch.Tensor, torch.Tensor, ConeInfo]: ...


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
) -> ConeOutputs | tuple[torch.Tensor, torch.Tensor, torch.Tensor, ConeInfo]:
    """Solve ``min ½xᵀPx + cᵀx s.t. Ax + s = b, s ∈ K`` differentiably.

    Args:
        P: None (linear objective), a dense (n, n) or (batch, n, n) symmetric PSD
            tensor, a 2-D torch sparse tensor (COO/CSR), a ``SparseMatrix`` or a
            scipy.sparse matrix; always the full symmetric matrix.
        c: (n,) or (batch, n), n ≥ 1; its dtype and device are those of the outputs.
        A: (m, n) or (batch, m, n) dense, or sparse as for P.
        b: (m,) or (batch, m).
        cones: ``Cones(zero=..., nonneg=..., soc=[...])`` with ``cones.dim == m``.
        backward: ``"kkt"``, ``"lpgd"``, ``"bpqp"`` (second-order cones: solver="direct" only) or an
            instance of KKT, LPGD, BPQP.
        settings: SolverSettings, a dict of overrides, or None for defaults.
        on_failure: ``"raise"`` raises SolverError when a sample is not solved;
            ``"nan"`` returns NaN for it and zero gradients.
        return_info: also return a ConeInfo.

    Returns:
        ``(x, y, s)``, or ``(x, y, s, info)`` with return_info; x of shape (n,) or
        (batch, n), y and s of shape (m,) or (batch, m). Gradients flow to every
        tensor input (summed over the batch for shared inputs).

    Raises:
        ValueError: malformed input (shape, batch size, non-finite value, P not
            symmetric PSD, cones not matching b, bad option), naming argument,
            index and batch element.
        SolverError: a sample failed and ``on_failure="raise"``.
        RuntimeError: called under torch.jit.trace or in a forked child.

    Example:
        >>> import torch
        >>> from lpgd_go import Cones, solve_cone
        >>> c = torch.tensor([1.0, 1.0], dtype=torch.float64)
        >>> A = -torch.eye(2, dtype=torch.float64)  # s = x ≥ 0
        >>> x, y, s = solve_cone(None, c, A, torch.zeros(2), Cones(nonneg=2))
    """
    opts = resolve_options(backward, settings, on_failure, return_info)
    return _cone(P, c, A, b, cones, opts)


class ConeLayer(LayerBase):
    """A conic program as a module. ``cones`` may be fixed at construction or
    given per call; the other constructor arguments are defaults that
    ``forward(..., **overrides)`` may change (backward, settings, on_failure,
    return_info).

    Args:
        cones: the cones of every call, or None to give them per call.
        backward: ``"kkt"``, ``"lpgd"``, ``"bpqp"`` or a KKT/LPGD/BPQP instance.
        settings: SolverSettings, a dict of overrides, or None for defaults.
        on_failure: ``"raise"`` or ``"nan"`` (NaN outputs, zero gradients).
        return_info: whether calls also return a ConeInfo.

    Raises:
        ValueError: an invalid option or cones.

    Example:
        >>> import torch
        >>> from lpgd_go import ConeLayer, Cones
        >>> layer = ConeLayer(Cones(nonneg=2))
        >>> x, y, s = layer(None, torch.ones(2), -torch.eye(2), torch.zeros(2))
    """

    def __init__(
        self,
        cones: Cones | None = None,
        *,
        backward: BackwardMethod | str = "kkt",
        settings: SolverSettings | dict[str, Any] | None = None,
        on_failure: OnFailure = "raise",
        return_info: bool = False,
    ) -> None:
        if cones is not None and not isinstance(cones, Cones):
            raise ValueError(f"cones must be an lpgd_go.Cones or None, got {type(cones).__name__}")
        super().__init__(
            backward=backward, settings=settings, on_failure=on_failure, return_info=return_info
        )
        if cones is not None:
            check_backward_cones(self.backward_method, cones)
        self.cones = cones

    def forward(
        self,
        P: object | None,
        c: TensorLike,
        A: object,
        b: TensorLike,
        cones: Cones | None = None,
        **overrides: Any,
    ) -> ConeOutputs | tuple[torch.Tensor, torch.Tensor, torch.Tensor, ConeInfo]:
        """Solve the conic program; the arguments are those of ``solve_cone``.

        Args:
            P: None, dense (n, n) / (batch, n, n), or sparse (see ``solve_cone``).
            c: (n,) or (batch, n).
            A: (m, n) / (batch, m, n) dense, or sparse.
            b: (m,) or (batch, m).
            cones: the cones of this call (default: the layer's).
            **overrides: backward, settings, on_failure or return_info for this call.

        Returns:
            ``(x, y, s)``, or ``(x, y, s, info)`` with return_info.

        Raises:
            TypeError: an unknown keyword argument.
            ValueError: malformed input or option, or no cones given.
            SolverError: a sample failed and ``on_failure="raise"``.
        """
        opts = self._options(overrides)
        cones = cones if cones is not None else self.cones
        if cones is None:
            raise ValueError("cones must be given to ConeLayer(...) or to forward(...)")
        return _cone(P, c, A, b, cones, opts)

    def extra_repr(self) -> str:
        return f"cones={self.cones!r}, {super().extra_repr()}"
