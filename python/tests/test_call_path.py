"""The thin call path (issue 16): packed ctypes arguments, the shape plans of
the QP front end, outputs as views of one buffer."""

from __future__ import annotations

import ctypes
import gc
import warnings
import weakref
from typing import Any

import pytest
import torch

from lpgd_go import _conic, _core, _lib, qp, solve_qp
from lpgd_go._options import resolve_options

from conftest import make_qp_batch

F64 = torch.float64


def test_packed_values_equal_the_ctypes_structs(lib: object) -> None:
    st = _core.Structure(3, 1, 2, has_p=True)
    t = [torch.arange(k, dtype=F64) + 1 for k in (9, 3, 3, 6, 1, 2)]
    P, c, A0, A1, b0, b1 = (_core.Operand(v, i) for i, v in enumerate(t))
    packed = _core.values(st, P, c, [A0, A1], [b0, b1])
    blocks = (_lib.RowBlock * 2)()
    for blk, (a, b) in zip(blocks, ((A0, b0), (A1, b1)), strict=True):
        blk.rows = b.data.shape[-1]
        blk.A.data, blk.A.stride = a.ptr, a.stride
        blk.b.data, blk.b.stride = b.ptr, b.stride
    ref = _lib.Values(P.c_pair, c.c_pair, blocks, 2, 0.0, 0.0)
    assert bytes(packed)[:32] == bytes(ref)[:32]
    assert packed[4] == ctypes.addressof(packed) + 8 * _lib.VALUES_WORDS
    assert packed[5] == 2
    assert bytes(packed)[8 * _lib.VALUES_WORDS :] == bytes(blocks)
    assert bytes(packed)[48:64] == bytes(ref)[48:64]  # no PSD test
    with_test = _core.values(st, P, c, [A0, A1], [b0, b1], psd=(2.5e-13, 1e-8))
    ref = _lib.Values(P.c_pair, c.c_pair, blocks, 2, 2.5e-13, 1e-8)
    assert bytes(with_test)[48:64] == bytes(ref)[48:64]


@pytest.mark.parametrize("with_p", [False, True])
@pytest.mark.parametrize("blocks", [("A",), ("G",), ("A", "G")])
@pytest.mark.parametrize("batched", [False, True])
@pytest.mark.parametrize("psd", [None, (2.5e-13, 1e-8)])
def test_pack_values_equals_the_general_values(
    lib: object,
    with_p: bool,
    blocks: tuple[str, ...],
    batched: bool,
    psd: tuple[float, float] | None,
) -> None:
    """The call path's ``lpgd_values`` (a per-plan template, the pointers
    filled in per call) are the words ``_core.values`` builds from the same
    operands, word 4 pointing at the row blocks in the same array."""
    d = make_qp_batch(2, n=4, m_ineq=3, p=2)
    pick = (lambda t: t) if batched else (lambda t: t[0])
    P = pick(d.P).contiguous() if with_p else None
    rows = {"A": (pick(d.A), pick(d.b)), "G": (pick(d.G), pick(d.h))}
    inputs = (P, pick(d.q), *(rows[k][0] for k in blocks), *(rows[k][1] for k in blocks))
    flags = tuple(t is not None and batched for t in inputs)
    m = sum(rows[k][1].shape[-1] for k in blocks)
    p = rows["A"][1].shape[-1] if "A" in blocks else 0
    cones = _conic.Cones(zero=p, nonneg=m - p)
    st = _conic.structure(4, cones, with_p, None, None, "auto")
    template = _conic.values_template(st, 2 if batched else 1, inputs, flags, len(blocks), psd)
    for _ in range(2):  # the template is reused: every call's own pointers
        inputs = tuple(None if t is None else t.clone() for t in inputs)
        got = _conic.pack_values(template, inputs)
        ops = _conic._operands(st, 2 if batched else 1, inputs, flags, len(blocks))
        ref = _core.values(st, *ops, psd)
        assert len(got) == len(ref)
        assert got[4] == ctypes.addressof(got) + 8 * _lib.VALUES_WORDS
        assert list(got)[:4] + list(got)[5:] == list(ref)[:4] + list(ref)[5:]


def test_cached_plan_after_the_structure_cache_is_cleared(lib: object) -> None:
    """A cached plan looks its structure up by key (``_cache.get``): after
    ``clear_structure_cache`` (the handle freed) the call makes a new one,
    per linear solver, and solves and differentiates as before."""
    import lpgd_go
    from lpgd_go import _cache

    d = make_qp_batch(1, n=4, m_ineq=3, p=1)
    args = [d.P, d.q, d.G, d.h, d.A, d.b]

    def grads(**kw: object) -> list[torch.Tensor]:
        leaves = [a.clone().requires_grad_(True) for a in args]
        solve_qp(*leaves, **kw).sum().backward()  # type: ignore[union-attr]
        return [t.grad for t in leaves]  # type: ignore[misc]

    ref = grads()
    grads()  # the plan's fast form
    lpgd_go.clear_structure_cache()
    assert _cache.structure_cache_len() == 0
    for a, b in zip(ref, grads(), strict=True):
        assert torch.equal(a, b)
    assert _cache.structure_cache_len() == 1
    dense = grads(settings={"linear_solver": "dense"})
    assert _cache.structure_cache_len() == 2  # another structure, same plan
    for a, b in zip(ref, dense, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-8)


