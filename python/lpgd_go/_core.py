"""Structure handles, batching helpers and the calls into liblpgd.so (the
structure cache is in _cache.py).

Everything here works on contiguous float64 CPU tensors; conversion from and
to the caller's dtype and device happens in the layer modules.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import itertools
import math
import operator
import os
import struct
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import torch

from . import _interrupt, _lib, _serial
from ._lib import BackwardOpts, CSettings

__all__ = [
    "Structure",
    "as_f64",
    "backward",
    "ptr",
    "solve",
]

F64 = torch.float64
CPU = torch.device("cpu")

#: The struct code of an int64 word (the words Go reads: pointers, sizes,
#: the bits of doubles), packed in native mode (the library's own byte
#: order): "l" where a C long has 8 bytes, as on Linux and macOS; its
#: conversion of an int above 2**30 (a pointer) is a short loop, where
#: "q"'s goes through _PyLong_AsByteArray (~4× the instructions; ~25
#: pointers per call). "q" elsewhere (Windows).
_Q = "l" if struct.calcsize("@l") == 8 else "q"


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

    The cones are ``zero`` equality rows, ``nonneg`` inequality rows, then the
    second-order cones ``soc``; or, with ``cones``, any list of
    ``(kind, dim)`` blocks in row order (``_lib.CONE_*`` kinds), which then
    replaces zero, nonneg and soc (pass 0, 0 for those).

    Attributes:
        n: number of variables; m: number of conic rows.
        zero, nonneg: total zero and nonnegative rows; soc: second-order cone
        dimensions; cones: the (kind, dim) list passed to Go; has_p: whether
        there is a quadratic term.
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
        cones: Sequence[tuple[int, int] | tuple[int, int, float]] | None = None,
    ) -> None:
        if cones is None:
            cones = [(_lib.CONE_ZERO, zero), (_lib.CONE_NONNEG, nonneg)]
            cones += [(_lib.CONE_SOC, q) for q in soc]
        else:
            if zero or nonneg or soc:
                raise ValueError("Structure: give either cones or zero/nonneg/soc, not both")
        # (kind, dim, param) blocks; param is the power cone's α (0 otherwise).
        self.cones = [(int(c[0]), int(c[1]), float(c[2]) if len(c) > 2 else 0.0) for c in cones]
        self.n = n
        self.zero = sum(d for k, d, _ in self.cones if k == _lib.CONE_ZERO)
        self.nonneg = sum(d for k, d, _ in self.cones if k == _lib.CONE_NONNEG)
        self.soc = tuple(d for k, d, _ in self.cones if k == _lib.CONE_SOC)
        self.m = sum(d for _, d, _ in self.cones)
        self.has_p = has_p
        # Layouts: dense (row-major full matrices) unless a CSC pattern
        # (colptr, rowval) is given; P's pattern is its upper triangle.
        p_csc = _csc_arrays(p_pattern, n) if (has_p and p_pattern is not None) else None
        a_csc = _csc_arrays(a_pattern, n) if a_pattern is not None else None
        if not has_p:
            self.p_layout = _lib.LAYOUT_NONE
        else:
            self.p_layout = _lib.LAYOUT_CSC if p_csc is not None else _lib.LAYOUT_DENSE
        self.a_layout = _lib.LAYOUT_CSC if a_csc is not None else _lib.LAYOUT_DENSE
        #: Per-sample shapes of P's and A's values (and of their gradients).
        self.p_shape: tuple[int, ...] = (
            (int(p_csc[0][n]),) if p_csc is not None else ((n, n) if has_p else (0,))
        )
        self.a_shape: tuple[int, ...] = (int(a_csc[0][n]),) if a_csc is not None else (self.m, n)
        L = _lib.lib()
        # ctypes converts the (kind, dim, param) tuples; mypy's ctypes plugin wants structs.
        cone_arr = (_lib.CCone * max(1, len(self.cones)))(*cast(Any, self.cones))
        desc = _lib.StructureDesc(
            n=n,
            cones=ctypes.cast(cone_arr, ctypes.POINTER(_lib.CCone)),
            ncones=len(self.cones),
            P=_pattern(self.p_layout, p_csc),
            A=_pattern(self.a_layout, a_csc),
            linear_solver=linear_solver,
        )
        out = ctypes.c_uint64(0)
        err = _lib.err_buffer()
        rc = L.lpgd_structure_new(ctypes.byref(desc), ctypes.byref(out), err, _lib.ERRLEN)
        _lib.check(rc, err, "lpgd_structure_new")
        self.handle = int(out.value)
        self._finalizer = weakref.finalize(self, _free_handle, self.handle, os.getpid())
        sizes = _lib.Sizes()
        rc = L.lpgd_structure_info(self.handle, ctypes.byref(sizes))
        _lib.check(rc, None, "lpgd_structure_info")
        #: Words per sample of a solve's factorization records (lpgd_sizes.factor_len;
        #: 0: this structure's solves write none).
        self.factor_len = int(sizes.factor_len)
        self._solve_layouts: dict[int, _SolveLayout] = {}
        #: Layouts of solves that keep factorization records (``solve_layout``'s
        #: ``records``).
        self._record_layouts: dict[int, _SolveLayout] = {}
        self._grad_layouts: dict[tuple[int, int], _GradLayout] = {}

    def solve_layout(self, batch: int, records: bool = False) -> _SolveLayout:
        """A solve's buffer layout for a batch size (x, y, s, info, the
        statuses, the lpgd_solution words, the call's lpgd_solve_args
        words); computed once per batch size. ``records``: the solve keeps
        factorization records (``factor_len`` words per sample), in the
        buffer after the lpgd_solve_args words (``factor_at``, 64-byte
        aligned) when the whole is made from its initial bytes, else in a
        buffer of their own (``factor_at`` −1)."""
        layouts = self._record_layouts if records else self._solve_layouts
        lay = layouts.get(batch)
        if lay is None:
            nx, nm = batch * self.n, batch * self.m
            o_info = nx + 2 * nm
            o_codes = o_info + batch * _lib.INFO_COLS
            o_words = o_codes + (batch + 1) // 2
            # The lpgd_solution words, then the call's lpgd_solve_args.
            size = o_words + 7 + _lib.PACKED_SOLVE_WORDS
            factor_at = -1
            if records and self.factor_len:
                # The records 64-byte aligned (from the buffer's start).
                at = (size + 7) // 8 * 8
                if at + batch * self.factor_len <= _INIT_MAX:
                    factor_at = at
                    size = at + batch * self.factor_len
            init = None
            if size <= _INIT_MAX:
                # The buffer's first bytes: zeros, info NaN (one copy per call
                # instead of an allocation, a zeroing and a fill).
                first = np.zeros(size)
                first[o_info:o_codes] = np.nan
                init = first.tobytes()
            offs = (0, 8 * nx, 8 * (nx + nm), 8 * o_codes, 8 * o_info)
            lay = _SolveLayout(
                (nx, nx, nx + nm, o_info, o_codes, o_words),
                _f64s(size),
                init,
                offs,
                8 * o_words,
                factor_at,
            )
            if len(layouts) >= 64:
                layouts.clear()
            layouts[batch] = lay
        return lay

    def grad_layout(self, batch: int, wanted: int) -> _GradLayout:
        """The backward's buffer layout for a batch size and the bit set of
        wanted outputs (1 gP, 2 gc, 4 gA, 8 gb, 16 stats; 32: gA and gb
        block-major, ``lpgd_gradients.block_major``); computed once."""
        key = (batch, wanted)
        lay = self._grad_layouts.get(key)
        if lay is None:
            n, m = self.n, self.m
            shapes = (
                (batch, *self.p_shape),
                (batch, n),
                (batch, *self.a_shape),
                (batch, m),
                (batch, _lib.BSTAT_COLS),
            )
            parts: list[tuple[int, int, tuple[int, ...]] | None] = []
            off = 0
            for i, shape in enumerate(shapes):
                if not wanted & (1 << i):
                    parts.append(None)
                    continue
                size = math.prod(shape)
                parts.append((off, off + size, shape))
                off += size
            # batch doubles hold the 2·batch int32 statuses and flags; then
            # the lpgd_solution, lpgd_incoming, lpgd_gradients and
            # lpgd_backward_args words.
            # Byte offsets of gP, gc, gA, gb, the statuses, the flags, the
            # stats (−1: not wanted).
            offs = [-1 if p is None else 8 * p[0] for p in parts]
            ints = [8 * off, 8 * off + 4 * batch]
            offsets = (*offs[:4], *ints, offs[4])
            words = off + batch
            # lpgd_gradients (a zero pointer, pad bytes, where an output is
            # not wanted; block_major), then lpgd_backward_args.
            grads = "".join(_Q if o >= 0 else "8x" for o in offsets) + _Q
            grads += f"{_lib.PACKED_BACKWARD_WORDS}{_Q}"
            lay = _GradLayout(
                tuple(parts),
                off,
                words,
                offsets,
                ctypes.c_double * (words + _STRUCT_WORDS),
                tuple(o for o in offsets if o >= 0),
                struct.Struct(f"@10{_Q}" + grads).pack_into,
                bool(wanted & 32),
                struct.Struct(f"@3{_Q}" + grads).pack_into,
            )
            if len(self._grad_layouts) >= 64:
                self._grad_layouts.clear()
            self._grad_layouts[key] = lay
        return lay

    def free(self) -> None:
        """Release the Go handle now (idempotent)."""
        self._finalizer()

    def info(self) -> tuple[int, int, int, int, bool]:
        """(n, m, nnz of P's pattern, nnz of A's, dense KKT chosen) from Go."""
        out = _lib.Sizes()
        rc = _lib.lib().lpgd_structure_info(self.handle, ctypes.byref(out))
        _lib.check(rc, None, "lpgd_structure_info")
        return int(out.n), int(out.m), int(out.p_nnz), int(out.a_nnz), bool(out.dense_kkt)


@dataclass(frozen=True)
class _GradLayout:
    """Where a backward's outputs lie in its buffer (in doubles): per output
    (gP, gc, gA, gb, stats) its (start, end, shape) or None; the statuses and
    flags at ``ints``; the ctypes struct words at ``words``; the byte offsets
    of the lpgd_gradients pointers (−1 where not wanted). With
    ``block_major``, gA and gb hold each row block's [B, rows, …] region in
    turn instead of (B, m, …) (``BackwardResult.block``)."""

    parts: tuple[tuple[int, int, tuple[int, ...]] | None, ...]
    ints: int
    words: int
    #: Byte offsets of the lpgd_gradients pointers (gP, gc, gA, gb,
    #: statuses, flags, stats; −1: not wanted).
    offsets: tuple[int, ...]
    #: The ctypes type of the whole buffer (``words`` doubles, then the 28
    #: words of lpgd_solution, lpgd_incoming, lpgd_gradients and
    #: lpgd_backward_args).
    ctype: type[ctypes.Array[ctypes.c_double]]
    #: The byte offsets of the wanted outputs' lpgd_gradients pointers.
    pointer_offsets: tuple[int, ...]
    #: Packs the 28 words (lpgd_solution, lpgd_incoming, then lpgd_gradients
    #: with a zero pointer, pad bytes, where an output is not wanted, and
    #: block_major, then lpgd_backward_args) from the 10 words, the wanted
    #: outputs' pointers, block_major and the 10 argument words.
    pack: Callable[..., None]
    #: lpgd_gradients.block_major (wanted bit 32).
    block_major: bool
    #: ``pack`` without the lpgd_solution words (a backward given the
    #: address of the forward's, ``SolveResult.solution``): the 21 words of
    #: lpgd_incoming, lpgd_gradients and lpgd_backward_args, 56 bytes after
    #: ``words``.
    pack_tail: Callable[..., None]


#: The largest solve buffer (in doubles) made from a copy of its layout's
#: initial bytes (``_SolveLayout.init``); a larger one is zeroed and filled.
_INIT_MAX = 2048


@dataclass(frozen=True)
class _SolveLayout:
    """Where a solve's outputs lie in its buffer: ``offsets`` (in doubles:
    x's size, y, s, info, the statuses, the lpgd_solution words, which the
    call's lpgd_solve_args words follow), the
    buffer's ctypes type, its initial bytes (zeros, info NaN; None for a
    large buffer), the byte offsets of x, y, s, the statuses and info (the
    lpgd_solution's pointers) and of the lpgd_solution words, and where the
    factorization records lie in the buffer (in doubles; −1: not in it)."""

    offsets: tuple[int, int, int, int, int, int]
    ctype: type[ctypes.Array[ctypes.c_double]]
    init: bytes | None
    ptr_offsets: tuple[int, int, int, int, int]
    words_at: int
    factor_at: int = -1


def _pattern(layout: int, csc: tuple[np.ndarray, np.ndarray] | None) -> _lib.Pattern:
    if csc is None:
        return _lib.Pattern(layout=layout)
    return _lib.Pattern(layout=layout, colptr=_i64p(csc[0]), rowval=_i64p(csc[1]))


# ---------------------------------------------------------------------------
# Buffers
# ---------------------------------------------------------------------------


def as_f64(t: torch.Tensor) -> torch.Tensor:
    """A detached, contiguous float64 CPU tensor with the values of t (no copy when
    t already is one; never on torch's thread pool, see _serial)."""
    return _serial.as_f64(t)


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

    @property
    def c_pair(self) -> tuple[int | None, int]:
        """(data pointer, stride): the fields of an ``lpgd_operand``."""
        return (ptr(self.data), self.stride)


#: A and b of a call: one operand each, or sequences of row-block operands.
Rows = Operand | Sequence[Operand]


def values(
    st: Structure,
    P: Operand,
    c: Operand,
    A: Rows,
    b: Rows,
    psd: tuple[float, float] | None = None,
) -> ctypes.Array[ctypes.c_int64]:
    """The ``lpgd_values`` of a call, with its row blocks after it in the same
    int64 buffer (built from one list: a ctypes Structure with nested operands
    costs several times more to fill). The caller keeps the operands' tensors
    alive while it is used. Built once per call and passed to both ``solve``
    and ``backward``. ``psd``: (sym_tol, shift) of lpgd_solve's own test of a
    dense P (``lpgd_values.psd_sym_tol``, ``psd_shift``), None for none."""
    return packed_values(value_words(st, P, c, A, b, psd))


def value_words(
    st: Structure,
    P: Operand,
    c: Operand,
    A: Rows,
    b: Rows,
    psd: tuple[float, float] | None = None,
) -> list[int]:
    """The words of ``values(...)`` as a list (``packed_values`` makes the
    array): with row blocks, P's data pointer is word 0, c's word 2, block
    j's A and b data words ``VALUES_WORDS + ROW_BLOCK_WORDS·j + 1`` and ``+ 3``."""
    words = [_ptr0(P.data), P.stride, _ptr0(c.data), c.stride, 0, 0]
    words += _NO_PSD if psd is None else _double_words(psd)
    if isinstance(A, Operand):
        if not isinstance(b, Operand):
            raise TypeError("A and b must both be Operands or both sequences of row blocks")
        words += (st.m, _ptr0(A.data), A.stride, _ptr0(b.data), b.stride)
        words[5] = 1
    else:
        if isinstance(b, Operand):
            raise TypeError("A and b must both be Operands or both sequences of row blocks")
        if len(A) != len(b):
            raise ValueError(f"{len(A)} row blocks of A but {len(b)} of b")
        for a, bb in zip(A, b, strict=True):
            # A block's row count is the last dimension of its b tensor.
            bd = bb.data
            if bd is None:
                words += (0, _ptr0(a.data), a.stride, 0, bb.stride)
            else:
                words += (bd.shape[-1], _ptr0(a.data), a.stride, bd.data_ptr(), bb.stride)
        words[5] = len(A)
    return words


def packed_values(words: list[int]) -> ctypes.Array[ctypes.c_int64]:
    """``lpgd_values`` (P data, P stride, c data, c stride, blocks, nblocks,
    the bits of psd_sym_tol and psd_shift) followed by its row blocks (rows,
    A data, A stride, b data, b stride each) as one int64 array, ``blocks``
    pointing into it (``_lib.VALUES_WORDS``, ``_lib.ROW_BLOCK_WORDS``: the
    layout, checked against the Structures). Made from the words' bytes
    (``struct``; a ctypes array initialised from 18 ints costs ~3× more)."""
    k = len(words)
    arr = _int64s(k).from_buffer_copy(struct.pack(f"@{k}{_Q}", *words))
    arr[4] = ctypes.addressof(arr) + 8 * _lib.VALUES_WORDS if words[5] else 0
    return arr


@functools.lru_cache(maxsize=64)
def _int64s(k: int) -> type[ctypes.Array[ctypes.c_int64]]:
    """The ctypes type of an int64 array of k words."""
    return ctypes.c_int64 * k


_NO_PSD = (0, 0)


@functools.lru_cache(maxsize=16)
def _double_words(v: tuple[float, ...]) -> tuple[int, ...]:
    """Doubles as the int64 words holding their bits (for ``packed_values``)."""
    return struct.unpack(f"@{len(v)}{_Q}", struct.pack(f"@{len(v)}d", *v))


def _ptr0(t: torch.Tensor | None) -> int:
    return 0 if t is None else t.data_ptr()


# ---------------------------------------------------------------------------
# Calls
# ---------------------------------------------------------------------------


class SolveResult:
    """Raw outputs of lpgd_solve (float64 CPU numpy arrays, batch-major, views of
    one buffer). ``codes`` and ``info_np`` are the numpy arrays Go wrote;
    they, ``x_np``, ``y_np`` and ``s_np`` are views of the buffer made when
    first asked for (``all_solved`` and ``x_first`` make no view of the
    whole buffer); ``status``, ``info`` and ``x``/``y``/``s``-tensors are
    torch views made when asked for (a torch object costs µs). ``ptrs``: the
    addresses of x, y, s, codes and info; ``solution``: the address of the
    buffer's lpgd_solution words (x, y, s, codes, info, the records and their
    length), which the backward reads as its ``forward``."""

    def __init__(
        self,
        arr: ctypes.Array[ctypes.c_double],
        layout: _SolveLayout,
        batch: int,
        n: int,
        m: int,
        ptrs: tuple[int, ...],
        factor: np.ndarray | None = None,
        factor_len: int = 0,
    ) -> None:
        #: The ctypes buffer Go wrote (numpy views are made over it).
        self._arr: Any = arr
        self._solve_layout = layout
        self._layout = layout.offsets
        self._batch = batch
        self._n = n
        self._m = m
        self.ptrs = ptrs
        self.solution = ptrs[0] + layout.words_at
        self._factor = factor
        self._factor_len = factor_len

    @functools.cached_property
    def _buf(self) -> np.ndarray:
        """The whole buffer as a float64 numpy array."""
        return _frombuffer(self._arr, _NP_F64)

    @functools.cached_property
    def x_np(self) -> np.ndarray:
        """(B, n) primal solutions (a view of the buffer)."""
        view: np.ndarray = _ndarray((self._batch, self._n), _NP_F64, self._arr)  # x first
        return view

    @functools.cached_property
    def factor(self) -> np.ndarray | None:
        """The (B, factor_len) factorization records lpgd_solve wrote (in
        the buffer, or ``solve``'s ``factor``), or None."""
        at = self._solve_layout.factor_at
        if at < 0:
            return self._factor
        view: np.ndarray = _ndarray((self._batch, self._factor_len), _NP_F64, self._arr, 8 * at)
        return view

    def all_solved(self) -> bool:
        """Whether every sample's status is SOLVED."""
        if self._batch == 1:
            solved: bool = _i32_at(self._arr, 8 * self._layout[4])[0] == _SOLVED
            return solved
        return bool((self.codes == _SOLVED).all())

    def x_first(self) -> np.ndarray:
        """(n,) the first sample's primal solution (a view of the buffer)."""
        view: np.ndarray = _ndarray((self._n,), _NP_F64, self._arr)
        return view

    @property
    def codes(self) -> np.ndarray:
        """(B,) int32 statuses (a view of the buffer)."""
        lay = self._layout
        return self._buf[lay[4] : lay[5]].view(np.int32)[: self._batch]

    @property
    def info_np(self) -> np.ndarray:
        """(B, INFO_COLS) info (a view of the buffer)."""
        lay = self._layout
        return self._buf[lay[3] : lay[4]].reshape(self._batch, _lib.INFO_COLS)

    @property
    def y_np(self) -> np.ndarray:
        """(B, m) duals (a view of the buffer)."""
        lay = self._layout
        return self._buf[lay[1] : lay[2]].reshape(self._batch, self._m)

    @property
    def s_np(self) -> np.ndarray:
        """(B, m) slacks (a view of the buffer)."""
        lay = self._layout
        return self._buf[lay[2] : lay[3]].reshape(self._batch, self._m)

    @functools.cached_property
    def x(self) -> torch.Tensor:
        """(B, n) primal solutions."""
        return torch.from_numpy(self.x_np)

    @functools.cached_property
    def y(self) -> torch.Tensor:
        """(B, m) duals."""
        return torch.from_numpy(self.y_np)

    @functools.cached_property
    def s(self) -> torch.Tensor:
        """(B, m) slacks."""
        return torch.from_numpy(self.s_np)

    @functools.cached_property
    def status(self) -> torch.Tensor:
        """(B,) int32 status codes."""
        return torch.from_numpy(self.codes)

    @functools.cached_property
    def info(self) -> torch.Tensor:
        """(B, INFO_COLS) float64 info columns."""
        return torch.from_numpy(self.info_np)


def solve(
    st: Structure,
    settings: CSettings,
    batch: int,
    P: Operand,
    c: Operand,
    A: Rows,
    b: Rows,
    *,
    vals: ctypes.Array[ctypes.c_int64] | None = None,
    factor: np.ndarray | None = None,
    records: bool = False,
) -> SolveResult:
    """Call lpgd_solve on a batch.

    A and b are each one Operand covering all m rows, or sequences of the same
    length of row-block Operands in row order (e.g. the equality rows, then the
    inequality rows): block i's rows are the last dimension of b[i]'s tensor;
    a dense A block holds those rows (rows×n per sample), a CSC one the values
    of A's pattern entries in those rows, column by column. Blocks are passed
    to Go as they are, never concatenated. ``vals``: the ``values(...)`` of
    these operands when the caller built them already. ``factor``: a C-contiguous
    float64 (batch, ``st.factor_len``) array for the factorization records that
    lpgd_backward's kkt method and BPQP's direct solver reuse (``SolveResult.factor``);
    ``records``: without ``factor``, keep the records in a buffer the solve
    makes (see ``solve_values``).
    """
    if vals is None:
        vals = values(st, P, c, A, b)
    return solve_values(st, settings, batch, vals, factor, records)


def solve_values(
    st: Structure,
    settings: CSettings,
    batch: int,
    vals: ctypes.Array[ctypes.c_int64],
    factor: np.ndarray | None = None,
    records: bool = False,
) -> SolveResult:
    """``solve`` given the packed ``values`` of its operands (the call path's
    form: nothing per call but the buffer, its views and the call).
    ``records`` (without ``factor``): keep the structure's factorization
    records (``SolveResult.factor``; none when it writes none) in the
    solve's own buffer when they fit ``_INIT_MAX`` with it, else in a
    (B, factor_len) numpy buffer."""
    fl = st.factor_len
    f_addr = 0
    if factor is not None:
        assert factor.shape == (batch, fl) and factor.flags.c_contiguous
        f_addr = _data_address(factor)
        lay = st._solve_layouts.get(batch) or st.solve_layout(batch)
    elif records and fl:
        lay = st._record_layouts.get(batch) or st.solve_layout(batch, True)
        if lay.factor_at < 0:
            factor = _np_empty((batch, fl))  # float64, uninitialised (Go marks each record)
            # A writable, non-empty array: its address without a ctypes helper.
            f_addr = _addressof(_char_view(factor))  # type: ignore[arg-type]
    else:
        lay = st._solve_layouts.get(batch) or st.solve_layout(batch)
    # One buffer: x, y, s, info (NaN), the int32 statuses, then the
    # lpgd_solution (five pointers into the buffer itself, the factor
    # records' and their length), the call's lpgd_solve_args, then the
    # records when they lie in it.
    init = lay.init
    if init is not None:
        arr = lay.ctype.from_buffer_copy(init)
    else:
        arr = lay.ctype()
        o = lay.offsets
        _frombuffer(arr, _NP_F64)[o[3] : o[4]] = np.nan  # type: ignore[call-overload]
    addr = _addressof(arr)
    _, o_y, o_s, o_codes, o_info = lay.ptr_offsets
    ptrs = (addr, addr + o_y, addr + o_s, addr + o_codes, addr + o_info)
    at = lay.words_at
    if lay.factor_at >= 0:
        f_addr, fl = addr + 8 * lay.factor_at, fl
    elif not f_addr:
        fl = 0
    err = _err_buffer()
    out = addr + at
    h = st.handle
    # lpgd_solution, then the call's lpgd_solve_args (for lpgd_solve_packed,
    # see _interrupt.run) in one pack.
    _pack14(
        arr,
        at,
        *ptrs,
        f_addr,
        fl,
        h,
        _addressof(settings),
        batch,
        _addressof(vals),
        out,
        _addressof(err),
        _ERRLEN,
    )
    rc = _interrupt.run(h, batch, settings, _lib.lib().lpgd_solve, (batch, vals, out, err, _ERRLEN))
    if rc:
        _lib.check(rc, err, "lpgd_solve")
    return SolveResult(arr, lay, batch, st.n, st.m, ptrs, factor, fl)


@functools.lru_cache(maxsize=64)
def _f64s(k: int) -> type[ctypes.Array[ctypes.c_double]]:
    """The ctypes type of a float64 array of k words."""
    return ctypes.c_double * k


_addressof = ctypes.addressof
_char_view = ctypes.c_char.from_buffer


def _data_address(a: np.ndarray) -> int:
    """The address of a writable C-contiguous array's data (``a.ctypes.data``
    builds a ctypes helper object: ~4× the time of this view)."""
    try:
        return _addressof(_char_view(a))  # type: ignore[arg-type]
    except (TypeError, ValueError):  # read-only or empty
        return int(a.ctypes.data)


_frombuffer = np.frombuffer
_ndarray = np.ndarray
_np_empty = np.empty
#: Backward buffers of at least this many doubles (1 MiB) are numpy's,
#: not zeroed (see backward_values).
_CALLOC_WORDS = 1 << 17
#: Words of lpgd_solution (7), lpgd_incoming (3), lpgd_gradients (8) and
#: the call's lpgd_backward_args (10) after a backward's outputs in its
#: buffer.
_STRUCT_WORDS = 18 + _lib.PACKED_BACKWARD_WORDS
_NP_F64 = np.dtype(np.float64)
_i32_at = struct.Struct("@i").unpack_from
_SOLVED = 1  # status.Status.SOLVED (status imports nothing from here)
_add = operator.add
_repeat = itertools.repeat
_ERRLEN = _lib.ERRLEN
_err_buffer = _lib.err_buffer


_pack14 = struct.Struct(f"@14{_Q}").pack_into


class BackwardResult:
    """Raw outputs of lpgd_backward (float64 CPU, batch-major; None where not
    asked). ``arrays`` (gP, gc, gA, gb), ``codes`` and ``flags_np`` are the numpy
    arrays Go wrote (``arrays`` and ``stats``: views of ``buf`` made when first
    asked for); the tensor attributes are views of them made when first asked
    for."""

    def __init__(
        self,
        arr: ctypes.Array[ctypes.c_double] | np.ndarray,
        layout: _GradLayout,
        batch: int,
        message: str,
    ) -> None:
        #: The buffer Go wrote (a ctypes array, or a float64 numpy array
        #: for a large one); ``buffer`` is its numpy view.
        self.raw: Any = arr
        self._layout = layout
        self._batch = batch
        self.message = message  # Go's note on the first failed sample ("" when none)

    @functools.cached_property
    def _buf(self) -> np.ndarray:
        return _frombuffer(self.raw, _NP_F64)

    def all_solved(self) -> bool:
        """Whether every sample's backward status is SOLVED."""
        if self._batch == 1:
            solved: bool = _i32_at(self.raw, 8 * self._layout.ints)[0] == _SOLVED
            return solved
        return bool((self.codes == _SOLVED).all())

    @property
    def _ints(self) -> np.ndarray:
        lay = self._layout
        return self._buf[lay.ints : lay.words].view(np.int32)

    @property
    def codes(self) -> np.ndarray:
        """(B,) int32 statuses (a view of the buffer)."""
        return self._ints[: self._batch]

    @property
    def flags_np(self) -> np.ndarray:
        """(B,) int32 ``FLAG_*`` bits (a view of the buffer)."""
        return self._ints[self._batch : 2 * self._batch]

    @property
    def buffer(self) -> np.ndarray:
        """The whole float64 buffer (the outputs at ``layout.parts``)."""
        return self._buf

    def view(self, i: int) -> np.ndarray | None:
        """Output i (0 gP, 1 gc, 2 gA, 3 gb, 4 stats) as a new numpy view of
        the buffer, None where not asked for (gA and gb of a block-major
        layout: the buffer's words as (B, m, …), not per sample; see
        ``block``)."""
        part = self._layout.parts[i]
        return None if part is None else self._buf[part[0] : part[1]].reshape(part[2])

    def block(self, i: int, r0: int, r1: int) -> np.ndarray | None:
        """Rows r0:r1 of output i (2 gA, 3 gb) as a (B, r1 − r0, …) numpy
        view: contiguous in a block-major layout (r0:r1 one of its row
        blocks) or at a batch of one, a strided slice otherwise; None where
        not asked for."""
        lay = self._layout
        part = lay.parts[i]
        if part is None:
            return None
        start, _, shape = part
        B = shape[0]
        if lay.block_major or B == 1:
            row = math.prod(shape[2:])
            s = start + B * row * r0
            return self._buf[s : s + B * row * (r1 - r0)].reshape((B, r1 - r0, *shape[2:]))
        return self._buf[start : part[1]].reshape(shape)[:, r0:r1]

    def fill(self, samples: np.ndarray, value: float, blocks: Sequence[tuple[int, int]]) -> None:
        """Sets every gradient of the samples ``samples`` (a (B,) bool mask)
        to ``value``, in either layout (``blocks``: the rows (r0, r1) of
        each row block, where a block-major gA and gb lie)."""
        lay = self._layout
        for i, part in enumerate(lay.parts[:4]):
            if part is None:
                continue
            if lay.block_major and i >= 2:
                for r0, r1 in blocks:
                    g = self.block(i, r0, r1)
                    assert g is not None
                    g[samples] = value
            else:
                self._buf[part[0] : part[1]].reshape(part[2])[samples] = value

    @functools.cached_property
    def arrays(
        self,
    ) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None, np.ndarray | None]:
        """(gP, gc, gA, gb) as numpy views (None where not asked for)."""
        return (self.view(0), self.view(1), self.view(2), self.view(3))

    @functools.cached_property
    def stats(self) -> np.ndarray | None:
        """(B, BSTAT_COLS) float64 when asked for (``want_stats``): LPGD's per-sample
        statistics (``_lib.BSTAT_*`` columns: active-set changes, warm and
        interior-point perturbed solves, solves with the base factorization, τ);
        zero for kkt and BPQP; None when not asked for."""
        return self.view(4)

    def _tensor(self, i: int) -> torch.Tensor | None:
        a = self.arrays[i]
        return None if a is None else torch.from_numpy(a)

    @functools.cached_property
    def gP(self) -> torch.Tensor | None:
        """(B, n, n), or (B, nnz) for a CSC pattern."""
        return self._tensor(0)

    @functools.cached_property
    def gc(self) -> torch.Tensor | None:
        """(B, n)."""
        return self._tensor(1)

    @functools.cached_property
    def gA(self) -> torch.Tensor | None:
        """(B, m, n), or (B, nnz) for a CSC pattern."""
        return self._tensor(2)

    @functools.cached_property
    def gb(self) -> torch.Tensor | None:
        """(B, m)."""
        return self._tensor(3)

    @functools.cached_property
    def status(self) -> torch.Tensor:
        """(B,) int32 status codes."""
        return torch.from_numpy(self.codes)

    @functools.cached_property
    def flags(self) -> torch.Tensor:
        """(B,) int32 ``FLAG_*`` bits."""
        return torch.from_numpy(self.flags_np)


def backward(
    st: Structure,
    settings: CSettings,
    opts: BackwardOpts,
    batch: int,
    P: Operand,
    c: Operand,
    A: Rows,
    b: Rows,
    x: torch.Tensor | int,
    y: torch.Tensor | int | None,
    s: torch.Tensor | int | None,
    in_status: torch.Tensor | np.ndarray | int,
    gx: torch.Tensor | int,
    gy: torch.Tensor | int | None,
    gs: torch.Tensor | int | None,
    *,
    need_P: bool,
    need_c: bool,
    need_A: bool,
    need_b: bool,
    vals: ctypes.Array[ctypes.c_int64] | None = None,
    want_stats: bool = False,
    factor: np.ndarray | None = None,
) -> BackwardResult:
    """Call lpgd_backward on a batch; gradient buffers are allocated only where needed.

    A and b are given as in ``solve`` (one Operand each or row blocks); the
    gradients gA and gb always cover all m rows (slice them per block). x, y, s,
    in_status and the incoming gx, gy, gs are contiguous tensors (numpy for
    in_status) or addresses (of batch-major float64 arrays). ``factor``: the
    forward's factorization records (``SolveResult.factor``), or None.
    """
    if vals is None:
        vals = values(st, P, c, A, b)
    if isinstance(in_status, np.ndarray):
        st_ptr: int | None = in_status.ctypes.data
    elif isinstance(in_status, torch.Tensor):
        st_ptr = ptr(in_status)
    else:
        st_ptr = in_status
    wanted = (
        (1 if need_P and st.has_p else 0)
        | (2 if need_c else 0)
        | (4 if need_A else 0)
        | (8 if need_b else 0)
        | (16 if want_stats else 0)
    )
    return backward_values(
        st,
        settings,
        opts,
        batch,
        vals,
        (_addr(x) or 0, _addr(y) or 0, _addr(s) or 0, st_ptr or 0),
        (_addr(gx) or 0, _addr(gy) or 0, _addr(gs) or 0),
        wanted,
        factor,
    )


def backward_values(
    st: Structure,
    settings: CSettings,
    opts: BackwardOpts,
    batch: int,
    vals: ctypes.Array[ctypes.c_int64],
    sol: tuple[int, ...] | int,
    incoming: tuple[int, int, int],
    wanted: int,
    factor: np.ndarray | None = None,
    layout: _GradLayout | None = None,
) -> BackwardResult:
    """``backward`` given the packed ``values``, the addresses of the forward's
    x, y, s and statuses (``sol``) and of the incoming gx, gy, gs (0 for
    none), the bit set of wanted outputs (1 gP, 2 gc, 4 gA, 8 gb, 16
    stats) and the forward's factorization records (or None): the call
    path's form. ``sol`` an int: the address of the forward's own
    lpgd_solution words (``SolveResult.solution``, which hold its records;
    ``factor`` unused). ``layout``: ``st.grad_layout(batch, wanted)`` when
    the caller has it."""
    # One buffer (never torch's thread pool, see _serial): gP, gc, gA, gb
    # where needed, stats when asked for, the int32 codes and flags, then
    # the words of lpgd_solution (7), lpgd_incoming (3), lpgd_gradients (8)
    # and lpgd_backward_args (10).
    lay = layout or st._grad_layouts.get((batch, wanted)) or st.grad_layout(batch, wanted)
    arr: ctypes.Array[ctypes.c_double] | np.ndarray
    if lay.words < _CALLOC_WORDS:
        arr = lay.ctype()
        addr = _addressof(arr)
    else:
        # Large buffers not zeroed (numpy's empty): Go writes every output
        # word of every sample (its gradients, or zeros for a failed,
        # skipped or stopped sample; its status, flags and stats), and pack
        # writes the struct words (test_grad_buffer.py). Pages a fresh
        # mapping brings are touched first by Go's workers, not by a memset
        # on the calling thread: ctypes' memset was ~7 ms of a 19 MB batch-64
        # LPGD backward, and numpy's zeros (calloc) too, whenever glibc
        # served the buffer from its heap — after a freed buffer of the
        # size, as in a training loop — ~1.3 ms of the LP's ~14 ms (13.5 MB).
        big = _np_empty(lay.words + _STRUCT_WORDS)
        addr = big.__array_interface__["data"][0]
        arr = big
    at = 8 * lay.words
    w = addr + at
    err = _err_buffer()
    h = st.handle
    # lpgd_backward's arguments (lpgd_backward_args, after lpgd_gradients:
    # lpgd_backward_packed, see _interrupt.run) but the forward's address.
    a_set, a_opts, a_vals, a_err = (
        _addressof(settings),
        _addressof(opts),
        _addressof(vals),
        _addressof(err),
    )
    if isinstance(sol, int):
        # The forward's lpgd_solution as it is; lpgd_incoming, lpgd_gradients
        # (the pointers of the outputs not wanted 0), the arguments in one
        # pack.
        lay.pack_tail(
            arr,
            at + 56,
            *incoming,
            *map(_add, _repeat(addr), lay.pointer_offsets),
            lay.block_major,
            h,
            a_set,
            a_opts,
            batch,
            a_vals,
            sol,
            w + 56,
            w + 80,
            a_err,
            _ERRLEN,
        )
    else:
        # The forward's records (solve_values checked their shape).
        f_addr, f_len = (0, 0) if factor is None else (_data_address(factor), st.factor_len)
        # lpgd_solution (forward.info not read), lpgd_incoming, lpgd_gradients,
        # the arguments in one pack.
        lay.pack(
            arr,
            at,
            *sol,
            0,
            f_addr,
            f_len,
            *incoming,
            *map(_add, _repeat(addr), lay.pointer_offsets),
            lay.block_major,
            h,
            a_set,
            a_opts,
            batch,
            a_vals,
            w,
            w + 56,
            w + 80,
            a_err,
            _ERRLEN,
        )
        sol = w
    # Interruptible like the forward: Ctrl-C and the time limits stop a long
    # backward pass too (Go polls the same cancel token).
    rc = _interrupt.run(
        h,
        batch,
        settings,
        _lib.lib().lpgd_backward,
        (opts, batch, vals, sol, w + 56, w + 80, err, _ERRLEN),
        "backward",
    )
    if rc:
        _lib.check(rc, err, "lpgd_backward")
    message = err.value.decode("utf-8", "replace") if err[0] != b"\0" else ""
    return BackwardResult(arr, lay, batch, message)


def _addr(v: torch.Tensor | int | None) -> int | None:
    """A contiguous tensor's data pointer, or an address as it is."""
    if v is None or isinstance(v, int):
        return v
    return ptr(v)
