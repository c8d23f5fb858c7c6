"""A user-style script that `mypy --strict` checks in `make typecheck` (and CI).

It uses the public API the way an application would, so a change that breaks the
package's types for its users (a missing py.typed, a return type that needs a
cast, an untyped signature) fails the type check. It also runs: prints a few
numbers from a small QP layer, its backward pass and the self-test.
"""

from __future__ import annotations

import torch
from torch import nn

import lpgd_go


class Allocation(nn.Module):
    """Linear scores projected onto the simplex {x ≥ 0, 1ᵀx = 1} by a QP layer."""

    def __init__(self, d: int, n: int) -> None:
        super().__init__()
        self.linear = nn.Linear(d, n, dtype=torch.float64)
        self.layer = lpgd_go.QPLayer(backward=lpgd_go.LPGD(tau=0.1, side="central"))
        self.register_buffer("P", torch.eye(n, dtype=torch.float64))
        self.register_buffer("G", -torch.eye(n, dtype=torch.float64))
        self.register_buffer("h", torch.zeros(n, dtype=torch.float64))
        self.register_buffer("A", torch.ones(1, n, dtype=torch.float64))
        self.register_buffer("b", torch.ones(1, dtype=torch.float64))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        scores = self.linear(features)
        x: torch.Tensor = self.layer(self.P, -scores, self.G, self.h, self.A, self.b)
        return x


def main() -> None:
    torch.manual_seed(0)
    n = 5
    P = torch.eye(n, dtype=torch.float64)
    q = torch.randn(8, n, dtype=torch.float64, requires_grad=True)
    G = -torch.eye(n, dtype=torch.float64)
    h = torch.zeros(n, dtype=torch.float64)
    A = torch.ones(1, n, dtype=torch.float64)
    b = torch.ones(1, dtype=torch.float64)

    x = lpgd_go.solve_qp(P, q, G, h, A, b)  # a Tensor (return_info defaults to False)
    # torch.autograd.backward rather than Tensor.backward: torch leaves the latter
    # unannotated, which `mypy --strict` reports as an untyped call.
    torch.autograd.backward(x.square().sum())
    assert q.grad is not None
    print(f"solve_qp: x {tuple(x.shape)}, |dL/dq| = {float(q.grad.norm()):.3f}")

    x2, info = lpgd_go.solve_qp(P, q, G, h, A, b, backward="bpqp", return_info=True)
    statuses = [lpgd_go.Status(int(s)) for s in info.status]
    print(f"with info: {len(statuses)} statuses, first {statuses[0].name}, x {tuple(x2.shape)}")

    settings = lpgd_go.SolverSettings(max_iter=50, tol_feas=1e-9)
    model = Allocation(d=3, n=n)
    out = model(torch.randn(4, 3, dtype=torch.float64))
    torch.autograd.backward(out.sum())
    print(f"layer: out {tuple(out.shape)}, settings max_iter={settings.max_iter}")

    lpgd_go.set_num_threads(1)
    threads: int = lpgd_go.get_num_threads()
    ok: bool = lpgd_go.show_config(self_test=True)
    print(f"threads {threads}, self-test ok: {ok}")


if __name__ == "__main__":
    main()