def test_plan_cache_keeps_no_tensor_and_checks_new_shapes(lib: object) -> None:
    d = make_qp_batch(2, n=4, m_ineq=3, p=1)
    G = d.G.clone()
    ref = weakref.ref(G)
    x1 = solve_qp(d.P, d.q, G, d.h, d.A, d.b)
    x2 = solve_qp(d.P, d.q, G, d.h, d.A, d.b)  # the cached plan
    assert torch.equal(x1, x2)
    del G
    gc.collect()
    assert ref() is None, "a plan kept the caller's tensor alive"
    # Other shapes still get the full checks and their messages.
    with pytest.raises(ValueError, match=r"G must have shape \(m_ineq, n\)"):
        solve_qp(d.P, d.q, d.G[:, :, :3], d.h, d.A, d.b)
    with pytest.raises(ValueError, match="batch sizes of the arguments differ"):
        solve_qp(d.P, d.q[:1], d.G, d.h, d.A, d.b)
    assert all(
        not isinstance(v, torch.Tensor) for plan in qp._plans.values() for v in vars(plan).values()
    )


def _f64(*shape: int) -> torch.Tensor:
    return torch.ones(shape, dtype=F64)


@pytest.mark.parametrize(
    ("raw", "key", "fast", "grad"),
    [
        # Six float64 CPU contiguous tensors: the call path.
        ((_f64(3, 3), _f64(3), _f64(2, 3), _f64(2), _f64(1, 3), _f64(1)),
         ((3, 3), (3,), (2, 3), (2,), (1, 3), (1,)), True, False),
        # None entries keep their place in the key.
        ((None, _f64(3), None, None, _f64(1, 3), _f64(1)),
         (None, (3,), None, None, (1, 3), (1,)), True, False),
        # A gradient asked for by the last argument only.
        ((_f64(3), _f64(3), _f64(3), _f64(3), _f64(3), _f64(3).requires_grad_()),
         ((3,),) * 6, True, True),
        # A Parameter (a Tensor subclass) is a tensor of the call path.
        ((torch.nn.Parameter(_f64(3, 3)), _f64(3), None, None, None, None),
         ((3, 3), (3,), None, None, None, None), True, True),
        # Not the call path: float32, a transposed view, a sparse tensor.
        ((_f64(3, 3), torch.ones(3), None, None, None, None),
         ((3, 3), (3,), None, None, None, None), False, False),
        ((_f64(3, 2).t(), _f64(2), None, None, None, None),
         ((2, 3), (2,), None, None, None, None), False, False),
        ((_f64(2, 2), _f64(2), _f64(1, 2).to_sparse(), _f64(1), None, None),
         ((2, 2), (2,), (1, 2), (1,), None, None), False, False),
        # A gradient after an argument that is not of the call path.
        ((torch.ones(3), _f64(3).requires_grad_(), None, None, None, None),
         ((3,), (3,), None, None, None, None), False, True),
        # A non-tensor argument: no key (the full checks convert it).
        ((_f64(2, 2), [1.0, 2.0], None, None, None, None), None, False, False),
    ],
)  # fmt: skip
def test_shape_key(
    raw: tuple[torch.Tensor | None, ...], key: tuple[Any, ...] | None, fast: bool, grad: bool
) -> None:
    """``qp._shape_key``'s one pass: the shapes (None kept), whether every
    argument is a float64 CPU strided contiguous tensor, whether one requires
    a gradient."""
    got = qp._shape_key(raw)
    assert got == (key, fast, grad)
    if key is not None:
        assert all(k is None or isinstance(k, torch.Size) for k in got[0])  # type: ignore[union-attr]


def test_shape_key_csr_argument() -> None:
    """A CSR tensor, whose ``is_contiguous()`` raises: the layout is tested
    first, the call is not of the call path (the full checks reject it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch: CSR support is beta
        G = _f64(1, 2).to_sparse_csr()
    raw = (_f64(2, 2), _f64(2), G, _f64(1), None, None)
    assert qp._shape_key(raw) == (((2, 2), (2,), (1, 2), (1,), None, None), False, False)


@pytest.mark.parametrize("batched", [False, True])
def test_outputs_are_views_of_one_buffer_and_backward_matches(lib: object, batched: bool) -> None:
    d = make_qp_batch(1 if not batched else 3, n=5, m_ineq=4, p=2)
    args = [d.P, d.q, d.G, d.h, d.A, d.b]
    if not batched:
        args = [a[0] for a in args]
    leaves = [a.clone().requires_grad_(True) for a in args]
    x, info = solve_qp(*leaves, return_info=True)
    x_only = solve_qp(*leaves)
    assert x_only.shape == x.shape == ((3, 5) if batched else (5,))
    assert bool((info.status == 1).all())
    assert torch.equal(x.detach(), x_only.detach())
    g1 = torch.autograd.grad(x_only.sum(), leaves)
    g2 = torch.autograd.grad(x.sum(), leaves)
    for a, b in zip(g1, g2, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    # The squeezed unbatched output has no select node in the graph.
    if not batched:
        assert type(x_only.grad_fn).__name__ == "ConicFunctionBackward"


class _Calls:
    """Counts the library's calls by name (wrapping the CDLL's function objects)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.names: list[str] = []
        lib = _lib.lib()
        for name in ("lpgd_solve", "lpgd_backward", "lpgd_check_psd"):
            fn = getattr(lib, name)

            def counted(*args: object, _fn: object = fn, _name: str = name) -> object:
                self.names.append(_name)
                return _fn(*args)  # type: ignore[operator]

            monkeypatch.setattr(lib, name, counted)


