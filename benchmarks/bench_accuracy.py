"""Worst-case gradient accuracy of QP layers at default settings (issue 11).

For each family (dense random QPs as in ``problems.dense_qp``, bounded random
LPs with unique vertex solutions as in ``problems.box_lp``, and a "hard"
family whose active constraints have small multipliers and whose inactive
ones have small slacks) and a random incoming gradient ``gx`` (L = gxᵀx),
every layer's gradients ∂L/∂q, ∂L/∂h, ∂L/∂b are compared with an independent
reference:

- x, λ, ν from Clarabel's Python API at tolerance 1e-12 (not lpgd_go);
- the active set S = {i : λ_i > h_i − G_i x}, certified by an exact numpy
  solve of the equality-constrained KKT system on S (the solution must be
  primal and dual feasible and strictly complementary by a margin of
  ``MARGIN``; uncertified instances are counted and left out);
- the gradient from a numpy solve of [P G_Sᵀ Aᵀ; G_S 0 0; A 0 0] (OptNet's
  formulas restricted to S): ∇q = dz, ∇h_S = −w, ∇h_{not S} = 0, ∇b = −dν.

The per-instance error is ‖g − g_ref‖∞ / ‖g_ref‖∞ over the concatenation
(∂q, ∂h, ∂b); the table reports the maximum and the median over the batch.
Layers: lpgd_go kkt and bpqp with default settings (polish on) and with
``polish=False`` (the behaviour before issue 11), qpth (QPs only: it needs
P ≻ 0), ProxSuite's QPLayer (``proxsuite.torch.qplayer.QPFunction`` with
l = −1e20) and cvxpylayers (QPs with n ≤ 50 only: it is slow).

It also times lpgd_go's forward pass with and without polish at n = 50
(median of repeats, no gradient) — the polish cost.

Run: ``python -m benchmarks.bench_accuracy [--quick]``; writes
``benchmarks/results/bench_accuracy.md`` (``results/quick/`` with --quick).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import clarabel
import numpy as np
import scipy.sparse as sp
import torch

import lpgd_go

from .bench_qp import QPTH_LU_HANG_DIM
from .problems import Problem, box_lp, dense_qp, subset

F64 = torch.float64
ROOT = Path(__file__).resolve().parents[1]

#: Strict-complementarity margin (relative) below which an instance is not
#: certified: its solution map may have a kink, no gradient to compare.
MARGIN = 1e-9
#: Feasibility tolerance of the certified active-set solution (relative).
FEAS = 1e-9

Layer = Callable[[dict[str, torch.Tensor]], torch.Tensor]


# ---------------------------------------------------------------------------
# Families
# ---------------------------------------------------------------------------


def hard_qp(rng: np.random.Generator, batch: int, n: int, m: int, p: int) -> Problem:
    """Strictly convex QPs with a known solution z*: about half the
    inequalities (at most n − p) active with multipliers log-uniform in
    [1e-6, 1e-3], the others inactive with slacks log-uniform in [1e-6, 1e-3];
    P = L Lᵀ / n + 0.1 I, G, A ~ N(0, 1), equality multipliers ~ N(0, 1).
    An interior point stopped at 1e-8 cannot tell these rows apart
    (s·λ ≈ μ)."""
    L = rng.standard_normal((batch, n, n))
    P = L @ L.transpose(0, 2, 1) / n + 0.1 * np.eye(n)
    G = rng.standard_normal((batch, m, n))
    A = rng.standard_normal((batch, p, n))
    z = rng.standard_normal((batch, n))
    k = min(m // 2, n - p)
    small = 10.0 ** rng.uniform(-6, -3, (batch, m))
    lam = np.where(np.arange(m) < k, small, 0.0)
    slack = np.where(np.arange(m) < k, 0.0, small)
    nu = rng.standard_normal((batch, p))
    h = np.einsum("bmn,bn->bm", G, z) + slack
    b = np.einsum("bpn,bn->bp", A, z)
    q = -(
        np.einsum("bij,bj->bi", P, z)
        + np.einsum("bmn,bm->bn", G, lam)
        + np.einsum("bpn,bp->bn", A, nu)
    )
    return {"P": P, "q": q, "G": G, "h": h, "A": A, "b": b}


@dataclass
class Family:
    name: str
    n: int
    m: int
    p: int
    make: Callable[[np.random.Generator, int, int, int, int], Problem]
    lp: bool = False


def families(quick: bool) -> list[Family]:
    fams = [
        Family("dense QP", 10, 10, 2, dense_qp),
        Family("dense QP", 50, 50, 10, dense_qp),
        Family("dense QP", 100, 120, 10, dense_qp),
        Family("dense QP", 200, 200, 40, dense_qp),
        Family("box LP", 20, 20, 4, box_lp, lp=True),
        Family("box LP", 50, 50, 10, box_lp, lp=True),
        Family("hard QP", 50, 50, 10, hard_qp),
    ]
    if quick:
        fams = [f for f in fams if f.n <= 50]
    return fams


# ---------------------------------------------------------------------------
# Reference
# ---------------------------------------------------------------------------


def clarabel_solve(
    P: np.ndarray | None, q: np.ndarray, G: np.ndarray, h: np.ndarray, A: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(x, λ, ν) from Clarabel at tolerance 1e-12, or None if not solved."""
    n = q.shape[0]
    p, m = A.shape[0], G.shape[0]
    Pm = sp.csc_matrix(np.triu(P) if P is not None else (n, n))
    Am = sp.csc_matrix(np.vstack([A, G]))
    st = clarabel.DefaultSettings()
    st.verbose = False
    st.tol_gap_abs = st.tol_gap_rel = st.tol_feas = 1e-12
    st.tol_ktratio = 1e-10
    st.max_iter = 400
    cones = [clarabel.ZeroConeT(p), clarabel.NonnegativeConeT(m)]
    sol = clarabel.DefaultSolver(Pm, q, Am, np.concatenate([b, h]), cones, st).solve()
    if str(sol.status) not in ("Solved", "AlmostSolved"):
        return None
    z = np.asarray(sol.z)
    return np.asarray(sol.x), z[p:], z[:p]


