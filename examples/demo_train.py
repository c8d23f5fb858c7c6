"""lpgd_go demo: train a network end to end through a constrained QP layer.

Task. Each sample has features φ ∈ R^d and a target allocation y ∈ R^n that is
feasible for a budget-and-caps polytope C = {x : 1ᵀx = 1, 0 ≤ x ≤ cap}: the
targets are the (unknown) projections of W* φ onto C (about half of the
target entries sit at 0 and a third at the cap). A model must output
feasible allocations, so it predicts a vector r = f(φ) with a small network
and a QPLayer projects it onto C:

    x(φ) = argmin_x ½‖x‖² − r(φ)ᵀx   s.t.  1ᵀx = 1,  0 ≤ x ≤ cap.

The loss is ‖x(φ) − y‖², differentiated through the QP (backward="kkt", the Go
implicit-differentiation pass). For comparison the same network is trained
with a softmax head (feasible for the budget, but cannot respect the caps
exactly) and with the QP layer using the LPGD backward pass.

Prints progress and final metrics, saves a plot of the losses and of the largest
constraint violation on the test set per epoch to examples/output/demo_loss.png.
Runs in well under a minute on 2 cores.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
from torch import nn

import lpgd_go

OUT = Path(__file__).resolve().parent / "output"


def make_data(
    w_true: torch.Tensor, n_samples: int, cap: float, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Features and feasible targets y = Proj_C(W* φ), computed with the layer itself
    at a tight tolerance (no gradient needed)."""
    g = torch.Generator().manual_seed(seed)
    phi = torch.randn(n_samples, w_true.shape[1], generator=g, dtype=torch.float64)
    tight = lpgd_go.SolverSettings(tol_feas=1e-10, tol_gap_abs=1e-10, tol_gap_rel=1e-10)
    with torch.no_grad():
        y = project(phi @ w_true.T, cap, tight)
    return phi, y


def constraints(n: int, cap: float) -> tuple[torch.Tensor, ...]:
    eye = torch.eye(n, dtype=torch.float64)
    G = torch.cat([eye, -eye])  # x ≤ cap, −x ≤ 0
    h = torch.cat([torch.full((n,), cap, dtype=torch.float64), torch.zeros(n, dtype=torch.float64)])
    A = torch.ones(1, n, dtype=torch.float64)
    b = torch.ones(1, dtype=torch.float64)
    return eye, G, h, A, b


def project(
    r: torch.Tensor,
    cap: float,
    settings: lpgd_go.SolverSettings | None = None,
    backward: object = "kkt",
) -> torch.Tensor:
    n = r.shape[-1]
    P, G, h, A, b = constraints(n, cap)
    return lpgd_go.solve_qp(P, -r, G, h, A, b, settings=settings, backward=backward)


class QPModel(nn.Module):
    """MLP → QPLayer projection onto C."""

    def __init__(self, d: int, n: int, cap: float, backward: object) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d, 64), nn.Tanh(), nn.Linear(64, n)).double()
        self.cap = cap
        self.layer = lpgd_go.QPLayer(backward=backward)
        P, G, h, A, b = constraints(n, cap)
        self.register_buffer("P", P)
        self.register_buffer("G", G)
        self.register_buffer("h", h)
        self.register_buffer("A", A)
        self.register_buffer("b", b)

    def forward(self, phi: torch.Tensor) -> torch.Tensor:
        r = self.net(phi)
        return self.layer(self.P, -r, self.G, self.h, self.A, self.b)


class SoftmaxModel(nn.Module):
    """Baseline: MLP → softmax (budget-feasible, ignores the caps)."""

    def __init__(self, d: int, n: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d, 64), nn.Tanh(), nn.Linear(64, n)).double()

    def forward(self, phi: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.net(phi), dim=-1)


