"""The thin call path (issue 16): packed ctypes arguments, the shape plans of
the QP front end, outputs as views of one buffer."""

from __future__ import annotations

import ctypes
import gc
import weakref

import pytest
import torch

from lpgd_go import _core, _lib, qp, solve_qp

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
    with pytest.raises(ValueError, match=f"^{which} is not symmetric: max \\|P - P\\^T\\| = 1$"):
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
