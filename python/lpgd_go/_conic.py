"""The conic core under every front end.

    minimize ½xᵀPx + cᵀx  subject to  Ax + s = b,  s ∈ K

A ``Run`` is one call on a batch: the cached Go structure, the validated
operands (A and b as row blocks, e.g. a QP's ``[A; G]`` and ``[b; h]``), the
options; ``solve`` runs it through ``ConicFunction`` (an autograd Function)
when an input needs a gradient, else directly. Outputs are float64 CPU
``(x, y, s)`` of shape (batch, ·); the backward pass returns one gradient per
input tensor (row blocks split back), shaped, typed and placed like it.
"""

from __future__ import annotations

import ctypes
import functools
import itertools
import math
import operator
import struct
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import torch

from . import _cache, _core, _lib, _serial
from ._core import Operand, Structure
from ._options import Options
from ._sparse import digest
from ._validate import Arg, check_no_func_transform
from .backward import BPQP, C_CACHE, BackwardMethod
from .settings import LINEAR_SOLVERS
from .status import (
    AlmostSolvedWarning,
    SolverError,
    Status,
    almost_solved_message,
    backward_failure_message,
    failure_message,
    ok_mask,
)

__all__ = [
    "Cones",
    "ConicFunction",
    "Run",
    "check_backward_cones",
    "first_order_only",
    "solve",
    "structure",
    "to_caller",
]

_SOLVED = int(Status.SOLVED)
assert _core._SOLVED == _SOLVED
_from_numpy = torch.from_numpy
_ascontiguous = np.ascontiguousarray
_ndarray = np.ndarray
_NP_F64 = np.dtype(np.float64)
_F64S = itertools.repeat(_NP_F64)
_repeat = itertools.repeat
_is_grad_enabled = torch.is_grad_enabled
_data_ptr = torch.Tensor.data_ptr
_addressof = ctypes.addressof
_pack_word = struct.Struct(f"@{_core._Q}").pack_into
_i32_at = struct.Struct("@i").unpack_from

#: The most bytes of factorization records (Run.keeps_records) one call keeps
#: from its forward for the kkt backward and BPQP's direct solver; a larger
#: batch factors again in the backward. A record is ~8(n² + 2nm) bytes for a
#: dense QP (m ≥ n rows): ~42 KB
#: at n = 50, ~0.65 MB at n = 200 (83 MB for a batch of 128).
FACTOR_BUDGET = 256 << 20


def _is_int(v: object) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _positive_dims(name: str, value: Any, what: str) -> tuple[int, ...]:
    """``Cones.<name>`` as a tuple of ints >= 1 (a sequence, not a scalar)."""
    if _is_int(value) or isinstance(value, (str, bytes)):
        raise ValueError(
            f"Cones.{name} must be a sequence of {what} (e.g. {name}=[3]), got {value!r}"
        )
    try:
        items = list(value)
    except TypeError:
        raise ValueError(
            f"Cones.{name} must be a sequence of {what}, got {type(value).__name__}"
        ) from None
    for i, q in enumerate(items):
        if not _is_int(q) or q < 1:
            raise ValueError(f"Cones.{name}[{i}] must be an int >= 1, got {q!r}")
    return tuple(int(q) for q in items)


def _alphas(name: str, value: Any) -> tuple[float, ...]:
    """``Cones.<name>`` as a tuple of floats in the open interval (0, 1)."""
    if isinstance(value, (int, float, np.number, str, bytes)):
        raise ValueError(
            f"Cones.{name} must be a sequence of exponents in (0, 1), one per cone "
            f"(e.g. {name}=[0.5]), got {value!r}"
        )
    try:
        items = list(value)
    except TypeError:
        raise ValueError(
            f"Cones.{name} must be a sequence of exponents in (0, 1), got {type(value).__name__}"
        ) from None
    out = []
    for i, a in enumerate(items):
        if isinstance(a, bool) or not isinstance(a, (int, float, np.integer, np.floating)):
            raise ValueError(f"Cones.{name}[{i}] must be a float in (0, 1), got {a!r}")
        if not 0.0 < float(a) < 1.0:
            raise ValueError(
                f"Cones.{name}[{i}] = {a!r} is not in the open interval (0, 1): a power "
                "cone's exponent alpha must satisfy 0 < alpha < 1"
            )
        out.append(float(a))
    return tuple(out)