def reference_gradient(
    P: np.ndarray | None,
    q: np.ndarray,
    G: np.ndarray,
    h: np.ndarray,
    A: np.ndarray,
    b: np.ndarray,
    gx: np.ndarray,
) -> tuple[np.ndarray | None, str]:
    """The exact gradient (∂q, ∂h, ∂b) of gxᵀx on the certified active set, or
    (None, reason)."""
    ref = clarabel_solve(P, q, G, h, A, b)
    if ref is None:
        return None, "clarabel failed"
    x, lam, _ = ref
    n, m, p = q.shape[0], G.shape[0], A.shape[0]
    act = lam > h - G @ x
    Pd = np.zeros((n, n)) if P is None else P
    S = np.flatnonzero(act)
    k = S.size
    K = np.zeros((n + k + p, n + k + p))
    K[:n, :n] = Pd
    K[n : n + k, :n] = G[S]
    K[:n, n : n + k] = G[S].T
    K[n + k :, :n] = A
    K[:n, n + k :] = A.T
    rhs = np.concatenate([-q, h[S], b])
    try:
        sol = np.linalg.solve(K, rhs)
    except np.linalg.LinAlgError:
        return None, "singular active set"
    xs, lamS = sol[:n], sol[n : n + k]
    slack = h - G @ xs
    scale = max(1.0, float(np.abs(h).max(initial=0.0)), float(np.abs(b).max(initial=0.0)))
    lscale = max(1.0, float(np.abs(lamS).max(initial=0.0)))
    inact = np.flatnonzero(~act)
    if (lamS < -FEAS * lscale).any() or (slack[inact] < -FEAS * scale).any():
        return None, "active set not certified"
    if (lamS < MARGIN * lscale).any() or (slack[inact] < MARGIN * scale).any():
        return None, "not strictly complementary"
    d = np.linalg.solve(K, np.concatenate([-gx, np.zeros(k + p)]))
    gq = d[:n]
    gh = np.zeros(m)
    gh[S] = -d[n : n + k]
    gb = -d[n + k :]
    return np.concatenate([gq, gh, gb]), "ok"


# ---------------------------------------------------------------------------
# Layers
# ---------------------------------------------------------------------------


def lpgd_layer(backward: str, polish: bool) -> Layer:
    def f(d: dict[str, torch.Tensor]) -> torch.Tensor:
        return lpgd_go.solve_qp(
            d.get("P"),
            d["q"],
            d["G"],
            d["h"],
            d["A"],
            d["b"],
            backward=backward,
            settings={"polish": polish},
        )

    return f


def qpth_layer(d: dict[str, torch.Tensor]) -> torch.Tensor:
    from qpth.qp import QPFunction

    return QPFunction(verbose=-1)(d["P"], d["q"], d["G"], d["h"], d["A"], d["b"])


