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
    ref = _lib.Values(P.c_pair, c.c_pair, blocks, 2)
    assert bytes(packed)[:32] == bytes(ref)[:32]
    assert packed[4] == ctypes.addressof(packed) + 8 * _lib.VALUES_WORDS
    assert packed[5] == 2
    assert bytes(packed)[8 * _lib.VALUES_WORDS :] == bytes(blocks)


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
