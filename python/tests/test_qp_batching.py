"""Batching, shared parameters, dtypes, devices, contiguity and the autograd plumbing."""

from __future__ import annotations

import pytest
import torch

import lpgd_go
from lpgd_go import QPLayer, _core, solve_qp

from conftest import TIGHT, make_qp, make_qp_batch

ARGS = ("P", "q", "G", "h", "A", "b")


def test_unbatched_in_unbatched_out(lib: object) -> None:
    qp = make_qp()
    x, info = solve_qp(*qp.args(), return_info=True)
    assert x.shape == (4,)
    assert info.status.shape == () and info.objective.shape == () and info.iterations.shape == ()
    assert info.eq_duals.shape == (1,) and info.ineq_duals.shape == (5,)
    assert info.slacks.shape == (5,)


def test_batch_of_one_keeps_dim(lib: object) -> None:
    qp = make_qp()
    x, info = solve_qp(qp.P, qp.q[None], qp.G, qp.h, qp.A, qp.b, return_info=True)
    assert x.shape == (1, 4) and info.status.shape == (1,) and info.ineq_duals.shape == (1, 5)
    torch.testing.assert_close(x[0], solve_qp(*qp.args()))


@pytest.mark.parametrize("shared", [(), ("P",), ("G", "h"), ("A", "b"), ("P", "G", "A")])
def test_batched_equals_per_sample(lib: object, shared: tuple[str, ...]) -> None:
    B = 3
    qb = make_qp_batch(B, n=4, m_ineq=5, p=1, seed=20)
    args = dict(zip(ARGS, qb.args(), strict=True))
    for k in shared:
        args[k] = args[k][0]
    if shared:  # keep every sample feasible: x_0 satisfies all constraints
        x0 = qb.x[0]
        if "h" not in shared:
            slack = torch.rand(B, 5, generator=torch.Generator().manual_seed(1), dtype=x0.dtype)
            args["h"] = args["G"] @ x0 + slack  # (B, 5)
        if "b" not in shared:
            args["b"] = args["A"] @ x0 + torch.zeros(B, 1, dtype=x0.dtype)  # (B, 1)
    xb = solve_qp(**args, settings=TIGHT)
    assert xb.shape == (B, 4)
    for i in range(B):
        one = {k: (v if k in shared else v[i]) for k, v in args.items()}
        torch.testing.assert_close(xb[i], solve_qp(**one, settings=TIGHT), rtol=1e-9, atol=1e-9)


def test_shared_gradient_is_sum_of_per_sample_gradients(lib: object) -> None:
    B = 3
    qb = make_qp_batch(B, n=4, m_ineq=5, p=1, seed=30)
    P, G, A = qb.P[0], qb.G[0], qb.A[0]
    h = torch.stack([G @ qb.x[i] + torch.tensor([0, 0.3, 1, 2, 0.5]) for i in range(B)])
    b = torch.stack([A @ qb.x[i] for i in range(B)])
    q = qb.q
    w = torch.randn(B, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64)

    shared = [t.clone().requires_grad_() for t in (P, G, A)]
    x = solve_qp(shared[0], q, shared[1], h, shared[2], b, settings=TIGHT)
    (w * x).sum().backward()

    total = [torch.zeros_like(t) for t in shared]
    for i in range(B):
        leaves = [t.clone().requires_grad_() for t in (P, G, A)]
        xi = solve_qp(leaves[0], q[i], leaves[1], h[i], leaves[2], b[i], settings=TIGHT)
        (w[i] * xi).sum().backward()
        for acc, leaf in zip(total, leaves, strict=True):
            acc += leaf.grad
    for got, want, name in zip((t.grad for t in shared), total, "PGA", strict=True):
        assert got.shape == want.shape, name
        torch.testing.assert_close(got, want, rtol=1e-9, atol=1e-10, msg=name)


def test_float32_in_float32_out(lib: object) -> None:
    qp = make_qp(dtype=torch.float32)
    args = [t.clone().requires_grad_() for t in qp.args()]
    x, info = solve_qp(*args, return_info=True)
    assert x.dtype == torch.float32 and info.ineq_duals.dtype == torch.float32
    assert info.objective.dtype == torch.float32
    x.sum().backward()
    for t, name in zip(args, ARGS, strict=True):
        assert t.grad is not None and t.grad.dtype == torch.float32, name
    ref = solve_qp(*(t.double() for t in qp.args()))
    torch.testing.assert_close(x.double(), ref, rtol=1e-5, atol=1e-5)


def test_output_dtype_follows_q(lib: object) -> None:
    qp = make_qp()
    x = solve_qp(qp.P.float(), qp.q, qp.G.float(), qp.h, qp.A, qp.b)
    assert x.dtype == torch.float64
    P = qp.P.clone().requires_grad_()
    x = solve_qp(P, qp.q.float(), qp.G, qp.h, qp.A, qp.b)
    assert x.dtype == torch.float32
    x.sum().backward()
    assert P.grad.dtype == torch.float64