def proxsuite_layer(d: dict[str, torch.Tensor]) -> torch.Tensor:
    from proxsuite.torch.qplayer import QPFunction

    B, n = d["q"].shape
    P = d.get("P")
    if P is None:
        P = torch.zeros((B, n, n), dtype=F64)
    lo = torch.full_like(d["h"], -1e20)
    return QPFunction()(P, d["q"], d["A"], d["b"], d["G"], lo, d["h"])[0]


def cvxpy_layer_factory(fam: Family) -> Layer:
    import cvxpy as cp
    from cvxpylayers.torch import CvxpyLayer

    n, m, p = fam.n, fam.m, fam.p
    x = cp.Variable(n)
    Ph = cp.Parameter((n, n))
    q = cp.Parameter(n)
    G = cp.Parameter((m, n))
    h = cp.Parameter(m)
    A = cp.Parameter((p, n))
    b = cp.Parameter(p)
    prob = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(Ph @ x) + q @ x), [G @ x <= h, A @ x == b])
    layer = CvxpyLayer(prob, parameters=[Ph, q, G, h, A, b], variables=[x])

    def f(d: dict[str, torch.Tensor]) -> torch.Tensor:
        Ph_t = torch.linalg.cholesky(d["P"]).transpose(-1, -2)
        (xs,) = layer(
            Ph_t,
            d["q"],
            d["G"],
            d["h"],
            d["A"],
            d["b"],
            solver_args={"eps": 1e-10, "max_iters": 100000},
        )
        return xs

    return f


def layer_gradients(layer: Layer, prob: Problem, gx: np.ndarray) -> np.ndarray | None:
    """(B, n + m + p) gradients of Σ gxᵀx w.r.t. (q, h, b), or None on failure."""
    d = {
        k: torch.tensor(np.ascontiguousarray(v), dtype=F64, requires_grad=k in ("q", "h", "b"))
        for k, v in prob.items()
        if v is not None
    }
    try:
        x = layer(d)
        (x * torch.as_tensor(gx)).sum().backward()
    except Exception as e:  # a peer failing is a table entry
        print(f"    failed: {type(e).__name__}: {str(e)[:120]}", file=sys.stderr)
        return None
    parts = [d[k].grad for k in ("q", "h", "b")]
    if any(g is None for g in parts):
        return None
    return torch.cat([g for g in parts if g is not None], dim=1).numpy()


# ---------------------------------------------------------------------------
# Run
# ---------------------------------------------------------------------------


def errors(g: np.ndarray | None, ref: np.ndarray, keep: np.ndarray) -> tuple[float, float]:
    if g is None:
        return math.nan, math.nan
    e = np.abs(g[keep] - ref[keep]).max(axis=1) / np.maximum(np.abs(ref[keep]).max(axis=1), 1e-300)
    e = np.where(np.isfinite(e), e, np.inf)
    return float(e.max()), float(np.median(e))


def polish_cost(rng: np.random.Generator, batch: int, repeats: int) -> tuple[float, float, float]:
    """Fastest process CPU time (s) of a forward batch with and without polish
    at n = 50 over interleaved repeats (one Go thread; CPU time and the
    minimum rather than wall time and the median because the machine is
    shared), and the fraction of samples polished."""
    prob = dense_qp(rng, batch, 50, 50, 10)
    d = {k: torch.tensor(v, dtype=F64) for k, v in prob.items()}
    times: dict[bool, list[float]] = {True: [], False: []}
    polished = math.nan
    lpgd_go.set_num_threads(1)
    for r in range(repeats + 1):
        for pol in (True, False):
            t0 = time.process_time()
            with torch.no_grad():
                _, info = lpgd_go.solve_qp(
                    d["P"], d["q"], d["G"], d["h"], d["A"], d["b"],
                    settings={"polish": pol}, return_info=True,
                )  # fmt: skip
            dt = time.process_time() - t0
            if r > 0:
                times[pol].append(dt)
            if pol:
                polished = float(info.polished.double().mean())
    return min(times[True]), min(times[False]), polished


