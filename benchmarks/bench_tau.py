"""Issue 12, item 3: LPGD's adaptive τ against a τ sweep.

Two training experiments of the LPGD paper, each trained with LPGD at every
fixed τ of a log grid and with ``LPGD(tau="auto")`` (no sweep), from the same
initialization with the same optimizer, batches and epochs; the metric is the
final one on held-out data:

* **Sudoku** (examples/sudoku_lpgd.ipynb, reduced): learn the rules of 4×4
  Sudoku as the equality constraints ``A x = b`` of the LP
  ``min −pᵀx s.t. A x = A σ(θ), 0 ≤ x ≤ 1`` (right-sided LPGD, Adam lr 0.1,
  batches of 20). Metric: test accuracy (boards solved exactly).
* **Markowitz** (examples/markowitz_lpgd.ipynb, reduced): tune a Markowitz
  trading policy (a QP: risk aversion, return shrinkage, trading-cost weights,
  a rank-2 risk factor) on the backtest utility of 20 S&P 500 stocks (central
  LPGD, Adam lr 0.05, full-batch steps over half-year segments). Metric:
  out-of-sample utility (annualised mean − 2·variance of weekly net returns).

The target (issue 12): ``auto`` within 5 % of the best fixed τ's metric.
Each seed also runs ``LPGD(tau="auto", rho="auto")`` (the adaptive proximal
weight; column "auto + ρ auto"). The Markowitz metric is noisy from seed to
seed (the seed draws the risk factor's initialization; twenty Adam steps
amplify small gradient differences), so the table's mean row gives each
mean with its standard error over the seeds and the gap to the best fixed τ
with the standard error of the paired per-seed differences; Markowitz runs
10 seeds by default, Sudoku 3.

One command regenerates results/tau_sweep.md/csv and the figures
tau_sweep_sudoku.png, tau_sweep_markowitz.png:
``python -m benchmarks.bench_tau`` (``--quick``: a smoke test into
results/quick/; ``--only sudoku|markowitz``; ``--seeds N``; ``--autos auto``
leaves out the ρ-auto run).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch

import lpgd_go

from . import common
from .common import Column, Table, log, pyplot, save_figure

F64 = torch.float64

#: The sizes of both experiments, by quick mode.
SUDOKU_CFG: dict[bool, dict[str, Any]] = {
    False: {"n_train": 400, "n_test": 200, "epochs": 6, "taus": [0.1, 0.3, 1.0, 3.0, 10.0]},
    True: {"n_train": 40, "n_test": 40, "epochs": 1, "taus": [1.0]},
}
MARKOWITZ_CFG: dict[bool, dict[str, Any]] = {
    False: {
        "train": ("2009-01-01", "2015-01-01"),
        "test": ("2015-01-01", "2023-01-01"),
        "epochs": 20,
        "taus": [1e-4, 1e-3, 1e-2, 1e-1, 1.0],
    },
    True: {
        "train": ("2013-01-01", "2015-01-01"),
        "test": ("2015-01-01", "2016-01-01"),
        "epochs": 1,
        "taus": [1e-2],
    },
}


#: Seeds per experiment when --seeds is not given: Markowitz's per-seed spread
#: (standard deviation ≈ 0.015–0.03 in utility at a fixed τ) needs ~10 for a
#: standard error of the mean below 0.01.
SEEDS = {"sudoku": 3, "markowitz": 10}

#: The runs without a sweep: tau="auto", and tau="auto" with rho="auto".
AUTOS = ("auto", "auto+rho")


@dataclass
class Run:
    """One training run and its final held-out metric."""

    experiment: str
    seed: int
    tau: str  # a number, "auto" or "auto+rho"
    metric: float
    seconds: float
    taus_picked: list[float]
    #: The training objective at the end (Markowitz: in-sample utility of the
    #: training segments; NaN for Sudoku and for runs saved before it existed).
    train_metric: float = math.nan


# ---------------------------------------------------------------------------
# The rule of tau="auto", replicated to report the τ it picks
# ---------------------------------------------------------------------------


def auto_tau(c: torch.Tensor, rhs: torch.Tensor, gx: torch.Tensor, kappa: float) -> list[float]:
    """τ of ``LPGD(tau="auto", tau_target=kappa)`` per sample of an LP when the
    loss uses only the primal solution (gy = 0): the Go rule (diff.AutoTau)
    with its cost term only, κ·s_c/‖gx‖∞, where s_c = ‖c‖∞, or ‖rhs‖∞ when
    c = 0, or 1. (On a QP the rule goes on: see ``qp_auto_tau``.)"""
    cs = c.abs().amax(1)
    scale = torch.where(cs > 0, cs, rhs.abs().amax(1))
    scale = torch.where(scale > 0, scale, torch.ones_like(scale))
    g = gx.abs().amax(1)
    tau = torch.where(g > 0, kappa * scale / g, torch.full_like(g, math.inf))
    return tau.clamp(1e-12, 1e12).tolist()


def qp_auto_tau(
    bw: lpgd_go.LPGD,
    P: torch.Tensor,
    q: torch.Tensor,
    A: torch.Tensor,
    b: torch.Tensor,
    n_eq: int,
    gx: torch.Tensor,
) -> list[float]:
    """τ that ``bw`` (tau="auto") uses per sample of the batched QP
    min ½xᵀPx + qᵀx s.t. the first n_eq rows of A x (=, ≤) b (shared A), for
    the incoming gradient gx: on a QP the rule measures the perturbed
    solutions' movement (diff.AutoTauCurvature, the rescale), so it is read
    from the library's per-sample backward statistics (a second solve and
    backward of the same batch, for the report only)."""
    from lpgd_go import _core, _lib

    B, n = q.shape
    st = _core.Structure(n, n_eq, A.shape[0] - n_eq, has_p=True)
    set_c = lpgd_go.SolverSettings().to_c()
    ops = [
        _core.Operand(P.contiguous(), n * n),
        _core.Operand(q.contiguous(), n),
        _core.Operand(A.contiguous(), 0),
        _core.Operand(b.contiguous(), b.shape[1]),
    ]
    sol = _core.solve(st, set_c, B, *ops)
    out = _core.backward(
        st,
        set_c,
        bw.to_c(),
        B,
        *ops,
        sol.x,
        sol.y,
        sol.s,
        sol.status,
        gx.contiguous(),
        None,
        None,
        need_P=False,
        need_c=True,
        need_A=False,
        need_b=False,
        want_stats=True,
    )
    assert out.stats is not None
    return [float(t) for t in out.stats[:, _lib.BSTAT_TAU]]


def _backward(tau: float | str, side: str, kappa: float | None) -> lpgd_go.LPGD:
    if tau in AUTOS:
        kw: dict[str, Any] = {"tau_target": kappa} if kappa else {}
        if tau == "auto+rho":
            kw["rho"] = "auto"
        return lpgd_go.LPGD(tau="auto", side=side, **kw)
    return lpgd_go.LPGD(tau=float(tau), side=side)


# ---------------------------------------------------------------------------
# Sudoku
# ---------------------------------------------------------------------------

_BASES = np.array(
    [
        [[0, 1, 2, 3], [2, 3, 0, 1], [1, 0, 3, 2], [3, 2, 1, 0]],
        [[0, 1, 2, 3], [2, 3, 0, 1], [1, 2, 3, 0], [3, 0, 1, 2]],
    ]
)


def _all_grids() -> np.ndarray:
    """The 288 valid 4×4 grids (relabellings and permutations of two bases)."""
    perms2 = list(itertools.permutations(range(2)))
    grids = set()
    for base in _BASES:
        for digits in itertools.permutations(range(4)):
            for bands, r0, r1, stacks, c0, c1 in itertools.product(perms2, repeat=6):
                rows = [2 * bands[k] + (r0, r1)[k][i] for k in range(2) for i in range(2)]
                cols = [2 * stacks[k] + (c0, c1)[k][i] for k in range(2) for i in range(2)]
                g = np.asarray(digits)[base][np.ix_(rows, cols)]
                grids.add(g.tobytes())
                grids.add(np.ascontiguousarray(g.T).tobytes())
    out = np.array([np.frombuffer(g, dtype=_BASES.dtype) for g in sorted(grids)])
    assert len(out) == 288, len(out)
    return out


def _sudoku_data(
    n: int, rng: np.random.Generator, flat: np.ndarray, seen: set[bytes]
) -> tuple[np.ndarray, torch.Tensor, torch.Tensor]:
    """n minimal unique puzzles not in seen: solutions, one-hot solutions, puzzles."""
    sols, givens = [], []
    while len(sols) < n:
        sol = flat[rng.integers(len(flat))]
        given = np.ones(16, dtype=bool)
        for cell in rng.permutation(16):
            given[cell] = False
            if (flat[:, given] == sol[given]).all(axis=1).sum() > 1:
                given[cell] = True
        key = (sol * given + 4 * ~given).tobytes()
        if key in seen:
            continue
        seen.add(key)
        sols.append(sol)
        givens.append(given)
    s, g = np.array(sols), np.array(givens)
    y = torch.as_tensor(np.eye(4)[s].reshape(n, 64))
    puzzles = y * torch.as_tensor(np.repeat(g, 4, axis=1), dtype=F64)
    return s, y, puzzles


def sudoku(
    quick: bool,
    seeds: list[int],
    kappa: float | None,
    taus: list[float] | None,
    autos: tuple[str, ...] = AUTOS,
) -> list[Run]:
    """The τ sweep (taus, default the config's) and tau="auto" on the Sudoku LP."""
    cfg = SUDOKU_CFG[quick]
    grid = cfg["taus"] if taus is None else taus
    flat = _all_grids()
    G = torch.cat([torch.eye(64), -torch.eye(64)]).to(F64)
    h = torch.cat([torch.ones(64), torch.zeros(64)]).to(F64)
    settings = lpgd_go.SolverSettings(static_reg=1e-7)  # as the notebook (degenerate LPs)
    runs: list[Run] = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        seen: set[bytes] = set()
        _, y_tr, p_tr = _sudoku_data(cfg["n_train"], rng, flat, seen)
        s_te, _, p_te = _sudoku_data(cfg["n_test"], rng, flat, seen)

        def layer(A: torch.Tensor, theta: torch.Tensor, puzzles: torch.Tensor, bw: Any) -> Any:
            b = A @ torch.sigmoid(theta)
            return lpgd_go.solve_qp(
                None, -puzzles, G, h, A, b, backward=bw, settings=settings, on_failure="nan"
            )

        for tau in [*grid, *autos]:
            bw = _backward(tau, "right", kappa)
            g0 = torch.Generator().manual_seed(seed)
            A = torch.nn.Parameter(torch.rand(40, 64, generator=g0, dtype=F64))
            theta = torch.nn.Parameter(torch.zeros(64, dtype=F64))
            opt = torch.optim.Adam([A, theta], lr=0.1)
            batches = torch.Generator().manual_seed(seed + 1)
            picked: list[float] = []
            t0 = time.perf_counter()
            for _ in range(cfg["epochs"]):
                perm = torch.randperm(len(p_tr), generator=batches)
                for i in range(0, len(p_tr), 20):
                    j = perm[i : i + 20]
                    x = layer(A, theta, p_tr[j], bw)
                    if tau in AUTOS:
                        q, rhs = -p_tr[j], h.expand(len(j), -1)
                        x.register_hook(
                            lambda g, q=q, rhs=rhs, k=bw.tau_target, rec=picked: rec.extend(
                                auto_tau(q, rhs, g, k)
                            )
                        )
                    ok = ~torch.isnan(x).any(1)
                    loss = ((x[ok] - y_tr[j][ok]) ** 2).sum()
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
            with torch.no_grad():
                xt = layer(A, theta, p_te, bw)
            pred = xt.reshape(-1, 16, 4).argmax(-1).numpy()
            acc = float(((pred == s_te).all(1) & ~np.isnan(xt.numpy()).any(1)).mean())
            runs.append(Run("sudoku", seed, str(tau), acc, time.perf_counter() - t0, picked))
            log(f"sudoku seed {seed} tau={tau}: test accuracy {acc:.3f}")
    return runs


# ---------------------------------------------------------------------------
# Markowitz
# ---------------------------------------------------------------------------


def markowitz(
    quick: bool,
    seeds: list[int],
    kappa: float | None,
    taus: list[float] | None,
    autos: tuple[str, ...] = AUTOS,
) -> list[Run]:
    """The τ sweep (taus, default the config's) and tau="auto" on the Markowitz QP."""
    from skfolio.datasets import load_sp500_dataset

    cfg = MARKOWITZ_CFG[quick]
    grid = cfg["taus"] if taus is None else taus
    hold, win, cost, gamma0, seg, lr, rank = 5, 252, 1e-3, 2.0, 26, 0.05, 2
    prices = load_sp500_dataset()
    rets = prices.pct_change().dropna()
    rd = rets.to_numpy()
    n = rd.shape[1]
    reb = np.arange(win, len(rd) - hold + 1, hold)
    dates = rets.index[reb]
    mu = torch.tensor(np.stack([rd[i - win : i].mean(0) * 252 for i in reb]))
    sigma = torch.tensor(np.stack([np.cov(rd[i - win : i].T) * 252 for i in reb]))
    fwd = torch.tensor(np.stack([np.prod(1 + rd[i : i + hold], axis=0) - 1 for i in reb]))

    def period(lo: str, hi: str) -> np.ndarray:
        return np.where((dates >= lo) & (dates < hi))[0]

    train_rows, test_rows = period(*cfg["train"]), period(*cfg["test"])
    n_seg = len(train_rows) // seg
    seg_rows = torch.as_tensor(train_rows[: n_seg * seg].reshape(n_seg, seg))
    eye, zero = torch.eye(n, dtype=F64), torch.zeros(n, n, dtype=F64)
    a_eq = torch.cat([torch.ones(1, n), torch.zeros(1, n)], 1).to(F64)
    b_eq = torch.ones(1, dtype=F64)
    g_in = torch.cat(
        [torch.cat([eye, -eye], 1), torch.cat([-eye, -eye], 1), torch.cat([-eye, zero], 1)]
    )

    def utility(R: torch.Tensor) -> torch.Tensor:
        return 52 * R.mean() - gamma0 * 52 * R.var()

    runs: list[Run] = []
    for seed in seeds:
        for tau in [*grid, *autos]:
            bw = _backward(tau, "central", kappa)
            g = torch.Generator().manual_seed(seed)
            log_gamma = torch.nn.Parameter(torch.tensor(math.log(gamma0), dtype=F64))
            shrink = torch.nn.Parameter(torch.tensor(2.2, dtype=F64))
            kappa_raw = torch.nn.Parameter(
                torch.full((n,), math.log(math.expm1(cost * 52)), dtype=F64)
            )
            F = torch.nn.Parameter(0.02 * torch.randn(n, rank, generator=g, dtype=F64))
            picked: list[float] = []

            def policy(
                r: torch.Tensor,
                w_prev: torch.Tensor,
                tau: float | str = tau,
                picked: list[float] = picked,
                params: tuple[torch.Tensor, ...] = (log_gamma, shrink, kappa_raw, F),
                bw: lpgd_go.LPGD = bw,
            ) -> torch.Tensor:
                lg, sh, kr, f = params
                B = len(r)
                alpha = torch.sigmoid(sh)
                m = mu[r]
                mu_t = alpha * m + (1 - alpha) * m.mean(1, keepdim=True)
                P = torch.zeros(B, 2 * n, 2 * n, dtype=F64)
                P[:, :n, :n] = 2 * lg.exp() * (sigma[r] + f @ f.T)
                q = torch.cat([-mu_t, torch.nn.functional.softplus(kr).expand(B, n)], 1)
                h = torch.cat([w_prev, -w_prev, torch.zeros(B, n, dtype=F64)], 1)
                z = lpgd_go.solve_qp(P, q, g_in, h, a_eq, b_eq, backward=bw)
                if tau in AUTOS and z.requires_grad:
                    rhs = torch.cat([b_eq.expand(B, 1), h.detach()], 1)
                    Pd, qd = P.detach(), q.detach()
                    z.register_hook(
                        lambda gz: picked.extend(
                            qp_auto_tau(bw, Pd, qd, torch.cat([a_eq, g_in]), rhs, 1, gz)
                        )
                    )
                return z[:, :n]

            def simulate(
                rows: torch.Tensor, policy: Callable[..., torch.Tensor] = policy
            ) -> torch.Tensor:
                K, T = rows.shape
                w = torch.full((K, n), 1.0 / n, dtype=F64)
                net = []
                for t in range(T):
                    r = rows[:, t]
                    w_new = policy(r, w)
                    gross = (w_new * fwd[r]).sum(1)
                    net.append(gross - cost * (w_new - w).abs().sum(1))
                    w = w_new * (1 + fwd[r]) / (1 + gross).unsqueeze(1)
                return torch.stack(net, 1)

            opt = torch.optim.Adam([log_gamma, shrink, kappa_raw, F], lr=lr)
            t0 = time.perf_counter()
            for _ in range(cfg["epochs"]):
                R = simulate(seg_rows)
                opt.zero_grad()
                (-utility(R) * R.numel()).backward()
                opt.step()
            with torch.no_grad():
                u = float(utility(simulate(torch.as_tensor(test_rows)[None])[0]))
                u_train = float(utility(simulate(seg_rows)))
            sec = time.perf_counter() - t0
            runs.append(Run("markowitz", seed, str(tau), u, sec, picked, u_train))
            log(f"markowitz seed {seed} tau={tau}: test utility {u:+.4f} (train {u_train:+.4f})")
    return runs


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------

METRIC = {"sudoku": "final test accuracy", "markowitz": "final test utility"}


def _se(xs: list[float]) -> float:
    """Standard error of the mean of xs (sample standard deviation / √k)."""
    return float(np.std(xs, ddof=1) / math.sqrt(len(xs))) if len(xs) > 1 else math.nan


def _pm(mean: float, se: float, digits: int = 4) -> str:
    return f"{mean:+.{digits}f}" + ("" if math.isnan(se) else f" ± {se:.{digits}f}")


def _row(
    exp: str,
    seed: str,
    fixed: dict[float, list[float]],
    auto: list[float],
    auto_rho: list[float] | None,
    picked: list[float],
) -> dict[str, Any]:
    """One table row from per-seed metrics (one seed, or several for the mean row):
    the sweep (τ: mean metric), the best fixed τ (largest mean), auto's and
    auto + ρ auto's means, and auto's gap to the best τ. With several seeds each
    mean comes with its standard error, and the gap with the standard error of
    the paired per-seed differences (best τ − auto), relative to the best mean."""
    means = {t: float(np.mean(m)) for t, m in fixed.items()}
    best_tau = max(means, key=lambda t: means[t])
    best = means[best_tau]
    scale = max(abs(best), 1e-12)
    diffs = [b - a for b, a in zip(fixed[best_tau], auto, strict=True)]
    gap, gap_se = float(np.mean(diffs)) / scale, _se(diffs) / scale
    q = np.quantile(picked, [0.1, 0.5, 0.9]) if picked else [math.nan] * 3
    several = len(auto) > 1
    return {
        "experiment": exp,
        "seed": seed,
        "sweep": ", ".join(
            f"{t:g}: {_pm(means[t], _se(m), 3) if several else f'{means[t]:+.3f}'}"
            for t, m in sorted(fixed.items())
        ),
        "best_tau": f"{best_tau:g}",
        "best_metric": _pm(best, _se(fixed[best_tau])),
        "auto_metric": _pm(float(np.mean(auto)), _se(auto)),
        "auto_rho_metric": "–"
        if auto_rho is None
        else _pm(float(np.mean(auto_rho)), _se(auto_rho)),
        "gap_pct": f"{100 * gap:+.1f}" + ("" if math.isnan(gap_se) else f" ± {100 * gap_se:.1f}"),
        "auto_tau": f"{q[1]:.3g} ({q[0]:.3g}–{q[2]:.3g})",
    }


def summarize(runs: list[Run]) -> list[dict[str, Any]]:
    """Per experiment and seed: the best fixed τ, its metric, auto's (and auto + ρ
    auto's), the gap; with several seeds also their mean (each τ's metric averaged
    over the seeds that ran every τ of the grid and auto, with standard errors:
    the best τ on average against auto's average). The best τ of the mean row is
    picked on the same seeds it is compared on, so its mean is biased upwards
    (the largest of several noisy means) and the gap with it."""
    rows = []
    for exp in sorted({r.experiment for r in runs}):
        per_seed: dict[int, tuple[dict[float, float], Run, Run | None]] = {}
        for seed in sorted({r.seed for r in runs if r.experiment == exp}):
            rs = [r for r in runs if r.experiment == exp and r.seed == seed]
            fixed = {float(r.tau): r.metric for r in rs if r.tau not in AUTOS}
            auto = next((r for r in rs if r.tau == "auto"), None)
            auto_rho = next((r for r in rs if r.tau == "auto+rho"), None)
            if not fixed or auto is None:
                continue
            per_seed[seed] = (fixed, auto, auto_rho)
            rows.append(
                _row(
                    exp,
                    str(seed),
                    {t: [m] for t, m in fixed.items()},
                    [auto.metric],
                    None if auto_rho is None else [auto_rho.metric],
                    auto.taus_picked,
                )
            )
        sets = [set(f) for f, _, _ in per_seed.values()]
        grid = set.intersection(*sets) if sets else set()
        if len(per_seed) > 1 and grid:
            vals = list(per_seed.values())
            rho_runs = [r for _, _, r in vals]
            rows.append(
                _row(
                    exp,
                    f"mean of {len(vals)}",
                    {t: [f[t] for f, _, _ in vals] for t in grid},
                    [a.metric for _, a, _ in vals],
                    None if None in rho_runs else [r.metric for r in rho_runs if r is not None],
                    [t for _, a, _ in vals for t in a.taus_picked],
                )
            )
    return rows


def plot(runs: list[Run], exp: str) -> None:
    """The sweep (metric against τ): each seed thin, the mean over the seeds with
    its standard error; auto's (and auto + ρ auto's) mean ± standard error as
    bands, with the τ auto picked (10/50/90 %) as ticks."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.6))
    per_seed: dict[float, list[float]] = {}
    autos: dict[str, list[float]] = {a: [] for a in AUTOS}
    picked: list[float] = []
    for seed in sorted({r.seed for r in runs if r.experiment == exp}):
        rs = [r for r in runs if r.experiment == exp and r.seed == seed]
        fixed = sorted((float(r.tau), r.metric) for r in rs if r.tau not in AUTOS)
        if not fixed or not any(r.tau == "auto" for r in rs):
            continue
        xs, ys = zip(*fixed, strict=True)
        ax.plot(xs, ys, "-", color="0.6", lw=0.7, alpha=0.6)
        for t, m in fixed:
            per_seed.setdefault(t, []).append(m)
        for r in rs:
            if r.tau in AUTOS:
                autos[r.tau].append(r.metric)
                if r.tau == "auto":
                    picked += r.taus_picked
    ts = sorted(per_seed)
    means = [float(np.mean(per_seed[t])) for t in ts]
    ses = [_se(per_seed[t]) if len(per_seed[t]) > 1 else 0.0 for t in ts]
    k = len(autos["auto"])
    ax.errorbar(
        ts, means, yerr=ses, fmt="o-", color="k", capsize=3, label=f"fixed τ, mean of {k} ± SE"
    )
    for name, color, label in [
        ("auto", "tab:blue", 'tau="auto"'),
        ("auto+rho", "tab:orange", 'tau="auto", rho="auto"'),
    ]:
        if not autos[name]:
            continue
        m, se = float(np.mean(autos[name])), _se(autos[name]) if len(autos[name]) > 1 else 0.0
        ax.axhline(m, color=color, ls="--", label=f"{label}, mean ± SE")
        ax.axhspan(m - se, m + se, color=color, alpha=0.15)
    if picked:
        q = np.quantile(picked, [0.1, 0.5, 0.9])
        ax.plot(q, [float(np.mean(autos["auto"]))] * 3, "|", color="tab:blue", ms=12, mew=2)
    ax.set(xscale="log", xlabel="τ", ylabel=METRIC[exp])
    ax.set_title(
        f"{exp}: LPGD τ sweep vs tau='auto' (grey: seeds; ticks: auto's τ, 10/50/90 %)",
        fontsize=9,
    )
    ax.legend(fontsize=7)
    save_figure(fig, f"tau_sweep_{exp}.png")


def _jsonable(x: Any) -> Any:
    return json.loads(json.dumps(x))


def main(argv: list[str] | None = None) -> int:
    """Run the experiments, write results/tau_sweep.md/csv and the figures."""
    ap = argparse.ArgumentParser(description="LPGD: τ sweep vs tau='auto' (issue 12)")
    ap.add_argument("--quick", action="store_true", help="smoke test into results/quick/")
    ap.add_argument("--only", choices=["sudoku", "markowitz"], help="one experiment")
    ap.add_argument(
        "--seeds",
        type=int,
        default=None,
        help=f"seeds first-seed, first-seed + 1, ... (default per experiment: {SEEDS}; 2 --quick)",
    )
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument(
        "--report-only",
        action="store_true",
        help="only rewrite the table and figures from the last tau_sweep_runs.json",
    )
    ap.add_argument("--tau-target", type=float, default=None, help="auto's tau_target")
    ap.add_argument(
        "--autos",
        default=",".join(AUTOS),
        help=f"comma-separated runs without a sweep, of {AUTOS} (default: both)",
    )
    ap.add_argument(
        "--taus", default=None, help="comma-separated fixed τ grid ('' for none; default: config)"
    )
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="take the fixed-τ runs from the last tau_sweep_runs.json (same sizes) instead of "
        "rerunning them: they do not depend on the auto rule",
    )
    args = ap.parse_args(argv)
    taus = None if args.taus is None else [float(t) for t in args.taus.split(",") if t]
    common.configure_output(args.quick)
    torch.set_default_dtype(F64)
    torch.set_num_threads(1)
    autos = tuple(a for a in args.autos.split(",") if a)
    if not set(autos) <= set(AUTOS):
        ap.error(f"--autos: each of {AUTOS}, got {args.autos!r}")
    experiments: dict[
        str,
        Callable[[bool, list[int], float | None, list[float] | None, tuple[str, ...]], list[Run]],
    ] = {
        "sudoku": sudoku,
        "markowitz": markowitz,
    }
    sizes = {"sudoku": SUDOKU_CFG[args.quick], "markowitz": MARKOWITZ_CFG[args.quick]}
    raw = common.RESULTS / "tau_sweep_runs.json"
    saved: dict[str, Any] = json.loads(raw.read_text()) if raw.exists() else {}
    saved_runs = [Run(**r) for r in saved.get("runs", [])]
    provenance: list[str] = list(saved.get("provenance", []))
    start, load0 = time.strftime("%Y-%m-%d %H:%M", time.gmtime()), common._loadavg()
    ran: list[Run] = []
    runs: list[Run] = []
    if args.report_only:
        runs = saved_runs
    for name, fn in experiments.items():
        if args.report_only:
            break
        if args.only not in (None, name):
            # Keep the other experiment's saved runs: its rows stay in the table.
            runs += [r for r in saved_runs if r.experiment == name]
            continue
        grid = sizes[name]["taus"] if taus is None else taus
        n_seeds = (2 if args.quick else SEEDS[name]) if args.seeds is None else args.seeds
        for seed in range(args.first_seed, args.first_seed + n_seeds):
            # --reuse: the saved fixed-τ runs of this seed at these sizes, if the
            # whole grid is there (they do not depend on the auto rule).
            mine: list[Run] = []
            if args.reuse and saved.get("sizes", {}).get(name) == _jsonable(sizes[name]):
                mine = [
                    r
                    for r in saved_runs
                    if r.experiment == name and r.seed == seed and r.tau not in AUTOS
                ]
                if not set(grid) <= {float(r.tau) for r in mine}:
                    mine = []
            new_runs = fn(args.quick, [seed], args.tau_target, [] if mine else grid, autos)
            ran += new_runs
            runs += mine + new_runs
    if not any(r in saved_runs for r in runs):
        provenance = []  # none of the saved runs is kept: their provenance goes too
    if ran:
        what = ", ".join(sorted({f"{r.experiment} {r.seed} τ={r.tau}" for r in ran}))
        end = time.strftime("%H:%M", time.gmtime())
        cli = " ".join(
            ["python -m benchmarks.bench_tau", *(sys.argv[1:] if argv is None else argv)]
        )
        provenance.append(
            f"`{cli}` {start}–{end} UTC, load average {load0} → {common._loadavg()}: {what}"
        )
    common.RESULTS.mkdir(parents=True, exist_ok=True)
    raw.write_text(
        json.dumps(
            {
                "sizes": _jsonable(sizes),
                "provenance": provenance,
                "runs": [asdict(r) for r in runs],
            }
        )
    )
    rows = summarize(runs)
    keys = ["experiment", "seed", "sweep", "best_tau", "best_metric", "auto_metric", "gap_pct"]
    keys += ["auto_tau", "auto_rho_metric"]
    heads = ["experiment", "seed", "fixed τ: final metric", "best τ", "best metric"]
    heads += ["auto metric", "auto short of best [%]", "τ auto picked: median (10–90 %)"]
    heads += ["auto + ρ auto metric"]
    Table(
        "tau_sweep",
        "LPGD: τ sweep vs tau='auto' (issue 12; target: auto short of best ≤ 5 %)",
        [
            f"Sizes: {sizes}. Metrics: Sudoku final test accuracy (right-sided LPGD), "
            "Markowitz final out-of-sample utility (central); higher is better. "
            f"tau_target: {args.tau_target or lpgd_go.LPGD(tau='auto').tau_target:g}; "
            f"rho_target: {lpgd_go.LPGD(rho='auto').rho_target:g}. "
            "Mean rows: mean ± standard error over the seeds; the gap ± the standard "
            "error of the paired per-seed differences (best τ − auto), relative to the "
            "best mean (the best τ is picked on the same seeds: biased upwards). "
            f"Load average at the end: {common._loadavg()}.",
            "",
            "Command: `python -m benchmarks.bench_tau" + (" --quick`" if args.quick else "`"),
            "",
            "Runs in this table (invocations whose runs were merged; the metrics do not "
            "depend on the load):",
            "",
            *[f"- {p}" for p in provenance],
        ],
        [Column(h, str) for h in heads],
        [[r[k] for k in keys] for r in rows],
    ).write(common.machine_info())
    for exp in sorted({r.experiment for r in runs}):
        plot(runs, exp)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