@dataclass(frozen=True)
class Cones:
    """Cone dimensions, in the order the rows of A use them.

    Attributes:
        zero: number of equality rows (s = 0).
        nonneg: number of inequality rows (s ≥ 0).
        soc: dimensions of the second-order cones ``{(t, u): ‖u‖₂ ≤ t}``, each ≥ 1
            (the first row of each block is t).
        psd: sides d ≥ 1 of the positive semidefinite cones ``{X = Xᵀ ⪰ 0}``
            (SCS's ``s``), after the second-order cones. A d×d block covers
            d(d+1)/2 rows: the lower triangle of X column by column (SCS's
            order), off-diagonal entries multiplied by √2, so that sᵀy = tr(SY).
        exp: number of exponential cones (SCS's ``ep``), after the PSD cones,
            3 rows each: ``closure{(x, y, z): y > 0, y·exp(x/y) ≤ z}`` on rows
            (x, y, z) (cvxpy's and SCS's order); their multipliers lie in the
            dual cone ``{(u, v, w): u < 0, -u·exp(v/u) ≤ e·w}``.
        pow: exponents α ∈ (0, 1) of the 3-d power cones (SCS's ``p``, cvxpy's
            ``PowCone3D``), one per cone, after the exponential cones, 3 rows each:
            ``{(x, y, z): x^α·y^(1-α) ≥ |z|, x, y ≥ 0}`` on rows (x, y, z); their
            multipliers lie in the dual cone
            ``{(u, v, w): (u/α)^α·(v/(1-α))^(1-α) ≥ |w|, u, v ≥ 0}``.

    Raises:
        ValueError: a dimension is not an int or out of range, or an exponent of
            ``pow`` is not in (0, 1) (the message names the index).

    Example:
        >>> Cones(zero=1, nonneg=2, soc=[3]).dim
        6
    """

    zero: int = 0
    nonneg: int = 0
    soc: tuple[int, ...] = ()
    psd: tuple[int, ...] = ()
    exp: int = 0
    pow: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        for name in ("zero", "nonneg", "exp"):
            v = getattr(self, name)
            if not _is_int(v) or v < 0:
                raise ValueError(f"Cones.{name} must be an int >= 0, got {v!r}")
            object.__setattr__(self, name, int(v))
        object.__setattr__(self, "soc", _positive_dims("soc", self.soc, "cone dimensions"))
        object.__setattr__(self, "psd", _positive_dims("psd", self.psd, "matrix sides"))
        object.__setattr__(self, "pow", _alphas("pow", self.pow))

    @property
    def dim(self) -> int:
        """Total number of rows: zero + nonneg + sum(soc) + Σ d(d+1)/2 over psd
        + 3·exp + 3·len(pow)."""
        return (
            self.zero
            + self.nonneg
            + sum(self.soc)
            + sum(d * (d + 1) // 2 for d in self.psd)
            + 3 * self.exp
            + 3 * len(self.pow)
        )

    @functools.cached_property
    def _blocks_key(self) -> tuple[tuple[int, int, float], ...]:
        """``blocks()`` as a tuple, computed once (the structure cache's key)."""
        return tuple(self.blocks())

    def blocks(self) -> list[tuple[int, int, float]]:
        """The (kind, rows, param) cone list passed to the Go core, in row order
        (param: a power cone's α, 0 for the other kinds)."""
        out = [(_lib.CONE_ZERO, self.zero, 0.0), (_lib.CONE_NONNEG, self.nonneg, 0.0)]
        out += [(_lib.CONE_SOC, q, 0.0) for q in self.soc]
        out += [(_lib.CONE_PSD, d * (d + 1) // 2, 0.0) for d in self.psd]
        out += [(_lib.CONE_EXP, 3, 0.0)] * self.exp
        out += [(_lib.CONE_POW, 3, a) for a in self.pow]
        return out


def check_backward_cones(backward: BackwardMethod, cones: Cones) -> None:
    """BPQP handles zero, nonnegative and second-order cones (no PSD cones); its
    ADMM solver polyhedral cones only."""
    if isinstance(backward, BPQP) and (cones.psd or cones.exp or cones.pow):
        present = (("PSD", cones.psd), ("exponential", cones.exp), ("power", cones.pow))
        kinds = " and ".join(k for k, v in present if v)
        raise ValueError(
            "backward='bpqp' supports zero, nonnegative and second-order cones; use "
            f"backward='kkt' or 'lpgd' (lpgd_go.LPGD) for problems with {kinds} cones"
        )
    if isinstance(backward, BPQP) and cones.soc and backward.solver == "admm":
        raise ValueError(
            "BPQP(solver='admm') supports zero and nonnegative cones only; use "
            "BPQP(solver='direct'), backward='kkt' or 'lpgd' (lpgd_go.LPGD) for problems "
            "with second-order cones"
        )


def structure(
    n: int,
    cones: Cones,
    has_p: bool,
    p_pattern: tuple[np.ndarray, np.ndarray] | None,
    a_pattern: tuple[np.ndarray, np.ndarray] | None,
    linear_solver: str,
    *,
    p_digest: str | None = None,
    a_digest: str | None = None,
) -> Structure:
    """The cached Go structure of a conic program (dense layout where a pattern is None)."""
    if p_pattern is not None and p_digest is None:
        p_digest = digest(*p_pattern)
    if a_pattern is not None and a_digest is None:
        a_digest = digest(*a_pattern)
    key = (n, cones._blocks_key, has_p, p_digest, a_digest, linear_solver)
    return _cache.structure(
        key,
        lambda: Structure(
            n,
            0,
            0,
            has_p=has_p,
            linear_solver=LINEAR_SOLVERS[linear_solver],
            cones=cones.blocks(),
            p_pattern=cast(Any, p_pattern) if has_p else None,  # int64 arrays
            a_pattern=cast(Any, a_pattern),
        ),
    )


F64 = torch.float64


def _operands(
    st: Structure,
    batch: int,
    bufs: tuple[torch.Tensor | None, ...],
    batched: tuple[bool, ...],
    k: int,
) -> tuple[Operand, Operand, list[Operand], list[Operand]]:
    """P, c and the k row blocks of A and those of b as Operands (buffer,
    batch stride) from the buffers in a Run's input order."""
    P, c = bufs[0], bufs[1]
    assert c is not None
    blocks = [
        Operand(t, (t.numel() // batch if batched[i] else 0) if t is not None else 0)
        for i, t in enumerate(bufs[2:], 2)
    ]
    p_stride = math.prod(st.p_shape) if batched[0] else 0
    return (
        Operand(None, 0) if P is None else Operand(P, p_stride),
        Operand(c, st.n if batched[1] else 0),
        blocks[:k],
        blocks[k:],
    )


#: What ``values_template`` makes: the words with every data pointer 0, what
#: picks the buffers that are not None, what orders (words, *their
#: pointers) into the words of a call, the packer of those words and the
#: array's ctypes type.
ValuesTemplate = tuple[
    tuple[int, ...],
    Callable[[tuple[Any, ...]], tuple[Any, ...]],
    Callable[[tuple[int, ...]], tuple[int, ...]],
    Callable[..., bytes],
    type[ctypes.Array[ctypes.c_int64]],
]


def values_template(
    st: Structure,
    batch: int,
    bufs: tuple[torch.Tensor | None, ...],
    batched: tuple[bool, ...],
    k: int,
    psd: tuple[float, float] | None,
) -> ValuesTemplate:
    """The ``lpgd_values`` words of a call (buffers in a Run's input order: P
    or None, c, k row blocks of A, those of b) with every data pointer 0, and
    how to fill in the pointers: what depends on shapes only, made once per
    plan; ``pack_values`` fills in a call's pointers."""
    P, c, A, b = _operands(st, batch, bufs, batched, k)
    words = _core.value_words(st, P, c, A, b, psd)
    first = _lib.VALUES_WORDS
    step = _lib.ROW_BLOCK_WORDS
    slots = (
        0,
        2,
        *(first + step * j + 1 for j in range(len(A))),
        *(first + step * j + 3 for j in range(len(b))),
    )
    for i in slots:
        words[i] = 0
    assert words[5] > 0  # row blocks: word 4 points at them
    words[4] = 0
    # Word w of a call: words[w], or the pointer of the buffer in slot w
    # (the j-th given buffer: index len(words) + j of (*words, *pointers)).
    given = [i for i in range(len(slots)) if bufs[i] is not None]
    order = list(range(len(words)))
    for j, i in enumerate(given):
        order[slots[i]] = len(words) + j
    return (
        tuple(words),
        operator.itemgetter(*given),  # c and a row block at least: a tuple
        operator.itemgetter(*order),
        struct.Struct(f"@{len(words)}{_core._Q}").pack,
        _core._int64s(len(words)),
    )


def pack_values(
    template: ValuesTemplate, bufs: tuple[torch.Tensor | None, ...]
) -> ctypes.Array[ctypes.c_int64]:
    """``values_template``'s words with the data pointers of ``bufs`` (C-level
    passes: the pointers, the words in order, one pack, one copy), word 4
    pointing at the row blocks after them."""
    words, pick, order, pack, typ = template
    arr = typ.from_buffer_copy(pack(*order(words + tuple(map(_data_ptr, pick(bufs))))))
    _pack_word(arr, 32, _addressof(arr) + 8 * _lib.VALUES_WORDS)
    return arr


def _grad_in(g: torch.Tensor, B: int, width: int, mask: torch.Tensor | None) -> torch.Tensor:
    """An incoming gradient as a contiguous float64 CPU (B, width) tensor (Go
    reads B·width values from its address), zero for the samples outside
    ``mask`` (the failed ones; None: all solved)."""
    if not (
        g.dtype is F64 and g.is_cpu and not g.requires_grad and g.is_contiguous() and not g.is_neg()
    ):
        g = _serial.as_f64(g)
    if mask is not None:
        g = g.reshape(B, width).clone()
        g[~mask] = 0.0
    elif g.dim() != 2:
        g = g.reshape(B, width)
    return g


def _incoming_f64(g: torch.Tensor) -> torch.Tensor:
    """``_serial.as_f64`` of x's incoming gradient on the backward's call
    path: a float64 CPU tensor that is not contiguous (``x.sum()``'s is an
    expanded scalar, stride 0) copied by numpy in three C calls instead of
    as_f64's eleven (two of them detach(), torch ops whose dispatch is cold
    after the forward's library call: ~16 µs of the B = 1 backward at n = 50
    and 100); any other tensor (a negative-bit view, whose memory holds
    −values, too) by as_f64."""
    if g.dtype is F64 and g.is_cpu and not g.is_neg():
        # numpy() of a tensor that needs no gradient: no detach().
        return _from_numpy(_ascontiguous((g.detach() if g.requires_grad else g).numpy()))
    return _serial.as_f64(g)


def _grad(g: np.ndarray, t: torch.Tensor, batched: bool) -> torch.Tensor:
    """``_serial.grad_for``, its common case (a batched float64 CPU input whose
    gradient is a contiguous view of the backward's buffer) in two checks."""
    if batched and t.dtype is F64 and g.flags.c_contiguous and t.is_cpu and g.shape == t.shape:
        return torch.from_numpy(g)
    return _serial.grad_for(g, t, batched)


#: ``Run._backward_solved``'s constants for one ``needs_input_grad`` (see
#: ``_GradSpec``).
@dataclass(frozen=True)
class _GradSpec:
    """``Run._backward_solved``'s constants for one ``needs_input_grad``."""

    #: The wanted-output bits (1 gP, 2 gc, 4 gA, 8 gb).
    wanted: int
    #: Per input that needs a gradient: (its index, the output it is in (0
    #: gP, 1 gc, 2 gA, 3 gb), its rows r0:r1 there (−1: all), whether it is
    #: batched) — the general loop's items.
    items: tuple[tuple[int, int, int, int, bool], ...]
    #: Where every wanted gradient is a plain view of the backward's buffer
    #: (a batch of one, or batched inputs each covering its whole output):
    #: the views' shapes and byte offsets in ``items``' order; None when one
    #: is summed over the batch or copied (a row block of a larger batch).
    shapes: tuple[tuple[int, ...], ...] | None
    offsets: tuple[int, ...]
    #: (None, *gradients in ``items``' order) → the autograd Function's k + 1
    #: gradients (None for its Run argument and every input without one).
    pick: Callable[[tuple[Any, ...]], tuple[Any, ...]]
    #: The backward's buffer layout (``Structure.grad_layout(B, wanted)``:
    #: shapes alone decide it, the same for every linear solver) and the
    #: byte offset of the first sample's status in it.
    layout: _core._GradLayout
    status_at: int


#: The instance attribute under which ``_reuses_records`` keeps its value
#: (``Run.keeps_records`` reads it from the instance's ``__dict__``).
_REUSES_RECORDS = "_reuses_records"


def _reuses_records(method: BackwardMethod) -> bool:
    """Whether the backward method solves with the forward's factorization
    records (the kkt method, BPQP's direct solver); kept on the (frozen)
    instance (``_REUSES_RECORDS``)."""
    r: bool | None = method.__dict__.get(_REUSES_RECORDS)
    if r is None:
        bw = method._c()
        r = bool(
            bw.method == _lib.BACKWARD_KKT
            or (bw.method == _lib.BACKWARD_BPQP and bw.bpqp_solver == _lib.BPQP_DIRECT)
        )
        object.__setattr__(method, _REUSES_RECORDS, r)
    return r


def _wanted_bits(needs: tuple[bool, ...], k: int, has_p: bool) -> int:
    """lpgd_backward's bit set of wanted outputs (1 gP, 2 gc, 4 gA, 8 gb) for
    the inputs (P or None, c, k row blocks of A, those of b) that need one."""
    return (
        (1 if needs[0] and has_p else 0)
        | (2 if needs[1] else 0)
        | (4 if any(needs[2 : 2 + k]) else 0)
        | (8 if any(needs[2 + k :]) else 0)
    )


def _block_rows(inputs: tuple[torch.Tensor | None, ...], i: int, k: int) -> tuple[int, int]:
    """The rows (r0, r1) of input i's block among A's (i < 2 + k, a block's
    rows its second-to-last dim) or b's row blocks (its last dim)."""
    first, dim = (2, -2) if i < 2 + k else (2 + k, -1)
    r0 = 0
    for j in range(first, i):
        t = inputs[j]
        assert t is not None
        r0 += t.shape[dim]
    t = inputs[i]
    assert t is not None
    return r0, r0 + t.shape[dim]


_INFO_COLUMNS = {
    "objective": _lib.INFO_PRIMAL_OBJ,
    "dual_objective": _lib.INFO_DUAL_OBJ,
    "primal_residual": _lib.INFO_RES_PRIMAL,
    "dual_residual": _lib.INFO_RES_DUAL,
    "gap": _lib.INFO_GAP_REL,
}


class Run:
    """One call on a batch: structure, operands, options and, after ``solve``,
    the statuses and the float64 numpy buffers of the solution that the
    backward pass reads (never the output tensors: the run lives in the
    autograd context, and an output held there outside save_for_backward is
    a reference cycle the GC cannot collect; a numpy array under a tensor is
    none).

    ``x_only``: the solve returns x alone (no y, s tensors: one autograd output
    instead of three when the front end does not return them); ``squeeze``:
    the outputs of a batch of one without the batch dim (made from numpy
    views, so no torch select and no select node in the graph).

    ``inputs`` are the tensors autograd sees: P (or None), c, the row blocks of
    A, the row blocks of b. ``error`` is the SolverError (sub)class raised on
    failure (CvxpyLayer's is also a ``diffcp.SolverError``).
    """

    # The state of a run, class defaults until set (``Run.dense`` sets only
    # what a call gives).
    #: The statuses, info and solution of the solve, as numpy (never the
    #: output tensors, see above); torch views made when asked for.
    _res: _core.SolveResult | None = None
    ok: torch.Tensor | None = None
    #: Whether every sample of the forward solve was SOLVED.
    all_solved = False
    #: Set by ConicFunction.forward (a gradient will be asked for): the
    #: forward then keeps each sample's factorization record for the kkt
    #: backward (see ``keeps_records``).
    keep_factor = False
    #: Made by ``Run.dense``: every input is its own float64 CPU
    #: contiguous buffer (the backward's ``_backward_solved`` applies).
    dense_inputs = False
    #: ``_backward_solved``'s constants by needs_input_grad (the front
    #: end's dict for these shapes; None: not a dense run).
    grad_specs: dict[tuple[bool, ...], _GradSpec] | None = None
    #: What ``revalidate`` is called with (a ``Run.dense`` run's call
    #: arguments; none for a run made by ``Run(...)``).
    revalidate_args: tuple[Any, ...] = ()

    def __init__(
        self,
        st: Structure,
        batch: int,
        P: Arg | None,
        c: Arg,
        A: Sequence[Arg],
        b: Sequence[Arg],
        opts: Options,
        *,
        what: str,
        single: bool,
        error: type[SolverError] = SolverError,
        revalidate: Callable[[], None] | None = None,
        x_only: bool = False,
        squeeze: bool = False,
        psd: tuple[float, float] | None = None,
    ) -> None:
        args = (P, c, *A, *b)
        bufs = tuple(None if a is None else a.buf for a in args)
        batched = tuple(a is not None and a.batched for a in args)
        self._setup(
            st,
            batch,
            tuple(None if a is None else a.tensor for a in args),
            bufs,
            batched,
            len(A),
            opts,
            what,
            single,
            error,
            revalidate,
            x_only,
            squeeze,
            psd,
        )
        # The ctypes lpgd_values, built once for the solve and the backward;
        # with ``psd`` (sym_tol, shift) lpgd_solve also tests a dense P (see
        # _validate.psd_test; lpgd_backward ignores it).
        self.values = _core.values(st, self.P, self.c, self.A, self.b, psd)

    @staticmethod
    def dense_class(
        batch: int,
        batched: tuple[bool, ...],
        n_a: int,
        single: bool,
        psd: tuple[float, float] | None,
        grad_specs: dict[tuple[bool, ...], _GradSpec],
        revalidate: Callable[..., None] | None = None,
    ) -> type[Run]:
        """A subclass of Run whose class attributes are the attributes of a
        ``Run.dense`` run that a call's shapes determine (the front end
        makes it once per plan): ``batched`` the inputs' batch flags,
        ``single`` no input batched, ``psd`` the PSD test, ``grad_specs`` a
        dict kept by the caller for calls of these shapes and flags (the
        backward's constants, filled on first use), ``revalidate`` the front
        end's checks, called with a run's ``revalidate_args`` (see
        ``Run.dense``). A run that sets one of them (the PSD fallback's
        ``psd``) sets its own instance attribute: the class, shared by the
        plan's runs, is never written. ``grad_specs`` is the one mutable
        attribute, shared on purpose. The class refers to itself (its MRO),
        so a dropped plan's class is freed by the cyclic garbage collector,
        not at once; the plans are bounded (``qp._MAX_PLANS``)."""
        attrs: dict[str, Any] = {
            "__module__": __name__,
            "__doc__": "A Run of one QP plan's call path (see Run.dense_class).",
            "revalidate": None if revalidate is None else staticmethod(revalidate),
            "squeeze": single,
            "error": SolverError,
            "batch": batch,
            "what": "QP",
            "single": single,
            "batched": batched,
            "n_a": n_a,
            "psd": psd,
            "dense_inputs": True,
            "grad_specs": grad_specs,
        }
        return cast("type[Run]", type("DenseRun", (Run,), attrs))

    @classmethod
    def dense(
        cls,
        st: Structure,
        inputs: tuple[torch.Tensor | None, ...],
        values: ctypes.Array[ctypes.c_int64],
        opts: Options,
        revalidate_args: tuple[Any, ...],
    ) -> Run:
        """The QP front end's call path (positional arguments only, called
        on a ``dense_class(...)`` of these shapes, never on Run itself, whose
        runs would lack the shape attributes): a ``Run(...,
        what="QP", single=single, revalidate=partial(revalidate,
        *revalidate_args), x_only=not opts.return_info, squeeze=single,
        psd=psd)`` whose ``inputs`` (P or None, c, the row blocks of A,
        those of b) are float64 CPU contiguous tensors, each its own buffer
        (``_validate.operand``'s common case), and ``values`` their packed
        ``lpgd_values`` (see ``values_template``): no Arg or Operand
        objects per call. The attributes the shapes determine are the
        class's; the seven per-call ones are set here (attribute stores
        into the instance's inline values, where copying a dict of the
        shape attributes into each run made its ``__dict__`` and grew it
        twice per call).
        ``revalidate_args``: what the class's ``revalidate`` is called with
        when Go rejects the data (the call's arguments: no
        ``functools.partial`` made per call)."""
        run = cls.__new__(cls)
        # _setup's attributes (the state attributes keep their class
        # defaults until solve sets them).
        run.structure = st
        run.opts = opts
        run.x_only = not opts.return_info
        run.settings_c = opts.settings._c()
        run.revalidate_args = revalidate_args
        run.inputs = run._bufs = inputs
        run.values = values
        return run

    def _setup(
        self,
        st: Structure,
        batch: int,
        inputs: tuple[torch.Tensor | None, ...],
        bufs: tuple[torch.Tensor | None, ...],
        batched: tuple[bool, ...],
        n_a: int,
        opts: Options,
        what: str,
        single: bool,
        error: type[SolverError],
        revalidate: Callable[[], None] | None,
        x_only: bool,
        squeeze: bool,
        psd: tuple[float, float] | None,
    ) -> None:
        self.structure = st
        self.x_only = x_only
        self.squeeze = squeeze
        self.error = error
        self.batch = batch
        self.opts = opts
        self.what = what
        self.single = single
        # Validated once per settings object (see SolverSettings._c).
        self.settings_c = opts.settings._c()
        #: Raises the front end's own message for bad data that Go rejected
        #: (the checks Go does in its read pass, not repeated in Python).
        self.revalidate = revalidate
        self.inputs = inputs
        #: The float64 buffers Go reads (a float64 CPU contiguous input is its own).
        self._bufs = bufs
        self.batched = batched
        self.n_a = n_a
        self.psd = psd

    @functools.cached_property
    def _operands(self) -> tuple[Operand, Operand, list[Operand], list[Operand]]:
        """P, c and the row blocks of A and b as Operands (buffer, batch stride)."""
        return _operands(self.structure, self.batch, self._bufs, self.batched, self.n_a)

    @property
    def P(self) -> Operand:
        """P's buffer and batch stride (data None without P)."""
        return self._operands[0]

    @property
    def c(self) -> Operand:
        """c's buffer and batch stride."""
        return self._operands[1]

    @property
    def A(self) -> list[Operand]:
        """A's row blocks (buffer and batch stride each)."""
        return self._operands[2]

    @property
    def b(self) -> list[Operand]:
        """b's row blocks (buffer and batch stride each)."""
        return self._operands[3]

    @property
    def _codes(self) -> np.ndarray | None:
        return None if self._res is None else self._res.codes

    @property
    def _info(self) -> np.ndarray | None:
        return None if self._res is None else self._res.info_np

    def solve(self) -> tuple[torch.Tensor, ...]:
        """Solve; apply on_failure; return float64 CPU (x, y, s) of shape (B, ·)
        (x alone with ``x_only``; without the batch dim with ``squeeze``)."""
        try:
            res = _core.solve_values(
                self.structure,
                self.settings_c,
                self.batch,
                self.values,
                None,
                self.keep_factor and self.keeps_records(),
            )
        except ValueError:
            if self.revalidate is not None:
                # The front end's message, when it finds the value.
                self.revalidate(*self.revalidate_args)
            if self.psd is not None:
                # Go's PSD test rejected a P that the front end's eigenvalue
                # test accepts (within its tolerance), or the error is another
                # one: solve without the test (which raises that error again).
                self.psd = None
                self.values = _core.values(self.structure, self.P, self.c, self.A, self.b)
                return self.solve()
            raise
        self._res = res
        if res.all_solved():
            # The common case: nothing to warn about, mask or raise.
            self.all_solved = True
            if self.squeeze and self.x_only:
                # _outputs' case: x_first's view, made here (two frames less).
                return (_from_numpy(_ndarray((self.structure.n,), _NP_F64, res._arr)),)
            return self._outputs(res)
        accept = self.opts.settings.accept_almost_solved
        ok = ok_mask(res.status, accept)
        self.ok = ok
        almost = (res.status == int(Status.ALMOST_SOLVED)).nonzero().flatten().tolist()
        if almost and accept:
            warnings.warn(
                almost_solved_message(self.what, almost, self.single),
                AlmostSolvedWarning,
                stacklevel=2,
            )
        if not bool(ok.all()):
            bad = (~ok).nonzero().flatten().tolist()
            if self.opts.on_failure == "raise":
                msg = failure_message(self.what, bad, res.status, self.single)
                raise self.error(msg, res.status, bad)
            nan = float("nan")
            fail = ~ok.numpy()
            res.x_np[fail] = nan
            res.y_np[fail] = nan
            res.s_np[fail] = nan
            res.info_np[fail, _lib.INFO_PRIMAL_OBJ] = nan
            res.info_np[fail, _lib.INFO_DUAL_OBJ] = nan
        return self._outputs(res)

    def keeps_records(self) -> bool:
        """Whether the forward keeps each sample's factorization record
        (``SolveResult.factor``): only when a gradient will be asked for
        (``keep_factor``) by the kkt method or BPQP's direct solver (which
        solve the record's active-set system), the structure's solves write
        records (a dense KKT factored in the x-eliminated form) and the
        batch's records fit FACTOR_BUDGET bytes. The records (in the solve's
        buffer, or a buffer of their own: ``_core.solve_values``) live with
        the run in the autograd context, freed with the graph (kept for every
        backward through it, retain_graph=True included: the gradients of
        repeated backwards are identical, as gradcheck requires); those in
        the solve's buffer (at most 16 KiB with it) as long as x too."""
        if not self.keep_factor:
            return False
        fl = self.structure.factor_len
        if not fl or self.batch * fl * 8 > FACTOR_BUDGET:
            return False
        method = self.opts.backward
        # _reuses_records' value, kept on the instance (one frame less).
        r: bool | None = method.__dict__.get(_REUSES_RECORDS)
        return _reuses_records(method) if r is None else r

    def _outputs(self, res: _core.SolveResult) -> tuple[torch.Tensor, ...]:
        if self.x_only:
            return (_from_numpy(res.x_first() if self.squeeze else res.x_np),)
        arrays = (res.x_np, res.y_np, res.s_np)
        if self.squeeze:
            arrays = tuple(a[0] for a in arrays)
        return tuple(torch.from_numpy(a) for a in arrays)

    @property
    def status(self) -> torch.Tensor | None:
        """(B,) int32 statuses of the last solve (None before it)."""
        return None if self._codes is None else torch.from_numpy(self._codes)

    @property
    def info(self) -> torch.Tensor | None:
        """(B, INFO_COLS) info of the last solve (None before it)."""
        return None if self._info is None else torch.from_numpy(self._info)

    def backward(
        self,
        gx: torch.Tensor | None,
        gy: torch.Tensor | None,
        gs: torch.Tensor | None,
        needs: Sequence[bool],
    ) -> tuple[torch.Tensor | None, ...]:
        """Gradients for ``inputs`` given the incoming gradients of (x, y, s)
        (the solution is the float64 buffer that ``solve`` filled)."""
        res = self._res
        assert res is not None
        if self.dense_inputs and self.all_solved and gy is None and gs is None and gx is not None:
            assert isinstance(needs, tuple)
            # The call path's case (every sample solved, x's gradient only,
            # float64 CPU inputs): no masks, no copies, the wanted gradients
            # only. Non-finite incoming values (Go rejects them before any
            # work) take the general path below.
            grads = self._backward_solved(gx, needs)
            if grads is not None:
                return grads[1:]
        ok = self.ok
        st = self.structure
        B, n, m = self.batch, st.n, st.m
        k = self.n_a
        inputs = self.inputs
        need_P = needs[0] and st.has_p and inputs[0] is not None
        need_c, need_A, need_b = needs[1], any(needs[2 : 2 + k]), any(needs[2 + k :])
        mask = None if self.all_solved or (ok is not None and bool(ok.all())) else ok
        gx64 = _serial.zeros((B, n)) if gx is None else _grad_in(gx, B, n, mask)
        gy64 = None if gy is None else _grad_in(gy, B, m, mask)
        gs64 = None if gs is None else _grad_in(gs, B, m, mask)
        keep: tuple[np.ndarray, ...] = ()
        sol: tuple[int, ...]
        if mask is None:
            sol = res.ptrs[:4]
        else:
            fail = ~mask.numpy()
            keep = tuple(a.copy() for a in (res.x_np, res.y_np, res.s_np))
            for a in keep:
                a[fail] = 0.0
            sol = (*(a.ctypes.data for a in keep), res.ptrs[3])
        wanted = (1 if need_P else 0) | (2 if need_c else 0) | (4 if need_A else 0)
        wanted |= 8 if need_b else 0
        bopts = self.opts.backward._c()

        def call(gx64: torch.Tensor, gy64: torch.Tensor | None, gs64: torch.Tensor | None) -> Any:
            return _core.backward_values(
                st,
                self.settings_c,
                bopts,
                B,
                self.values,
                sol,
                (
                    gx64.data_ptr(),
                    0 if gy64 is None else gy64.data_ptr(),
                    0 if gs64 is None else gs64.data_ptr(),
                ),
                wanted,
                res.factor,
            )

        nonfinite: torch.Tensor | None = None
        try:
            out = call(gx64, gy64, gs64)
        except ValueError:
            # Go rejects non-finite incoming gradients for the whole batch: the
            # samples that have one get NaN gradients, the others are exact.
            nonfinite = torch.zeros(B, dtype=torch.bool)
            gx64 = gx64.reshape(B, n)
            gy64, gs64 = (None if g is None else g.reshape(B, m) for g in (gy64, gs64))
            for g in (gx64, gy64, gs64):
                if g is not None:
                    nonfinite |= ~torch.isfinite(g).all(dim=1)
            if not bool(nonfinite.any()):
                raise
            gx64 = gx64.masked_fill(nonfinite[:, None], 0.0)
            gy64, gs64 = (
                None if g is None else g.masked_fill(nonfinite[:, None], 0.0) for g in (gy64, gs64)
            )
            out = call(gx64, gy64, gs64)
        del keep  # the zeroed copies Go read
        return self._finish(out, needs, nonfinite)

    def _backward_solved(
        self, gx: torch.Tensor, needs: tuple[bool, ...]
    ) -> tuple[torch.Tensor | None, ...] | None:
        """The autograd Function's gradients (None for its Run argument, then
        one per input) of a dense run whose samples all solved, given x's
        incoming gradient only; None when Go rejects the incoming gradient
        (non-finite: the general path masks it per sample)."""
        res = self._res
        assert res is not None and self.grad_specs is not None
        spec = self.grad_specs.get(needs) or self._grad_spec(needs)
        wanted = spec.wanted
        if not wanted:
            return spec.pick((None,))
        B = self.batch
        if not (
            gx.dtype is F64
            and gx.is_cpu
            and not gx.requires_grad
            and gx.is_contiguous()
            and not gx.is_neg()
        ):
            gx = _incoming_f64(gx)
        method = self.opts.backward
        # method._c()'s struct, kept on the (frozen) instance: two frames less.
        bopts = method.__dict__.get(C_CACHE) or method._c()
        try:
            out = _core.backward_values(
                self.structure,
                self.settings_c,
                bopts,
                B,
                self.values,
                res.solution,  # the forward's lpgd_solution words, records included
                (gx.data_ptr(), 0, 0),
                wanted,
                None,
                spec.layout,
            )
        except ValueError:
            return None
        # A batch of one's status read here (all_solved's frame).
        if (B != 1 or _i32_at(out.raw, spec.status_at)[0] != _SOLVED) and not out.all_solved():
            return (None, *self._finish(out, needs, None))
        shapes = spec.shapes
        if shapes is not None:
            # Each gradient a view of the backward's buffer (C-level maps; a
            # batch of one's row blocks are contiguous, an unbatched input's
            # view has no batch dim).
            buf = out.raw
            if len(shapes) == 1:  # one gradient (no iterators)
                return spec.pick(
                    (None, _from_numpy(_ndarray(shapes[0], _NP_F64, buf, spec.offsets[0])))
                )
            made = map(_from_numpy, map(_ndarray, shapes, _F64S, _repeat(buf), spec.offsets))
            return spec.pick((None, *made))
        # A shared input of a larger batch: its gradient summed over the
        # batch (the others views; a row block's is its contiguous region of
        # the block-major layout).
        grads: list[torch.Tensor | None] = [None]
        for _, part, r0, r1, batched in spec.items:
            g = out.view(part) if r0 < 0 else out.block(part, r0, r1)
            assert g is not None
            if not batched:
                g = g[0] if B == 1 else g.sum(axis=0)
            elif not g.flags.c_contiguous:
                g = np.ascontiguousarray(g)
            grads.append(torch.from_numpy(g))
        return spec.pick(tuple(grads))

    def _grad_spec(self, needs: tuple[bool, ...]) -> _GradSpec:
        """``_backward_solved``'s constants for a ``needs_input_grad``, kept in
        ``grad_specs`` (the plan's: same shapes, same batch flags)."""
        assert self.grad_specs is not None
        inputs, k, B = self.inputs, self.n_a, self.batch
        st = self.structure
        has_p = st.has_p and inputs[0] is not None
        items: list[tuple[int, int, int, int, bool]] = []
        for i, need in enumerate(needs):
            t = inputs[i]
            if not need or t is None or (i == 0 and not has_p):
                continue
            part = i if i < 2 else (2 if i < 2 + k else 3)
            r0 = r1 = -1
            if (part == 2 and k > 1) or (part == 3 and len(inputs) - 2 - k > 1):
                r0, r1 = _block_rows(inputs, i, k)
            items.append((i, part, r0, r1, self.batched[i]))
        wanted = _wanted_bits(needs, k, has_p)
        if B > 1 and k > 1 and wanted & 12 and len(st.a_shape) == 2:
            # Go writes each row block's gA and gb as one [B, rows, …] region
            # (lpgd_gradients.block_major): every row block's gradient a view.
            wanted |= 32
        lay = st.grad_layout(B, wanted)
        shapes: list[tuple[int, ...]] | None = []
        offsets: list[int] = []
        for _, part, r0, r1, batched in items:
            where = lay.parts[part]
            assert where is not None and shapes is not None
            start, _, shape = where
            if B > 1 and (not batched or (r0 >= 0 and not lay.block_major)):
                shapes = None  # summed over the batch, or a strided row block
                break
            if r0 >= 0:
                # Rows r0:r1: the block's region (block-major, or a batch of
                # one), contiguous.
                row = math.prod(shape[2:])
                start += B * r0 * row
                shape = (B, r1 - r0, *shape[2:])
            shapes.append(shape if batched else shape[1:])
            offsets.append(8 * start)
        positions = [0] * (len(needs) + 1)
        for j, item in enumerate(items, 1):
            positions[item[0] + 1] = j
        spec = _GradSpec(
            wanted,
            tuple(items),
            None if shapes is None else tuple(shapes),
            tuple(offsets),
            operator.itemgetter(*positions),
            lay,
            8 * lay.ints,
        )
        if len(self.grad_specs) >= 256:
            self.grad_specs.clear()
        self.grad_specs[needs] = spec
        return spec

    def _finish(
        self,
        out: _core.BackwardResult,
        needs: Sequence[bool],
        nonfinite: torch.Tensor | None,
    ) -> tuple[torch.Tensor | None, ...]:
        """The gradients for ``inputs`` from a backward's result: failed
        samples handled by on_failure (zero gradients or SolverError),
        ``nonfinite`` samples NaN, row blocks split, shared inputs summed."""
        ok = self.ok
        B = self.batch
        st = self.structure
        k = self.n_a
        inputs = self.inputs
        need_P = needs[0] and st.has_p and inputs[0] is not None
        need_c = needs[1]
        # A sample whose forward solve succeeded but whose backward did not
        # (BACKWARD_FAILED, or INTERNAL_ERROR from a recovered panic).
        if not out.all_solved():
            fwd_ok = ok if ok is not None else torch.ones(B, dtype=torch.bool)
            failed = fwd_ok & ~ok_mask(out.status, self.opts.settings.accept_almost_solved)
            if bool(failed.any()):
                idx = failed.nonzero().flatten().tolist()
                if self.opts.on_failure == "raise":
                    msg = backward_failure_message(
                        self.what, idx, out.status, self.opts.backward, out.message
                    )
                    raise self.error(msg, out.status, idx)
                out.fill(failed.numpy(), 0.0, self._row_blocks())
        if nonfinite is not None:
            out.fill(nonfinite.numpy(), np.nan, self._row_blocks())
        # Split, summed over the batch for shared inputs, shaped and typed in
        # numpy on the calling thread (never torch's thread pool, see _serial;
        # a few numpy calls cost less than one torch op).
        gP, gc, gA, gb = out.arrays
        batched = self.batched
        grads: list[torch.Tensor | None] = [None] * len(inputs)
        if need_P and gP is not None:
            grads[0] = _grad(gP, cast(torch.Tensor, inputs[0]), batched[0])
        if need_c and gc is not None:
            grads[1] = _grad(gc, cast(torch.Tensor, inputs[1]), batched[1])
        if gA is not None:
            if k == 1:  # all rows
                t = inputs[2]
                if needs[2] and t is not None:
                    grads[2] = _grad(gA, t, batched[2])
            else:  # dense row blocks: a block's rows are its second-to-last dim
                for i, (r0, r1) in enumerate(self._row_blocks(), 2):
                    t = inputs[i]
                    assert t is not None
                    if needs[i]:
                        g = out.block(2, r0, r1)
                        assert g is not None
                        grads[i] = _grad(g, t, batched[i])
        if gb is not None:
            nb = len(inputs) - 2 - k
            if nb == 1:
                t = inputs[2 + k]
                if needs[2 + k] and t is not None:
                    grads[2 + k] = _grad(gb, t, batched[2 + k])
            else:  # b's rows are its last dim
                for i, (r0, r1) in enumerate(self._row_blocks(), 2 + k):
                    t = inputs[i]
                    assert t is not None
                    if needs[i]:
                        g = out.block(3, r0, r1)
                        assert g is not None
                        grads[i] = _grad(g, t, batched[i])
        return tuple(grads)

    def _row_blocks(self) -> list[tuple[int, int]]:
        """The rows (r0, r1) of each row block of A (and b: the same
        blocks), from the b blocks' last dims."""
        inputs, k = self.inputs, self.n_a
        rows: list[tuple[int, int]] = []
        r0 = 0
        for t in inputs[2 + k :]:
            assert t is not None
            rows.append((r0, r0 + t.shape[-1]))
            r0 += t.shape[-1]
        return rows

    def info_values(
        self, names: Sequence[str], unbatched: bool, dtype: torch.dtype, device: torch.device
    ) -> dict[str, torch.Tensor]:
        """``status`` (int32), ``iterations`` (int64), ``polished`` (bool),
        ``tolerance`` (int8 Tolerance codes) and the named info columns
        (objective, dual_objective, primal_residual, dual_residual, gap) of the
        last solve, in the caller's dtype and on its device."""
        info, status = self.info, self.status
        assert info is not None and status is not None
        its = info[:, _lib.INFO_ITER]
        its = torch.where(torch.isfinite(its), its, torch.zeros_like(its)).to(torch.int64)
        polished = info[:, _lib.INFO_POLISHED] == 1
        tol = info[:, _lib.INFO_TOLERANCE]
        tol = torch.where(torch.isfinite(tol), tol, torch.zeros_like(tol)).to(torch.int8)
        vals = {"status": status, "iterations": its, "polished": polished, "tolerance": tol}
        for name in names:
            vals[name] = info[:, _INFO_COLUMNS[name]].to(dtype=dtype, device=device)
        if unbatched:
            vals = {k: v[0] for k, v in vals.items()}
        return vals


_NOT_TWICE = (
    "lpgd_go layers are not twice differentiable: the backward pass is computed by the "
    "native solver and has no graph of its own (double backward, gradgradcheck and "
    "Hessian-vector products through a solve are not supported)"
)


class _FirstOrderOnly(torch.autograd.Function):
    """Identity on first-order gradients computed with create_graph=True, tied
    to the tensors they depend on; differentiating them raises a clear error."""

    @staticmethod
    def forward(ctx: Any, count: int, *args: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return tuple(g.clone() for g in args[:count])

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> Any:
        raise RuntimeError(_NOT_TWICE)


class ConicFunction(torch.autograd.Function):
    """autograd Function around a Run: inputs (run, *run.inputs), outputs
    float64 CPU (x, y, s) of shape (B, ·)."""

    @staticmethod
    def forward(ctx: Any, run: Run, *inputs: torch.Tensor | None) -> tuple[torch.Tensor, ...]:
        run.keep_factor = True  # a gradient will be asked for
        outs = run.solve()
        ctx.run = run
        ctx.set_materialize_grads(False)
        # The inputs are saved so that autograd detects in-place changes before
        # backward (the float64 buffers in run may share memory with them); the
        # outputs too, never held by run as tensors (see Run). (Setting the
        # attributes these two torch methods set directly would save two
        # Python frames, ~0.1 µs: not worth relying on torch's internals.)
        ctx.save_for_backward(*inputs, *outs)
        return outs

    @staticmethod
    def backward(ctx: Any, *out_grads: torch.Tensor | None) -> tuple[torch.Tensor | None, ...]:
        check_no_func_transform(*out_grads)
        run: Run = ctx.run
        # Raises if an input or an output was modified in place (the solution
        # is read from the buffer under the outputs).
        saved = ctx.saved_tensors
        needs = ctx.needs_input_grad[1:]
        if run.all_solved and run.dense_inputs and len(out_grads) == 1:
            # The call path (x alone an output, every sample solved, dense
            # float64 inputs, no create_graph): Run._backward_solved.
            gx = out_grads[0]
            if gx is not None and not _is_grad_enabled():
                grads = run._backward_solved(gx, needs)
                if grads is not None:
                    return grads
        k = len(run.inputs)
        gx, gy, gs = (*out_grads, None, None)[:3]
        if not any(needs) or (gx is None and gy is None and gs is None):
            return (None,) * (k + 1)
        if not torch.is_grad_enabled():  # the common case (no create_graph)
            return (None, *run.backward(gx, gy, gs, needs))
        with torch.no_grad():
            grads = run.backward(gx, gy, gs, needs)
        # create_graph=True: guard the second order
        grads = first_order_only(grads, (*saved[:k], gx, gy, gs))
        return (None, *grads)


def first_order_only(
    grads: tuple[torch.Tensor | None, ...], deps: Sequence[torch.Tensor | None]
) -> tuple[torch.Tensor | None, ...]:
    """Gradients computed under create_graph=True, tied to the tensors ``deps``
    they depend on so that differentiating them raises a clear error."""
    present = [g for g in grads if g is not None]
    tied = [d for d in deps if d is not None and d.requires_grad]
    if not present or not tied:
        return grads
    guarded = iter(_FirstOrderOnly.apply(len(present), *present, *tied))
    return tuple(None if g is None else next(guarded) for g in grads)


def solve(run: Run) -> tuple[torch.Tensor, ...]:
    """Solve through ConicFunction when an input needs a gradient, else directly;
    float64 CPU (x, y, s) of shape (B, ·) (see Run's x_only and squeeze)."""
    if torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in run.inputs):
        return ConicFunction.apply(run, *run.inputs)  # type: ignore[no-any-return]
    return run.solve()


def to_caller(
    t: torch.Tensor, unbatched: bool, dtype: torch.dtype, device: torch.device
) -> torch.Tensor:
    """A (B, ·) float64 output in the caller's dtype, on its device, without the
    batch dim for an unbatched call."""
    return _serial.to(t[0] if unbatched else t, dtype, device)