def fmt(v: float) -> str:
    if math.isnan(v):
        return "—"
    if v == 0:
        return "0"
    return f"{v:.1e}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small batch, n ≤ 50")
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    batch = 16 if args.quick else 64
    threads = int(os.environ.get("LPGD_BENCH_THREADS", "2"))
    torch.set_num_threads(threads)
    lpgd_go.set_num_threads(threads)
    rng = np.random.default_rng(args.seed)

    cols = [
        "lpgd_go kkt",
        "lpgd_go bpqp",
        "kkt, polish off",
        "bpqp, polish off",
        "ProxSuite QPLayer",
        "qpth",
        "cvxpylayers",
    ]
    rows: list[list[str]] = []
    for fam in families(args.quick):
        print(f"{fam.name} n={fam.n} m={fam.m} p={fam.p} batch={batch}", file=sys.stderr)
        prob = fam.make(rng, batch, fam.n, fam.m, fam.p)
        gx = rng.standard_normal((batch, fam.n))
        refs, keep_l, reasons = [], [], {}
        for i in range(batch):
            one = subset(prob, i)
            r, why = reference_gradient(
                one["P"], one["q"], one["G"], one["h"], one["A"], one["b"], gx[i]
            )
            keep_l.append(r is not None)
            refs.append(r if r is not None else np.zeros(fam.n + fam.m + fam.p))
            if r is None:
                reasons[why] = reasons.get(why, 0) + 1
        ref = np.stack(refs)
        keep = np.array(keep_l)
        layers: dict[str, Layer | None] = {
            "lpgd_go kkt": lpgd_layer("kkt", True),
            "lpgd_go bpqp": lpgd_layer("bpqp", True),
            "kkt, polish off": lpgd_layer("kkt", False),
            "bpqp, polish off": lpgd_layer("bpqp", False),
            "ProxSuite QPLayer": proxsuite_layer,
            "qpth": None if fam.lp else qpth_layer,
            "cvxpylayers": cvxpy_layer_factory(fam) if not fam.lp and fam.n <= 50 else None,
        }
        cells = []
        for name in cols:
            layer = layers[name]
            if layer is None:
                cells.append("n/a")
                continue
            print(f"  {name}", file=sys.stderr)
            # qpth's batched LU hangs in MKL with 2 threads from ~160 rows
            # (bench_qp.QPTH_LU_HANG_DIM): one torch thread then.
            one = name == "qpth" and fam.m + fam.p >= QPTH_LU_HANG_DIM
            torch.set_num_threads(1 if one else threads)
            mx, med = errors(layer_gradients(layer, prob, gx), ref, keep)
            torch.set_num_threads(threads)
            cells.append(f"{fmt(mx)} / {fmt(med)}")
        left = ", ".join(f"{v} {k}" for k, v in reasons.items()) or "none"
        rows.append(
            [f"{fam.name} n={fam.n} (m={fam.m}, p={fam.p})", f"{int(keep.sum())}/{batch}", *cells]
        )
        print(f"  left out: {left}", file=sys.stderr)
        rows[-1].append(left)

    t_on, t_off, frac = polish_cost(
        np.random.default_rng(args.seed + 1), batch, 3 if args.quick else 7
    )

    out = ROOT / "benchmarks" / "results" / ("quick" if args.quick else "")
    out.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Gradient accuracy at default settings (bench_accuracy.py)",
        "",
        f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, seed {args.seed}, batch {batch}, "
        f"{threads} threads; lpgd_go {lpgd_go.__version__}. Each cell: **max / median** over the "
        "certified instances of ‖g − g_ref‖∞ / ‖g_ref‖∞ for g = (∂q, ∂h, ∂b) of L = gxᵀx. "
        "Reference: Clarabel (Python API) at 1e-12, active set certified by an exact numpy "
        f"KKT solve (feasible to {FEAS:g}, strictly complementary by {MARGIN:g}), gradient "
        "from a numpy solve on that active set. `polish off` = `SolverSettings(polish=False)`, "
        "the behaviour before issue 11.",
        "",
        "| family | certified | " + " | ".join(cols) + " | left out |",
        "|" + "---|" * (len(cols) + 3),
    ]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    lines += [
        "",
        f"**Polish cost** (dense QP n = 50, m = 50, p = 10, batch {batch}, forward only, "
        "one Go thread, fastest process CPU time of 15 interleaved repeats; "
        f"load average {os.getloadavg()[0]:.1f}): "
        f"{t_on * 1e3:.1f} ms with polish, {t_off * 1e3:.1f} ms without "
        f"(+{(t_on / t_off - 1) * 100:.1f} %); {frac * 100:.0f} % of the samples polished.",
        "",
    ]
    (out / "bench_accuracy.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
