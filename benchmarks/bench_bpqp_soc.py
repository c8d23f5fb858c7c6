"""Issue 12: BPQP on second-order cones against kkt, at a batch size where the
timing means something, with both checked against finite differences.

    python -m benchmarks.bench_bpqp_soc [--repeats N] [--batch B]

Problems: B random SOCPs min ½xᵀPx + cᵀx s.t. Ax + s = b, s ∈ K, with
n = 40, K = 20 nonnegative rows and 10 second-order cones of dimension 6,
P = LLᵀ/n + I/2 shared, A, c per sample, b with each cone's first entry 0.6
(x = 0 strictly feasible); most cones end active. Loss x.sum() + y.sum(),
gradients for c, b and A.

Reports, at default tolerances and at 1e-12: the backward's median wall time
over ``--repeats`` interleaved kkt / bpqp calls (torch at its default
threads, no tuning variables); the largest per-sample relative difference
between the two methods' gradients; and, at 1e-12, each method's largest and
median per-sample relative error in ∂ℓ/∂c against central finite differences
of tight re-solves (step 1e-6; the finite differences' own noise is ~1e-6 of
the gradient's scale). Prints a table; writes nothing.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from lpgd_go import Cones, solve_cone

F64 = torch.float64
TIGHT = {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12}
SOCS = [6] * 10
NONNEG = 20
N = 40


def problem(batch: int, seed: int = 0) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    m = NONNEG + sum(SOCS)
    L = torch.randn(N, N, generator=g, dtype=F64)
    P = L @ L.T / N + 0.5 * torch.eye(N, dtype=F64)
    A = torch.randn(batch, m, N, generator=g, dtype=F64)
    b = torch.rand(batch, m, generator=g, dtype=F64) * 0.5
    off = NONNEG
    for k in SOCS:
        b[:, off] = 0.6
        off += k
    c = torch.randn(batch, N, generator=g, dtype=F64) * 3
    return {"P": P, "c": c, "A": A, "b": b}


CONES = Cones(nonneg=NONNEG, soc=SOCS)


def backward(
    d: dict[str, torch.Tensor], method: str, settings: dict[str, float] | None
) -> tuple[float, torch.Tensor, torch.Tensor]:
    """(backward seconds, the flattened gradients of c, b, A, ∂ℓ/∂c)."""
    c, A, b = (d[k].clone().requires_grad_() for k in ("c", "A", "b"))
    x, y, _ = solve_cone(d["P"], c, A, b, CONES, backward=method, settings=settings)
    loss = x.sum() + y.sum()
    t0 = time.perf_counter()
    loss.backward()
    t = time.perf_counter() - t0
    assert c.grad is not None and b.grad is not None and A.grad is not None
    flat = torch.cat([c.grad.flatten(1), b.grad.flatten(1), A.grad.flatten(1)], dim=1)
    return t, flat, c.grad


def finite_differences(d: dict[str, torch.Tensor], h: float = 1e-6) -> torch.Tensor:
    def loss(c: torch.Tensor) -> torch.Tensor:
        x, y, _ = solve_cone(d["P"], c, d["A"], d["b"], CONES, settings=TIGHT)
        return x.sum(-1) + y.sum(-1)

    c = d["c"]
    fd = torch.zeros_like(c)
    for j in range(c.shape[1]):
        e = torch.zeros(c.shape[1], dtype=F64)
        e[j] = h
        fd[:, j] = (loss(c + e) - loss(c - e)) / (2 * h)
    return fd


def rel(a: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """Per-sample max |a − ref| / max |ref|."""
    return (a - ref).abs().amax(-1) / ref.abs().amax(-1)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--batch", type=int, default=64)
    args = ap.parse_args(argv)
    d = problem(args.batch)
    with torch.no_grad():
        y = solve_cone(d["P"], d["c"], d["A"], d["b"], CONES)[1]
    starts = np.cumsum([NONNEG, *SOCS[:-1]])
    active = int(sum(int((y[:, i] > 1e-6).sum()) for i in starts))
    print(
        f"{args.batch} SOCPs, n = {N}, {len(SOCS)} SOC({SOCS[0]}) + {NONNEG} nonneg rows; "
        f"{active} of {args.batch * len(SOCS)} cones active"
    )
    print("| tolerances | kkt bwd ms | bpqp bwd ms | max per-sample rel diff bpqp vs kkt |")
    print("|---|---|---|---|")
    grads_c: dict[str, torch.Tensor] = {}
    for name, settings in (("default", None), ("1e-12", TIGHT)):
        times: dict[str, list[float]] = {"kkt": [], "bpqp": []}
        flat: dict[str, torch.Tensor] = {}
        for _ in range(args.repeats):
            for method in ("kkt", "bpqp"):
                t, flat[method], gc = backward(d, method, settings)
                times[method].append(t)
                if settings is TIGHT:
                    grads_c[method] = gc
        diff = float(rel(flat["bpqp"], flat["kkt"]).max())
        print(
            f"| {name} | {np.median(times['kkt']) * 1e3:.2f} | "
            f"{np.median(times['bpqp']) * 1e3:.2f} | {diff:.1e} |"
        )
    fd = finite_differences(d)
    print(
        "\n| method (1e-12) | ∂ℓ/∂c vs finite differences: max | median "
        "| on kkt-vs-bpqp's worst sample |"
    )
    print("|---|---|---|---|")
    worst = int(rel(grads_c["bpqp"], grads_c["kkt"]).argmax())
    for method, gc in grads_c.items():
        e = rel(gc, fd)
        print(
            f"| {method} | {float(e.max()):.1e} | {float(e.median()):.1e} | {float(e[worst]):.1e} |"
        )


if __name__ == "__main__":
    main()