def test_non_contiguous_inputs(lib: object) -> None:
    qb = make_qp_batch(2, n=4, m_ineq=5, p=1, seed=40)
    ref = solve_qp(*qb.args(), settings=TIGHT)
    # Same values through transposed / strided views.
    P = qb.P.transpose(-1, -2)  # symmetric: same values, non-contiguous
    G = torch.zeros(2, 5, 8, dtype=torch.float64)
    G[..., ::2] = qb.G
    Gv = G[..., ::2]
    q = torch.stack([qb.q, qb.q], dim=-1)[..., 0]
    hT = qb.h.T.contiguous().T
    assert not P.is_contiguous() and not Gv.is_contiguous() and not q.is_contiguous()
    x = solve_qp(P, q, Gv, hT, qb.A, qb.b, settings=TIGHT)
    torch.testing.assert_close(x, ref, rtol=0, atol=0)
    # Expanded (stride-0) batch inputs work too.
    x = solve_qp(qb.P[0].expand(2, 4, 4), qb.q, qb.G[0], qb.h[0].expand(2, 5), qb.A[0], qb.b[0])
    assert x.shape == (2, 4)


def test_no_grad_path_does_no_backward(lib: object, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []

    def fail(*a: object, **k: object) -> None:
        calls.append(a)
        raise AssertionError("backward must not run")

    qp = make_qp()
    x = solve_qp(*qp.args())
    assert x.grad_fn is None and not x.requires_grad
    P = qp.P.clone().requires_grad_()
    with torch.no_grad():
        x = solve_qp(P, *qp.args()[1:])
    assert x.grad_fn is None
    monkeypatch.setattr(_core, "backward_values", fail)
    x = solve_qp(P, *qp.args()[1:])
    assert x.grad_fn is not None
    del x  # graph dropped without backward: Go backward never called
    assert calls == []


def test_needs_input_grad_is_honoured(lib: object, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dict[str, bool]] = []
    real = _core.backward_values

    def spy(*a: object) -> object:
        wanted = a[7]  # the bit set of wanted outputs: 1 gP, 2 gc, 4 gA, 8 gb
        assert isinstance(wanted, int)
        bits = zip(("need_P", "need_c", "need_A", "need_b"), (1, 2, 4, 8), strict=True)
        seen.append({key: bool(wanted & bit) for key, bit in bits})
        return real(*a)  # type: ignore[arg-type]

    monkeypatch.setattr(_core, "backward_values", spy)
    qp = make_qp()
    q = qp.q.clone().requires_grad_()
    x = solve_qp(qp.P, q, qp.G, qp.h, qp.A, qp.b)
    x.sum().backward()
    assert seen[-1] == {"need_P": False, "need_c": True, "need_A": False, "need_b": False}
    h = qp.h.clone().requires_grad_()
    P = qp.P.clone().requires_grad_()
    x = solve_qp(P, qp.q, qp.G, h, qp.A, qp.b)
    x.sum().backward()
    assert seen[-1] == {"need_P": True, "need_c": False, "need_A": False, "need_b": True}
    assert q.grad is not None and h.grad is not None and P.grad is not None


def test_gradient_through_duals_only(lib: object) -> None:
    qp = make_qp()
    h = qp.h.clone().requires_grad_()
    _, info = solve_qp(qp.P, qp.q, qp.G, h, qp.A, qp.b, return_info=True, settings=TIGHT)
    info.ineq_duals.sum().backward()
    assert h.grad is not None and torch.isfinite(h.grad).all()


def test_qplayer_defaults_and_overrides(lib: object) -> None:
    qp = make_qp()
    layer = QPLayer(settings=TIGHT)
    assert isinstance(layer, torch.nn.Module)
    x = layer(*qp.args())
    torch.testing.assert_close(x, qp.x, rtol=1e-8, atol=1e-8)
    x, info = layer(*qp.args(), return_info=True)
    assert int(info.status) == lpgd_go.Status.SOLVED
    layer2 = QPLayer(return_info=True, on_failure="nan")
    out = layer2(*qp.args())
    assert isinstance(out, tuple)
    assert isinstance(layer2(*qp.args(), return_info=False), torch.Tensor)
    # polish off: also no dual active-set start (it solves this QP at once).
    x = layer(*qp.args(), settings={"max_iter": 1, "polish": False}, on_failure="nan")
    assert torch.isnan(x).all()
    with pytest.raises(TypeError, match="solver_args"):
        layer(*qp.args(), solver_args={})
    with pytest.raises(ValueError, match="on_failure"):
        QPLayer(on_failure="ignore")
    with pytest.raises(ValueError, match="backward"):
        layer(*qp.args(), backward="nope")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_roundtrip(lib: object) -> None:
    qp = make_qp()
    args = [t.cuda().requires_grad_() for t in qp.args()]
    x = solve_qp(*args)
    assert x.device.type == "cuda"
    x.sum().backward()
    assert all(t.grad is not None and t.grad.device.type == "cuda" for t in args)
    torch.testing.assert_close(x.cpu(), solve_qp(*qp.args()))


def test_inplace_modification_before_backward_is_detected(lib: object) -> None:
    qp = make_qp()
    q = qp.q.clone().requires_grad_()
    P = qp.P.clone().requires_grad_()
    Pd = P.detach()
    x = solve_qp(P, q, qp.G, qp.h, qp.A, qp.b)
    Pd.mul_(2.0)  # shares storage (and version counter) with P
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        x.sum().backward()