def test_a_qp_call_is_one_library_call(lib: object, monkeypatch: pytest.MonkeyPatch) -> None:
    d = make_qp_batch(3, n=5, m_ineq=4, p=2)
    calls = _Calls(monkeypatch)
    with torch.no_grad():
        solve_qp(d.P, d.q, d.G, d.h, d.A, d.b)
    assert calls.names == ["lpgd_solve"]  # the PSD test of P inside it
    leaves = [t.clone().requires_grad_(True) for t in (d.P, d.q, d.G, d.h, d.A, d.b)]
    solve_qp(*leaves).sum().backward()
    assert calls.names == ["lpgd_solve", "lpgd_solve", "lpgd_backward"]


@pytest.mark.parametrize("batched", [False, True])
def test_psd_rejections_keep_their_messages(lib: object, batched: bool) -> None:
    d = make_qp_batch(3, n=4, m_ineq=3, p=1)
    P = d.P.clone()
    P[1] = -torch.eye(4, dtype=F64)
    args = [P, d.q, d.G, d.h, d.A, d.b]
    if not batched:
        args = [a[1] for a in args]
    which = "P \\(batch element 1\\)" if batched else "P"
    msg = f"^{which} is not positive semidefinite: min eigenvalue -1$"
    with pytest.raises(ValueError, match=msg):
        solve_qp(*args)
    P[1] = d.P[1]
    P[1, 0, 1] += 1.0
    args[0] = P if batched else P[1]
    msg = (
        f"^{which} is not symmetric: max \\|P - P\\^T\\| = 1 at index \\(0, 1\\) \\(P\\[0, 1\\] = "
    )
    with pytest.raises(ValueError, match=msg):
        solve_qp(*args)
    # A non-finite value is reported as such, before the PSD test.
    P[1, 2, 2] = float("nan")
    with pytest.raises(ValueError, match="P contains a non-finite value"):
        solve_qp(*args)