def train(
    model: nn.Module,
    data: tuple[torch.Tensor, ...],
    epochs: int,
    batch: int,
    lr: float,
    name: str,
    cap: float,
) -> dict[str, list[float]]:
    phi_tr, y_tr, phi_te, y_te = data
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    g = torch.Generator().manual_seed(0)
    hist: dict[str, list[float]] = {"train": [], "test": [], "violation": [], "time": []}
    t0 = time.perf_counter()
    for ep in range(epochs):
        perm = torch.randperm(len(phi_tr), generator=g)
        tot = 0.0
        for i in range(0, len(phi_tr), batch):
            idx = perm[i : i + batch]
            opt.zero_grad()
            loss = ((model(phi_tr[idx]) - y_tr[idx]) ** 2).sum(-1).mean()
            loss.backward()
            opt.step()
            tot += loss.item() * len(idx)
        sched.step()
        with torch.no_grad():
            x_te = model(phi_te)
            test = ((x_te - y_te) ** 2).sum(-1).mean().item()
        hist["train"].append(tot / len(phi_tr))
        hist["test"].append(test)
        hist["violation"].append(violation(x_te, cap))
        hist["time"].append(time.perf_counter() - t0)
        if ep % 5 == 0 or ep == epochs - 1:
            print(
                f"  [{name:>14}] epoch {ep:3d}  train mse {hist['train'][-1]:.5f}"
                f"  test mse {test:.5f}  max violation {hist['violation'][-1]:.1e}"
                f"  ({hist['time'][-1]:.1f}s)"
            )
    return hist


def violation(x: torch.Tensor, cap: float) -> float:
    """Largest violation of 1ᵀx = 1, 0 ≤ x ≤ cap over the batch."""
    budget = (x.sum(-1) - 1).abs().max()
    box = torch.clamp(x - cap, min=0).max().maximum(torch.clamp(-x, min=0).max())
    return float(budget.maximum(box))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--quick", action="store_true", help="few epochs (smoke test)")
    args = ap.parse_args()
    epochs = 3 if args.quick else args.epochs
    torch.manual_seed(0)
    d, n, cap = 8, 10, 0.25
    w_true = 0.3 * torch.randn(
        n, d, generator=torch.Generator().manual_seed(0), dtype=torch.float64
    )
    phi_tr, y_tr = make_data(w_true, 1024, cap, seed=1)
    phi_te, y_te = make_data(w_true, 256, cap, seed=2)
    data = (phi_tr, y_tr, phi_te, y_te)
    lpgd_go.set_num_threads(2)
    print(
        f"lpgd_go {lpgd_go.__version__}: {len(phi_tr)} training samples, QP with n={n} variables, "
        f"1 equality, {2 * n} inequalities, batch 64"
    )

    runs: dict[str, dict[str, list[float]]] = {}
    models: dict[str, nn.Module] = {}
    for name, model in [
        ("QP layer (kkt)", QPModel(d, n, cap, "kkt")),
        ("QP layer (LPGD)", QPModel(d, n, cap, lpgd_go.LPGD(tau=1e-2, side="central"))),
        ("softmax", SoftmaxModel(d, n)),
    ]:
        torch.manual_seed(0)
        print(f"training {name}")
        runs[name] = train(model, data, epochs, 64, 1e-2, name, cap)
        models[name] = model

    print("\nfinal results (test set)")
    print(f"  {'model':<16} {'test mse':>10} {'max constraint violation':>26} {'train time':>11}")
    with torch.no_grad():
        for name, model in models.items():
            x = model(phi_te)
            print(
                f"  {name:<16} {runs[name]['test'][-1]:>10.5f} {violation(x, cap):>26.2e} "
                f"{runs[name]['time'][-1]:>10.1f}s"
            )

    OUT.mkdir(parents=True, exist_ok=True)
    fig, (ax, ax_v) = plt.subplots(1, 2, figsize=(11, 4))
    epochs_axis = range(1, epochs + 1)
    for (name, h), color in zip(runs.items(), ["C0", "C2", "C3"], strict=False):
        ax.plot(epochs_axis, h["test"], color=color, label=f"{name} (test)")
        ax.plot(epochs_axis, h["train"], "--", color=color, alpha=0.5, label=f"{name} (train)")
        # A violation of exactly 0 cannot be drawn on a log axis: clip at 1e-16.
        ax_v.plot(epochs_axis, [max(v, 1e-16) for v in h["violation"]], color=color, label=name)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean squared error")
    ax.set_title("Learning feasible allocations through a QP layer")
    ax.legend(fontsize=8)
    ax_v.set_yscale("log")
    ax_v.set_xlabel("epoch")
    ax_v.set_ylabel("max constraint violation (test set)")
    ax_v.set_title("Feasibility: |1ᵀx − 1|, (x − cap)₊, (−x)₊")
    ax_v.legend(fontsize=8)
    fig.tight_layout()
    path = OUT / "demo_loss.png"
    fig.savefig(path, dpi=120)
    print(f"\nloss plot saved to {path}")


if __name__ == "__main__":
    main()
