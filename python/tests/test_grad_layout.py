"""The backward's block-major gradient layout (lpgd_gradients.block_major):
each row block of [A; G] and [b; h] of a batch is its own contiguous region,
handed out as views; failed samples are zeroed in every block."""

from __future__ import annotations

import pytest
import torch

from lpgd_go import LPGD, SolverError, _conic, solve_qp

F64 = torch.float64


def _ray_lp(g1: list[float]) -> tuple[list[torch.Tensor], torch.Tensor]:
    """min −x₁ s.t. x₂ = 0 (A), x₁ ≤ 1, x₁ + x₂ ≤ 2 (G): x* = (1, 0), one per
    sample, and the incoming gradient (g1_k, 0.5) of x. LPGD's right side
    perturbs the cost to (−1 + g1_k, 0.5): unbounded below (its backward
    fails) where g1_k > 1."""
    B = len(g1)
    q = torch.tensor([-1.0, 0.0], dtype=F64).repeat(B, 1)
    G = torch.tensor([[1.0, 0.0], [1.0, 1.0]], dtype=F64).repeat(B, 1, 1)
    h = torch.tensor([1.0, 2.0], dtype=F64).repeat(B, 1)
    A = torch.tensor([[0.0, 1.0]], dtype=F64).repeat(B, 1, 1)
    b = torch.zeros(B, 1, dtype=F64)
    w = torch.tensor([[v, 0.5] for v in g1], dtype=F64)
    return [q, G, h, A, b], w


def _grads(args: list[torch.Tensor], w: torch.Tensor) -> list[torch.Tensor]:
    leaves = [a.clone().requires_grad_(True) for a in args]
    x = solve_qp(None, *leaves, backward=LPGD(tau=1.0, side="right"), on_failure="nan")
    (x * w).sum().backward()
    out = [t.grad for t in leaves]
    assert all(g is not None for g in out)
    return out  # type: ignore[return-value]


def test_block_major_failed_sample_zero_in_every_block(
    lib: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch of three whose sample 1's LPGD backward fails, on the call
    path (x's gradient only, every forward solved: the block-major layout):
    sample 1's gradients are zero in both row blocks (A and G, b and h) and
    the others' are those of the sample alone (a batch of one)."""
    args, w = _ray_lp([0.5, 2.0, 0.25])
    x = solve_qp(
        None, *[a.clone().requires_grad_(True) for a in args], backward=LPGD(tau=1.0, side="right")
    )
    with pytest.raises(SolverError, match=r"\[1\]"):
        (x * w).sum().backward()
    _grads(args, w)  # the plan cached: the next call takes the call path
    majors: list[bool] = []
    real = _conic.Run._backward_solved

    def spy(self: _conic.Run, gx: torch.Tensor, need: tuple[bool, ...]) -> object:
        out = real(self, gx, need)
        assert self.grad_specs is not None
        majors.append(bool(self.grad_specs[need].wanted & 32))
        return out

    monkeypatch.setattr(_conic.Run, "_backward_solved", spy)
    got = _grads(args, w)
    assert majors == [True]
    monkeypatch.undo()
    for k in (0, 2):
        one = _grads([a[k : k + 1] for a in args], w[k : k + 1])
        for g, ref in zip(got, one, strict=True):
            assert g.is_contiguous()
            torch.testing.assert_close(g[k : k + 1], ref, rtol=0, atol=0)
    for g in got:
        assert (g[1] == 0).all()
    # Not all zero: sample 0 and 2 have gradients in both blocks.
    assert got[1][0].abs().sum() > 0 and got[3][0].abs().sum() > 0