def test_a_p_only_go_rejects_is_solved(lib: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """Go's test (here with a zero symmetry tolerance) rejects a P that the
    front end's test accepts: the call solves it without Go's test."""
    d = make_qp_batch(1, n=3, m_ineq=2, p=1)
    P = d.P[0].clone()
    P[0, 1] += 1e-14  # asymmetric only at rounding level
    ref = solve_qp((P + P.T) / 2, d.q[0], d.G[0], d.h[0], d.A[0], d.b[0])
    monkeypatch.setattr(qp, "psd_test", lambda dtype: (0.0, 1e-8))
    calls = _Calls(monkeypatch)
    x = solve_qp(P, d.q[0], d.G[0], d.h[0], d.A[0], d.b[0])
    assert calls.names == ["lpgd_solve", "lpgd_check_psd", "lpgd_solve"]
    torch.testing.assert_close(x, ref, rtol=1e-6, atol=1e-8)


def test_go_psd_rejection_on_a_cached_plan_leaves_later_calls_alone(
    lib: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fallback of a call on the call path (Go's test rejects a P the
    front end's test accepts: solved again without Go's test) is that run's
    own: the next call of the same shapes tests P in Go again and falls
    back again (the plan's Run.dense_class is never written)."""
    d = make_qp_batch(1, n=3, m_ineq=2, p=1)
    P = d.P[0].clone()
    P[0, 1] += 1e-14  # asymmetric only at rounding level
    ref = solve_qp((P + P.T) / 2, d.q[0], d.G[0], d.h[0], d.A[0], d.b[0])
    monkeypatch.setattr(qp, "_plans", {})
    monkeypatch.setattr(qp, "psd_test", lambda dtype: (0.0, 1e-8))
    solve_qp(d.P[0], d.q[0], d.G[0], d.h[0], d.A[0], d.b[0])  # the plan
    for _ in range(3):
        calls = _Calls(monkeypatch)
        x = solve_qp(P, d.q[0], d.G[0], d.h[0], d.A[0], d.b[0])
        assert calls.names == ["lpgd_solve", "lpgd_check_psd", "lpgd_solve"]
        torch.testing.assert_close(x, ref, rtol=1e-6, atol=1e-8)
    (plan,) = qp._plans.values()
    assert plan.fast is not None and plan.fast[-1].psd == (0.0, 1e-8)


def test_dense_runs_share_their_plans_class(lib: object) -> None:
    """Run.dense's runs share their plan's class attributes: an attribute a
    run sets (the PSD fallback's psd, solve's results) is not another
    run's, and the class is never written (rebound; grad_specs, the one
    mutable attribute, is filled in place on purpose and not compared)."""
    st = _core.Structure(2, 0, 1, has_p=True)
    cls = _conic.Run.dense_class(1, (False, False, False, False), 1, True, (0.0, 1e-8), {})
    before = {k: v for k, v in vars(cls).items() if not k.startswith("__")}
    inputs = (torch.eye(2, dtype=F64), torch.ones(2, dtype=F64))
    inputs += (torch.ones(1, 2, dtype=F64), torch.ones(1, dtype=F64))
    opts = resolve_options("kkt", None, "raise", False)
    runs = [cls.dense(st, inputs, None, opts, ()) for _ in range(2)]  # type: ignore[arg-type]
    runs[0].psd = None
    runs[0].all_solved = True
    assert runs[1].psd == (0.0, 1e-8) and not runs[1].all_solved
    assert {k: v for k, v in vars(cls).items() if not k.startswith("__")} == before
    assert runs[1].inputs is inputs and runs[1].x_only and runs[1].settings_c is opts.settings._c()
    assert isinstance(runs[0], _conic.Run) and runs[0].dense_inputs and runs[0].revalidate is None
    # A plain function as revalidate is called as it is (not bound to the run).
    seen: list[tuple[Any, ...]] = []
    cls = _conic.Run.dense_class(1, (False,) * 4, 1, True, None, {}, lambda *a: seen.append(a))
    run = cls.dense(st, inputs, None, opts, (1, 2))  # type: ignore[arg-type]
    assert run.revalidate is not None
    run.revalidate(*run.revalidate_args)
    assert seen == [(1, 2)]


_NEEDS = [
    ("q",),
    ("P", "q", "G", "h", "A", "b"),
    ("G", "b"),
    ("P", "h"),
    ("A",),
]


_CASES = ["unbatched", "batched", "shared", "one", "one_shared", "ineq_only", "one_ineq_only"]


def _views_expected(case: str, needs: tuple[str, ...]) -> bool:
    """Whether ``_backward_solved`` returns every gradient as a view of its
    buffer (``_GradSpec.shapes``): a batch of one, or batched inputs (no sum
    over the batch; a row block of [A; G] or [b; h] of a larger batch is its
    own region of the block-major layout)."""
    if case in ("unbatched", "one", "one_shared", "ineq_only", "one_ineq_only"):
        return True
    shared = {"P", "G", "b"} if case == "shared" else set()
    return not (set(needs) & shared)


# Without equality rows A and b are not given: a gradient of those alone
# is not a case.
_CASE_NEEDS = [
    (case, needs)
    for case in _CASES
    for needs in _NEEDS
    if not (case.endswith("ineq_only") and set(needs) <= {"A", "b"})
]


@pytest.mark.parametrize("method", ["kkt", "bpqp", "lpgd"])
@pytest.mark.parametrize(("case", "needs"), _CASE_NEEDS)
def test_solved_backward_equals_general_path(
    lib: object, monkeypatch: pytest.MonkeyPatch, method: str, case: str, needs: tuple[str, ...]
) -> None:
    """The backward's call path (``Run._backward_solved``: dense float64
    inputs, every sample solved, x's gradient only) returns the gradients of
    the general path (masks, copies, ``_serial.grad_for``), for every method,
    unbatched calls, batches of one and of three, inputs shared across the
    batch (gradients summed) and problems without equality rows (one row
    block each: views of the buffer for a batch of three too); the views
    form is taken exactly where expected."""
    B = 1 if case in ("unbatched", "one", "one_shared", "one_ineq_only") else 3
    d = make_qp_batch(B, n=6, m_ineq=5, p=2)
    names = ("P", "q", "G", "h", "A", "b")
    args: list[torch.Tensor | None] = [getattr(d, k) for k in names]
    if case == "unbatched":
        args = [a[0] for a in args if a is not None]
    elif case in ("shared", "one_shared"):
        args = [
            a[0] if k in ("P", "G", "b") and a is not None else a
            for k, a in zip(names, args, strict=True)
        ]
    elif case.endswith("ineq_only"):
        args[4] = args[5] = None
    assert any(a is not None and k in needs for k, a in zip(names, args, strict=True))
    w = torch.linspace(-1.0, 2.0, 6, dtype=F64)

    def grads() -> list[torch.Tensor | None]:
        leaves = [
            None if a is None else a.clone().requires_grad_(k in needs)
            for k, a in zip(names, args, strict=True)
        ]
        x = solve_qp(*leaves, backward=method)
        (x * w).sum().backward()
        return [None if t is None else t.grad for t in leaves]

    first = grads()  # the fast form (Run.dense) once the plan is cached
    views: list[bool] = []
    real = _conic.Run._backward_solved

    def spy(self: _conic.Run, gx: torch.Tensor, need: tuple[bool, ...]) -> object:
        out = real(self, gx, need)
        assert self.grad_specs is not None
        views.append(self.grad_specs[need].shapes is not None)
        return out

    monkeypatch.setattr(_conic.Run, "_backward_solved", spy)
    fast = grads()
    assert views, "the call path's backward was not taken"
    assert views == [_views_expected(case, needs)]
    monkeypatch.setattr(_conic.Run, "_backward_solved", lambda self, *a: None)
    general = grads()
    for k, a, b, c in zip(names, fast, general, first, strict=True):
        assert (b is None) == (c is None) and (b is None or torch.equal(b, c)), k
        given = args[names.index(k)] is not None
        assert (a is None) == (b is None) == (k not in needs or not given), k
        if a is not None and b is not None:
            assert a.shape == b.shape and a.is_contiguous(), k
            assert torch.equal(a, b), k


def test_solved_backward_nonleaf_gradients_are_the_general_paths(
    lib: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Gradients returned to non-leaf inputs (views of the backward's buffer
    for a batch of one) reach the leaves upstream exactly as the general
    path's, and the layer's own gradients (hooks) have the inputs' shapes."""
    d = make_qp_batch(1, n=5, m_ineq=4, p=2)
    base = [a.clone().requires_grad_(True) for a in (d.P, d.q, d.G, d.h, d.A, d.b)]
    seen: list[tuple[int, ...]] = []

    def run() -> list[torch.Tensor]:
        for t in base:
            t.grad = None
        inputs = [2.0 * t for t in base]  # non-leaves: gradients flow on
        for t in inputs:
            t.register_hook(lambda g: seen.append(tuple(g.shape)))
        x = solve_qp(*inputs)
        (x * torch.arange(5.0, dtype=F64)).sum().backward()
        return [t.grad for t in base]  # type: ignore[misc]

    run()
    seen.clear()
    fast = run()
    assert sorted(seen) == sorted(tuple(t.shape) for t in base)
    monkeypatch.setattr(_conic.Run, "_backward_solved", lambda self, *a: None)
    general = run()
    for a, b in zip(fast, general, strict=True):
        assert torch.equal(a, b)


def test_solved_backward_nonfinite_incoming_takes_general_path(lib: object) -> None:
    """A non-finite incoming gradient (Go rejects it before any work): the
    general path's per-sample NaN gradients, as before."""
    d = make_qp_batch(2, n=4, m_ineq=3, p=1)
    for _ in range(2):  # the second call: a cached plan, Run.dense
        q = d.q.clone().requires_grad_(True)
        x = solve_qp(d.P, q, d.G, d.h, d.A, d.b)
        gx = torch.ones_like(x)
        gx[1, 0] = float("nan")
        x.backward(gx)
        assert q.grad is not None
        assert bool(torch.isfinite(q.grad[0]).all()) and bool(torch.isnan(q.grad[1]).all())


def test_data_address_equals_numpy_ctypes_data() -> None:
    """``_core._data_address`` (the factor records' address per call) is
    ``a.ctypes.data`` for writable, read-only and offset arrays."""
    import numpy as np

    a = np.empty((3, 7))
    ro = np.arange(12.0).reshape(3, 4)
    ro.flags.writeable = False
    for arr in (a, a[1:], ro, np.zeros((1, 1))):
        assert _core._data_address(arr) == arr.ctypes.data


@pytest.mark.parametrize("with_p", [False, True])
def test_a_cached_plan_without_constraints(lib: object, with_p: bool) -> None:
    """A problem with neither G nor A (no row blocks) gives the first call's
    result on later calls of the same shapes (its cached plan must not take
    the fast form, whose values template needs a row block)."""
    q = torch.tensor([1.0, -2.0, 0.5], dtype=F64)
    P = torch.diag(torch.tensor([1.0, 2.0, 4.0], dtype=F64)) if with_p else None
    outs = [solve_qp(P, q, on_failure="nan") for _ in range(3)]
    for x in outs[1:]:
        assert torch.equal(torch.isnan(x), torch.isnan(outs[0]))
        assert torch.equal(torch.nan_to_num(x), torch.nan_to_num(outs[0]))
    if with_p:
        assert torch.allclose(outs[0], -q / torch.tensor([1.0, 2.0, 4.0], dtype=F64), atol=1e-9)


def test_unhashable_on_failure_is_a_value_error(lib: object) -> None:
    q = torch.ones(3, dtype=F64)
    with pytest.raises(ValueError, match="on_failure"):
        solve_qp(torch.eye(3, dtype=F64), q, on_failure=["nan"])  # type: ignore[arg-type]


@pytest.mark.parametrize("backward", ["kkt", "lpgd"])
def test_calloc_backward_buffer_equals_ctypes_buffer(
    lib: object, monkeypatch: pytest.MonkeyPatch, backward: str
) -> None:
    # Large backward buffers come from numpy's calloc instead of a ctypes
    # array (_core._CALLOC_WORDS): forced here for a small batch, the
    # gradients (views of that buffer) are bit for bit the ctypes buffer's
    # and survive the buffer's last Python reference.
    from lpgd_go import LPGD

    d = make_qp_batch(3, n=6, m_ineq=5, p=2)
    bw = LPGD(tau=0.1) if backward == "lpgd" else "kkt"

    def grads() -> tuple[torch.Tensor, ...]:
        leaves = [a.clone().requires_grad_(True) for a in (d.P, d.q, d.G, d.h, d.A, d.b)]
        x = solve_qp(*leaves, backward=bw)
        w = torch.arange(x.numel(), dtype=x.dtype).reshape(x.shape)
        out = torch.autograd.grad((x * w).sum(), leaves)
        gc.collect()
        return out

    ref = grads()
    monkeypatch.setattr(_core, "_CALLOC_WORDS", 0)
    calloc = grads()
    assert any(bool(g.abs().sum() > 0) for g in ref)
    for a, b in zip(ref, calloc, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


@pytest.mark.parametrize("batched", [False, True])
def test_solved_backward_noncontiguous_incoming(
    lib: object, monkeypatch: pytest.MonkeyPatch, batched: bool
) -> None:
    """x's incoming gradient that is not a contiguous float64 tensor (``x.sum()``'s
    expanded scalar, a strided slice, a negative-bit view, float32, one that
    requires a gradient) takes the backward's call path and gives the
    gradients of the same values passed contiguous, bit for bit."""
    d = make_qp_batch(2, n=5, m_ineq=4, p=2)
    args = [d.P, d.q, d.G, d.h, d.A, d.b]
    if not batched:
        args = [a[0] for a in args]
    shape = tuple(args[1].shape)
    wide = torch.linspace(-1.0, 2.0, 2 * args[1].numel(), dtype=F64)
    wide = wide.reshape(*shape[:-1], 2 * shape[-1])
    incoming = {
        "expanded": torch.ones((), dtype=F64).expand(shape),
        "strided": wide[..., ::2],
        "neg": torch._neg_view(torch.linspace(0.5, 1.5, shape[-1], dtype=F64).expand(shape)),
        "float32": torch.linspace(-2.0, 1.0, shape[-1]).expand(shape),
        "requires_grad": torch.full((), 0.75, dtype=F64, requires_grad=True).expand(shape),
    }
    taken: list[bool] = []
    real = _conic.Run._backward_solved

    def spy(self: _conic.Run, gx: torch.Tensor, need: tuple[bool, ...]) -> object:
        out = real(self, gx, need)
        taken.append(out is not None)
        return out

    def grads(gx: torch.Tensor) -> list[torch.Tensor]:
        leaves = [a.clone().requires_grad_(True) for a in args]
        x = solve_qp(*leaves, backward="bpqp")
        x.backward(gx)
        return [t.grad for t in leaves]  # type: ignore[misc]

    grads(incoming["expanded"])  # the plan cached: Run.dense from here
    monkeypatch.setattr(_conic.Run, "_backward_solved", spy)
    for name, gx in incoming.items():
        assert not gx.is_contiguous() or gx.dtype != F64 or gx.is_neg(), name
        taken.clear()
        got = grads(gx)
        assert taken == [True], name
        want = grads(gx.detach().resolve_neg().to(F64).contiguous())
        for a, b in zip(got, want, strict=True):
            assert torch.equal(a, b), name
    # x.sum()'s gradient, the BPQP study's loss: the expanded form too.
    leaves = [a.clone().requires_grad_(True) for a in args]
    taken.clear()
    solve_qp(*leaves, backward="bpqp").sum().backward()
    assert taken == [True]
    for a, b in zip((t.grad for t in leaves), grads(torch.ones(shape, dtype=F64)), strict=True):
        assert a is not None and torch.equal(a, b)


@pytest.mark.parametrize("batched", [False, True])
def test_negative_bit_inputs(lib: object, batched: bool) -> None:
    """Inputs that are negative-bit views (``torch._neg_view``: contiguous
    float64 whose memory holds −values) solve the problem of their values,
    with the same gradients, on the first call (the full checks) and on the
    cached plan's call path: Go is never handed the memory of such a view."""
    d = make_qp_batch(2, n=5, m_ineq=4, p=2)
    args = [d.P, d.q, d.G, d.h, d.A, d.b]
    if not batched:
        args = [a[0] for a in args]

    def solve(neg: bool) -> tuple[torch.Tensor, list[torch.Tensor]]:
        leaves = [a.clone().requires_grad_(True) for a in args]
        inputs = [torch._neg_view(-t) if neg else t for t in leaves]
        assert all(t.is_neg() for t in inputs) == neg
        x = solve_qp(*inputs, backward="kkt")
        x.sum().backward()
        return x.detach(), [t.grad for t in leaves]  # type: ignore[misc]

    want_x, want_g = solve(False)
    for _ in range(2):  # the first call, then the cached plan's
        x, g = solve(True)
        assert torch.equal(x, want_x)
        for a, b in zip(g, want_g, strict=True):
            assert torch.equal(a, b)


@pytest.mark.parametrize("on_failure", ["raise", "nan"])
def test_solved_backward_of_one_sample_reads_its_status(
    lib: object, monkeypatch: pytest.MonkeyPatch, on_failure: str
) -> None:
    """The short backward path of a batch of one reads the backward's status
    from the buffer itself (``_GradSpec.status_at``, no ``all_solved``
    frame): a sample whose backward failed raises SolverError, or gets zero
    gradients with on_failure="nan", as on the general path."""
    from lpgd_go import _interrupt
    from lpgd_go.status import SolverError, Status

    d = make_qp_batch(1, n=4, m_ineq=3, p=1)
    args = [t[0] for t in (d.P, d.q, d.G, d.h, d.A, d.b)]
    solve_qp(*args, on_failure=on_failure)  # the plan: the next call is Run.dense's
    real = _interrupt.run
    short: list[bool] = []

    def failing(h: int, batch: int, settings: Any, fn: Any, a: Any, kind: str = "solve") -> int:
        rc = real(h, batch, settings, fn, a, kind)
        if kind == "backward":  # the statuses' pointer: lpgd_gradients word 4
            codes = ctypes.c_int64.from_address(a[5] + 32).value
            ctypes.c_int32.from_address(codes).value = int(Status.BACKWARD_FAILED)
        return rc

    monkeypatch.setattr(_interrupt, "run", failing)
    solved = _conic.Run._backward_solved

    def spy(self: Any, *a: Any) -> Any:
        short.append(True)
        return solved(self, *a)

    monkeypatch.setattr(_conic.Run, "_backward_solved", spy)
    q = args[1].clone().requires_grad_(True)
    x = solve_qp(args[0], q, *args[2:], on_failure=on_failure)
    if on_failure == "raise":
        with pytest.raises(SolverError, match="backward"):
            x.sum().backward()
    else:
        x.sum().backward()
        assert q.grad is not None and bool((q.grad == 0).all())
    assert short == [True]


def test_forward_saves_inputs_and_outputs(lib: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """ConicFunction.forward saves the inputs and outputs (in-place changes
    detected before backward) and does not materialize missing gradients."""
    d = make_qp_batch(1, n=4, m_ineq=3, p=1)
    leaves = [t[0].clone().requires_grad_(True) for t in (d.P, d.q, d.G, d.h, d.A, d.b)]
    x = solve_qp(*leaves)
    saved = x.grad_fn.saved_tensors  # type: ignore[union-attr]
    assert len(saved) == 7 and saved[-1] is not None and torch.equal(saved[-1], x)
    # inputs in the Run's order: P, q, A, G, b, h
    for got, want in zip(saved[:6], [leaves[i] for i in (0, 1, 4, 2, 5, 3)], strict=True):
        assert got is want
    with torch.no_grad():
        leaves[2].add_(0.0)  # an in-place change of an input: backward refuses
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        x.sum().backward()
    # Materialized gradients are off: with return_info (outputs x, y, s)
    # a loss of x alone gives the backward None for y and s, not zeros.
    seen: list[tuple[bool, bool]] = []
    real = _conic.Run.backward

    def spy(self: _conic.Run, gx: Any, gy: Any, gs: Any, needs: Any) -> Any:
        seen.append((gy is None, gs is None))
        return real(self, gx, gy, gs, needs)

    monkeypatch.setattr(_conic.Run, "backward", spy)
    leaves = [t[0].clone().requires_grad_(True) for t in (d.P, d.q, d.G, d.h, d.A, d.b)]
    x, _ = solve_qp(*leaves, return_info=True)
    x.sum().backward()
    assert seen == [(True, True)]


@pytest.mark.parametrize("batched", [False, True])
def test_call_path_rejections_keep_their_messages(
    lib: object, monkeypatch: pytest.MonkeyPatch, batched: bool
) -> None:
    """Data Go rejects on a cached plan's call path (the run's
    ``revalidate`` called with its ``revalidate_args``, the call's
    arguments) raises the message of the first call of those shapes (the
    full checks: argument, index and batch element)."""
    d = make_qp_batch(2, n=4, m_ineq=3, p=1)
    args = [d.P, d.q, d.G, d.h, d.A, d.b]
    if not batched:
        args = [a[1] for a in args]

    def message(bad: list[torch.Tensor], cached: bool) -> str:
        if not cached:
            monkeypatch.setattr(qp, "_plans", {})  # the full checks
        else:
            solve_qp(*args)
            solve_qp(*args)  # the plan's call path from here
            assert next(iter(qp._plans.values())).fast is not None
        with pytest.raises(ValueError) as err:
            solve_qp(*bad)
        return str(err.value)

    for i, name in enumerate(("P", "q", "G", "h", "A", "b")):
        bad = [a.clone() for a in args]
        bad[i].view(-1)[-1] = float("inf")
        want = message(bad, False)
        assert want.startswith(f"{name} contains a non-finite value (inf) at index")
        assert message(bad, True) == want
    bad = [a.clone() for a in args]
    bad[0].view(-1)[-1] = -5.0  # P[..., 3, 3] < 0: not PSD
    want = message(bad, False)
    assert "is not positive semidefinite" in want
    assert message(bad, True) == want


_SUBSETS = [(1,), (0, 3), (4, 5), (2, 4), (0, 1, 2, 3, 4, 5), (5,)]


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
@pytest.mark.parametrize(("batch", "lp"), [(0, False), (1, False), (3, False), (0, True)])
def test_call_path_gradients_for_a_subset_of_the_arguments(
    lib: object, batch: int, lp: bool
) -> None:
    """The call path with a subset of the arguments requiring a gradient
    (changing between calls of the same plan; an LP's P None): the
    gradients equal those of a call where every argument requires one, in
    the right places, None elsewhere; every input is saved (an in-place
    change of one that requires no gradient is refused too); create_graph
    guarded. (What a call path passing fewer tensors to apply must keep.)"""
    d = make_qp_batch(max(batch, 1), n=4, m_ineq=3, p=2, seed=7)
    base: list[torch.Tensor | None] = [t if batch else t[0] for t in (d.P, d.q, d.G, d.h, d.A, d.b)]
    if lp:
        base[0] = None
    given = [i for i, t in enumerate(base) if t is not None]
    w = torch.linspace(-1.0, 2.0, 4, dtype=F64)
    every = [None if t is None else t.clone().requires_grad_(True) for t in base]
    (solve_qp(*every, backward="bpqp") * w).sum().backward()
    want = [None if t is None else t.grad for t in every]
    for create_graph in (False, True):
        for subset in [tuple(given), *(s for s in _SUBSETS if set(s) <= set(given))]:
            leaves = [
                None if t is None else t.clone().requires_grad_(i in subset)
                for i, t in enumerate(base)
            ]
            x = solve_qp(*leaves, backward="bpqp")
            assert x.grad_fn is not None
            assert len(x.grad_fn.saved_tensors) == 7
            (x * w).sum().backward(create_graph=create_graph)
            for i, t in enumerate(leaves):
                if t is None:
                    continue
                if i in subset:
                    assert t.grad is not None
                    torch.testing.assert_close(t.grad, want[i], rtol=0, atol=0)
                    assert t.grad.requires_grad == create_graph
                else:
                    assert t.grad is None
            if create_graph:  # the second order is refused (the guard)
                g = leaves[subset[0]]
                assert g is not None and g.grad is not None
                with pytest.raises(RuntimeError, match="not twice differentiable"):
                    g.grad.sum().backward()
    # An in-place change of an input that requires no gradient: refused.
    for i in given:
        leaves = [
            None if t is None else t.clone().requires_grad_(j == 1) for j, t in enumerate(base)
        ]
        x = solve_qp(*leaves, backward="bpqp")
        leaf = leaves[i]
        assert leaf is not None
        leaf.detach().add_(0.0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            x.sum().backward()


def test_general_backward_for_a_subset_of_the_arguments(lib: object) -> None:
    """The general backward (return_info: gradients of x, y and s; a failed
    sample under on_failure="nan") with a subset of the arguments requiring
    a gradient: the gradients of a call whose arguments all require one."""
    d = make_qp_batch(3, n=4, m_ineq=3, p=1, seed=3)
    args = [d.P, d.q, d.G, d.h, d.A, d.b]
    args[3] = args[3].clone()
    args[3][1] = -1e3  # sample 1 infeasible
    args[4] = args[4].clone()
    every = [t.clone().requires_grad_(True) for t in args]
    x, info = solve_qp(*every, return_info=True, on_failure="nan")
    (x.nan_to_num().sum() + info.ineq_duals.nan_to_num().sum()).backward()
    for subset in ((1,), (2, 5)):
        leaves = [t.clone().requires_grad_(i in subset) for i, t in enumerate(args)]
        x, info = solve_qp(*leaves, return_info=True, on_failure="nan")
        assert x.grad_fn is not None
        (x.nan_to_num().sum() + info.ineq_duals.nan_to_num().sum()).backward()
        for i, t in enumerate(leaves):
            if i in subset:
                torch.testing.assert_close(t.grad, every[i].grad, rtol=0, atol=0)
            else:
                assert t.grad is None


def test_forward_ad_tangent_on_an_input_without_gradient_is_refused(lib: object) -> None:
    """A forward-mode tangent on an input that requires no gradient, while
    another one does, is refused (ConicFunction has no jvp), not dropped;
    without tangents the same call works."""
    import torch.autograd.forward_ad as fwad

    d = make_qp_batch(1, n=4, m_ineq=3, p=1, seed=5)
    args = [t[0] for t in (d.P, d.q, d.G, d.h, d.A, d.b)]
    for _ in range(2):  # the second call takes the call path
        q = args[1].clone().requires_grad_(True)
        with fwad.dual_level():
            P = fwad.make_dual(args[0], torch.ones_like(args[0]))
            with pytest.raises(NotImplementedError, match="jvp"):
                solve_qp(P, q, *args[2:])
            x = solve_qp(args[0], q, *args[2:])
            assert x.grad_fn is not None
        x = solve_qp(args[0], q, *args[2:])
        assert x.grad_fn is not None
        x.sum().backward()
        assert q.grad is not None


def test_func_transforms_refused_clearly(lib: object) -> None:
    """torch.func transforms (vmap, jacrev) and the vectorized Jacobian of
    torch.autograd.functional (legacy vmap in the backward) are refused with
    our message, not torch's "Cannot access data pointer"; the plain Jacobian
    works and matches the one from backward passes."""
    d = make_qp_batch(1, n=4, m_ineq=3, p=1, seed=6)
    P, q, G, h, A, b = (t[0] for t in (d.P, d.q, d.G, d.h, d.A, d.b))

    def f(t: torch.Tensor) -> torch.Tensor:
        x = solve_qp(P, t, G, h, A, b)
        assert isinstance(x, torch.Tensor)
        return x

    msg = "do not support torch.func transforms"
    with pytest.raises(RuntimeError, match=msg):
        torch.func.vmap(f)(q.expand(2, -1))
    with pytest.raises(RuntimeError, match=msg):
        torch.func.jacrev(f)(q)
    with pytest.raises(RuntimeError, match=msg):
        torch.autograd.functional.jacobian(f, q, vectorize=True)
    J = torch.autograd.functional.jacobian(f, q)
    rows = []
    for i in range(4):
        qi = q.clone().requires_grad_(True)
        f(qi)[i].backward()
        assert qi.grad is not None
        rows.append(qi.grad)
    torch.testing.assert_close(J, torch.stack(rows), rtol=0, atol=1e-12)
    f(q)  # usable afterwards
