"""The calling contract shared by the front ends (issue 14 item 7): malformed
calls raise ValueError with a clear message, tracing is refused, a non-finite
upstream gradient spoils only its own sample, double backward is refused."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
import torch

from lpgd_go import ConeLayer, Cones, QPLayer, solve_cone, solve_qp

F64 = torch.float64
N = 3


@cache
def _cvxpy_layer() -> Any:
    import cvxpy as cp

    from lpgd_go.cvxpy import CvxpyLayer

    x = cp.Variable(N)
    q = cp.Parameter(N)
    prob = cp.Problem(cp.Minimize(cp.sum_squares(x) + q @ x), [x >= -1, x <= 1])
    return CvxpyLayer(prob, parameters=[q], variables=[x])


def _qp(q: torch.Tensor) -> torch.Tensor:
    """min ½‖x‖² + qᵀx s.t. −1 ≤ x ≤ 1 (scaled by 2 to match the cvxpy problem)."""
    n = q.shape[-1]
    G = torch.cat([torch.eye(n, dtype=F64), -torch.eye(n, dtype=F64)])
    return solve_qp(2.0 * torch.eye(n, dtype=F64), q, G, torch.ones(2 * n, dtype=F64))


def _cone(q: torch.Tensor) -> torch.Tensor:
    n = q.shape[-1]
    A = torch.cat([torch.eye(n, dtype=F64), -torch.eye(n, dtype=F64)])
    x, _, _ = solve_cone(
        2.0 * torch.eye(n, dtype=F64), q, A, torch.ones(2 * n, dtype=F64), Cones(nonneg=2 * n)
    )
    return x


def _cvxpy(q: torch.Tensor) -> torch.Tensor:
    (x,) = _cvxpy_layer()(q)
    return x  # type: ignore[no-any-return]


FRONT_ENDS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "qp": _qp,
    "cone": _cone,
    "cvxpy": _cvxpy,
}


@pytest.mark.parametrize("front_end", ["qp", "cone"])
def test_zero_variables_is_a_value_error(lib: object, front_end: str) -> None:
    with pytest.raises(ValueError, match=r"at least one entry \(n >= 1\)"):
        FRONT_ENDS[front_end](torch.zeros(0, dtype=F64))
    with pytest.raises(ValueError, match=r"at least one entry \(n >= 1\)"):
        solve_qp(torch.zeros(0, 0, dtype=F64), torch.zeros(0, dtype=F64))


@pytest.mark.parametrize("front_end", sorted(FRONT_ENDS))
def test_empty_batch_is_a_value_error(lib: object, front_end: str) -> None:
    with pytest.raises(ValueError, match="batch size must be at least 1"):
        FRONT_ENDS[front_end](torch.zeros(0, N, dtype=F64))


@pytest.mark.parametrize("front_end", sorted(FRONT_ENDS))
def test_meta_tensor_is_a_value_error(lib: object, front_end: str) -> None:
    with pytest.raises(ValueError, match="meta tensor"):
        FRONT_ENDS[front_end](torch.zeros(N, dtype=F64, device="meta"))


def test_sparse_meta_tensor_is_a_value_error(lib: object) -> None:
    A = (-torch.eye(N, dtype=F64)).to_sparse().to("meta")
    with pytest.raises(ValueError, match="A is a meta tensor"):
        solve_cone(None, torch.ones(N, dtype=F64), A, torch.zeros(N, dtype=F64), Cones(nonneg=N))


@pytest.mark.filterwarnings("ignore:`torch.jit.trace:FutureWarning")
def test_jit_trace_is_refused_with_a_pointer_to_torch_compile(lib: object) -> None:
    q = torch.ones(N, dtype=F64)
    G = torch.eye(N, dtype=F64)
    h = torch.ones(N, dtype=F64)
    P = torch.eye(N, dtype=F64)
    layers: list[tuple[torch.nn.Module, tuple[Any, ...]]] = [
        (QPLayer(), (P, q, G, h)),
        (ConeLayer(Cones(nonneg=N)), (P, q, G, h)),
        (_cvxpy_layer(), (q,)),
    ]
    for layer, args in layers:
        with pytest.raises(RuntimeError, match=r"torch\.compile"):
            torch.jit.trace(layer, args, check_trace=False)


@pytest.mark.parametrize("front_end", sorted(FRONT_ENDS))
def test_nonfinite_upstream_gradient_spoils_only_its_sample(lib: object, front_end: str) -> None:
    call = FRONT_ENDS[front_end]
    q0 = torch.tensor([[0.5, -3.0, 0.2], [1.0, 0.3, -0.4], [-0.2, 0.1, 2.5]], dtype=F64)
    upstream = torch.tensor([[1.0, 2.0, -1.0], [0.5, 1.0, 1.0], [-1.0, 0.5, 2.0]], dtype=F64)
    q = q0.clone().requires_grad_()
    call(q).backward(upstream)
    exact = q.grad
    assert exact is not None and torch.isfinite(exact).all()
    for bad in (float("nan"), float("inf")):
        g = upstream.clone()
        g[1, 2] = bad
        q = q0.clone().requires_grad_()
        call(q).backward(g)
        assert q.grad is not None
        assert torch.isnan(q.grad[1]).all()
        torch.testing.assert_close(q.grad[[0, 2]], exact[[0, 2]], rtol=0, atol=0)


@pytest.mark.parametrize("front_end", sorted(FRONT_ENDS))
def test_double_backward_is_refused(lib: object, front_end: str) -> None:
    call = FRONT_ENDS[front_end]
    q0 = torch.tensor([0.5, -3.0, 0.2], dtype=F64)
    q = q0.clone().requires_grad_()
    (g1,) = torch.autograd.grad(call(q).pow(2).sum(), q)
    q = q0.clone().requires_grad_()
    # create_graph=True alone works and gives the same first-order gradient ...
    (g2,) = torch.autograd.grad(call(q).pow(2).sum(), q, create_graph=True)
    torch.testing.assert_close(g2, g1, rtol=0, atol=0)
    # ... differentiating it again is refused.
    with pytest.raises(RuntimeError, match="not twice differentiable"):
        g2.sum().backward()
    with pytest.raises(RuntimeError, match="not twice differentiable"):
        torch.autograd.gradgradcheck(call, (q0.clone().requires_grad_(),))


@pytest.mark.parametrize("bad", ["yes", 1, None])
def test_return_info_must_be_a_bool(lib: object, bad: object) -> None:
    """Found by the campaign: CvxpyLayer accepted any truthy return_info."""
    q = torch.zeros(N, dtype=F64)
    with pytest.raises(ValueError, match="return_info must be a bool"):
        _cvxpy_layer()(q, return_info=bad)
    with pytest.raises(ValueError, match="return_info must be a bool"):
        solve_qp(torch.eye(N, dtype=F64), q, return_info=bad)  # type: ignore[call-overload]
