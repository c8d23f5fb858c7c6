"""Issue 4: reproduction of the BPQP paper's simulation study (Pan et al.,
"BPQP: A Differentiable Convex Optimization Framework for Efficient End-to-End
Learning", NeurIPS 2024, arXiv 2411.19285, sec. 5.1 and its released code).

Random dense QPs and LPs with n variables and k equalities = k inequalities,
(n, k) ∈ {(10, 5), (50, 10), (100, 20), (500, 100)}, generated as in the paper
(problems.bpqp_qp / problems.bpqp_lp); loss ℓ = 1ᵀx, gradient w.r.t. q.

Methods, instances solved one by one (the paper's protocol):

- lpgd_go kkt, bpqp (direct) and lpgd (small τ),
- the paper's pipeline rebuilt with the ``osqp`` package: OSQP forward with
  default settings (eps_abs = eps_rel = 1e-3, as the paper), active set
  {i : y_i > 1e-8} from OSQP's inequality duals, OSQP (default settings) on the
  backward QP min ½zᵀPz + 1ᵀz s.t. G_S z = 0, Az = 0, whose solution is ∂ℓ/∂q;
  timed end to end (matrix assembly, setup and solve of both QPs),
- cvxpylayers (diffcp + SCS, P given by its factor P½) and qpth.

Then the same sizes in batches for the batched methods. Accuracy is against the
reference of reference.py (tight solve + numpy active-set KKT gradient).
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import osqp
import scipy.sparse as sp
import torch
from cvxpylayers.torch import CvxpyLayer
from qpth.qp import QPFunction

import lpgd_go

from . import reference as rf
from .bench_qp import cvxpy_layer
from .common import (
    THREADS,
    Column,
    Table,
    cosines,
    fmt_cos,
    fmt_err,
    gc_paused,
    log,
    measure,
    nanmax,
    nanmedian,
    nanmin,
    pyplot,
    rel_errors,
    run_once,
    save_figure,
    torch_threads,
)
from .problems import BPQP_LP_EPS, BPQP_QP_DELTA, Problem, bpqp_lp, bpqp_qp, subset, to_torch

SIZES = [(10, 5), (50, 10), (100, 20), (500, 100)]

#: Instances per size, solved one by one: lpgd_go and the OSQP pipeline; the
#: slower peers get fewer at the larger sizes (the tables say how many).
FULL_N = {10: 200, 50: 200, 100: 200, 500: 40}
#: Rounds of the one-by-one runs of lpgd_go and the OSQP pipeline (the
#: target's pair): the methods alternate round by round and each instance's
#: time is its median over the rounds, so that a slow phase of the machine
#: (another process, a noisy neighbour) hits both sides and is voted out.
FULL_ROUNDS = 3
FULL_PEER_N = {"qpth": {100: 100, 500: 10}, "cvxpylayers": {100: 100, 500: 4}}
QUICK_N = {10: 6, 50: 6, 100: 4, 500: 2}
QUICK_PEER_N = {
    "qpth": {10: 3, 50: 3, 100: 2, 500: 1},
    # cvxpylayers' canonicalization of a 500×500 parameter alone takes ~20 s:
    # left out of the smoke test at 500×100.
    "cvxpylayers": {10: 3, 50: 3, 100: 2, 500: 0},
}

#: Batch of the batched runs; smaller for the slow peers at the largest size.
BATCH = 64
BATCH_CAP = {"cvxpylayers": {500: 4}, "qpth": {500: 16}}
QUICK_BATCH = 4

#: LPGD step ("small τ"). On the ε-ridge LPs x moves by about τ/ε per unit of
#: perturbation, so even τ = 1e-6 changes the active set there (and a τ scaled
#: by ε falls below what the perturbed solves resolve): LPGD is then not the
#: derivative, as intended by LPGD for LPs.
LPGD_TAU = 1e-6
#: The paper's active-set threshold on OSQP's duals.
OSQP_ACTIVE_TOL = 1e-8
#: qpth iteration limit of the paper's code (its default is 20).
QPTH_MAX_ITER = 500
QPTH_LU_HANG_DIM = 150  # see bench_qp.QPTH_LU_HANG_DIM

TARGET_SPEEDUP = 5.0
TARGET_ERR = 1e-6

GEN: dict[str, Callable[[np.random.Generator, int, int, int], Problem]] = {
    "QP": bpqp_qp,
    "LP": bpqp_lp,
}


@dataclass
class Result:
    """Per-instance outcome of one method on one size (times in seconds)."""

    fwd: list[float] = field(default_factory=list)
    bwd: list[float] = field(default_factory=list)
    grads: list[np.ndarray] = field(default_factory=list)
    failed: int = 0
    batch: int = 1  # > 1 for the batched runs (times then per batch)
    note: str = ""

    def per_instance(self, which: str) -> float:
        v = np.asarray(self.fwd if which == "fwd" else self.bwd, dtype=float)
        if not np.isfinite(v).any():
            return math.nan
        return float(np.nanmean(v)) / self.batch

    @property
    def total(self) -> float:
        return self.per_instance("fwd") + self.per_instance("bwd")


# ---------------------------------------------------------------------------
# Methods
# ---------------------------------------------------------------------------


def ours(backward: Any) -> Callable[[dict[str, torch.Tensor]], torch.Tensor]:
    def forward(d: dict[str, torch.Tensor]) -> torch.Tensor:
        x = lpgd_go.solve_qp(d["P"], d["q"], d["G"], d["h"], d["A"], d["b"], backward=backward)
        assert isinstance(x, torch.Tensor)
        return x

    return forward


def osqp_pipeline(prob: Problem, k: int) -> tuple[np.ndarray, float, float]:
    """The paper's OSQP forward + active-set OSQP backward on instance k:
    (∂ℓ/∂q, forward seconds, backward seconds)."""
    P, q, G, h, A, b = (prob[key][k] for key in ("P", "q", "G", "h", "A", "b"))
    n, m = q.shape[0], G.shape[0]
    t0 = time.perf_counter()
    P_csc = sp.csc_matrix(np.triu(P))
    fwd = osqp.OSQP()
    fwd.setup(
        P_csc,
        q,
        sp.csc_matrix(np.vstack([G, A])),
        np.concatenate([np.full(m, -np.inf), b]),
        np.concatenate([h, b]),
        verbose=False,
    )
    res = fwd.solve()
    t1 = time.perf_counter()
    active = np.flatnonzero(res.y[:m] > OSQP_ACTIVE_TOL)
    A2 = sp.csc_matrix(np.vstack([G[active], A]))
    zero = np.zeros(A2.shape[0])
    bwd = osqp.OSQP()
    bwd.setup(P_csc, np.ones(n), A2, zero, zero, verbose=False)
    res2 = bwd.solve()
    t2 = time.perf_counter()
    return np.asarray(res2.x, dtype=float), t1 - t0, t2 - t1


def cvx_forward(layer: CvxpyLayer) -> Callable[[dict[str, torch.Tensor]], torch.Tensor]:
    def forward(d: dict[str, torch.Tensor]) -> torch.Tensor:
        (x,) = layer(d["Ph"], d["q"], d["G"], d["h"], d["A"], d["b"])
        return x

    return forward


def qpth_forward(d: dict[str, torch.Tensor]) -> torch.Tensor:
    return QPFunction(verbose=-1, maxIter=QPTH_MAX_ITER)(
        d["P"], d["q"], d["G"], d["h"], d["A"], d["b"]
    )


def _cvx_inputs(t: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    out = {k: v for k, v in t.items() if k != "P"}
    out["Ph"] = torch.linalg.cholesky(t["P"]).mT.contiguous()
    return out


# ---------------------------------------------------------------------------
# Runs
# ---------------------------------------------------------------------------


def _one_by_one(
    forward: Callable[[dict[str, torch.Tensor]], torch.Tensor],
    prob: Problem,
    count: int,
    cvx: bool = False,
) -> Result:
    """Solve instances 0..count-1 one at a time (unbatched tensors), after a warm-up
    on instance 0."""
    res = Result()
    one = torch.ones(prob["q"].shape[1], dtype=torch.float64)

    def inputs(k: int) -> dict[str, torch.Tensor]:
        t = {key: v[0] for key, v in to_torch(subset(prob, slice(k, k + 1))).items()}
        return _cvx_inputs(t) if cvx else t

    try:
        run_once(forward, inputs(0), ("q",), one)
    except Exception as exc:
        res.note = f"warm-up failed: {type(exc).__name__}"
    with gc_paused():
        for k in range(count):
            d = inputs(k)
            try:
                f, b, _, g = run_once(forward, d, ("q",), one)
                grad = g["q"].numpy()
                if not np.all(np.isfinite(grad)):
                    raise FloatingPointError("non-finite gradient")
            except Exception:
                res.failed += 1
                f = b = math.nan
                grad = np.full(prob["q"].shape[1], math.nan)
            res.fwd.append(f)
            res.bwd.append(b)
            res.grads.append(grad)
    return res


def _osqp_run(prob: Problem, count: int) -> Result:
    res = Result()
    osqp_pipeline(prob, 0)  # warm-up
    with gc_paused():
        for k in range(count):
            try:
                g, f, b = osqp_pipeline(prob, k)
            except Exception:
                res.failed += 1
                g, f, b = np.full(prob["q"].shape[1], math.nan), math.nan, math.nan
            res.fwd.append(f)
            res.bwd.append(b)
            res.grads.append(g)
    return res


def _median_rounds(rounds: list[Result]) -> Result:
    """One method's rounds of the same instances as one Result: each instance's
    forward and backward time is its median over the rounds that solved it
    (forward and backward separately); the gradients and failures are the
    first round's (the same data and code give the same ones), and an instance
    the first round failed has no time."""
    if len(rounds) == 1:
        return rounds[0]
    first = rounds[0]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN instance
        fwd = np.nanmedian(np.array([r.fwd for r in rounds], dtype=float), axis=0)
        bwd = np.nanmedian(np.array([r.bwd for r in rounds], dtype=float), axis=0)
    # An instance the first round failed counts as failed: no time either.
    lost = ~np.isfinite(np.asarray(first.fwd, dtype=float))
    fwd[lost] = bwd[lost] = math.nan
    return Result(
        fwd=list(fwd), bwd=list(bwd), grads=first.grads, failed=first.failed, note=first.note
    )


def _batched(
    forward: Callable[[dict[str, torch.Tensor]], torch.Tensor],
    prob: Problem,
    batch: int,
    repeats: int,
    cvx: bool = False,
) -> Result:
    t = to_torch(subset(prob, slice(0, batch)))
    warm = to_torch(subset(prob, slice(0, min(2, batch))))
    if cvx:
        t, warm = _cvx_inputs(t), _cvx_inputs(warm)
    n = prob["q"].shape[1]
    ones = torch.ones((batch, n), dtype=torch.float64)
    m = measure(forward, t, ("q",), ones, repeats, warm, ones[: min(2, batch)])
    res = Result(batch=batch)
    res.fwd, res.bwd = [m.fwd_s], [m.bwd_s]
    if m.ok:
        res.grads = list(m.grads["q"].numpy())
    else:
        res.failed = batch
        res.grads = [np.full(n, math.nan)] * batch
        res.note = m.error
    return res


def _accuracy(res: Result, ref_g: np.ndarray) -> tuple[float, float, float, float]:
    """(min cosine, median and max relative L2 error, mean absolute L2 error)."""
    if not res.grads:
        return (math.nan,) * 4
    g = np.stack(res.grads)
    r = ref_g[: len(g)]
    ok = np.all(np.isfinite(g), axis=1) & np.all(np.isfinite(r), axis=1)
    if not ok.any():
        return (math.nan,) * 4
    g, r = g[ok], r[ok]
    rel = rel_errors(g, r)
    abs_l2 = np.linalg.norm(g - r, axis=1)
    return nanmin(cosines(g, r)), nanmedian(rel), nanmax(rel), float(np.mean(abs_l2))


# ---------------------------------------------------------------------------
# The study
# ---------------------------------------------------------------------------


def run(quick: bool, info: dict[str, str], seed: int = 0) -> list[Table]:
    rng = np.random.default_rng(seed + 2)
    counts = QUICK_N if quick else FULL_N
    peer_counts = QUICK_PEER_N if quick else FULL_PEER_N
    repeats = 1 if quick else 2
    rounds = 1 if quick else FULL_ROUNDS
    acc_cols = [
        Column("cos sim (min)", fmt_cos),
        Column("rel L2 err (median)", fmt_err),
        Column("rel L2 err (max)", fmt_err),
        Column("abs L2 err (mean)", fmt_err),
    ]
    common_notes = [
        "Problems as in the paper's code: P = P′ᵀP′ + δI (δ = "
        f"{BPQP_QP_DELTA:g}), P′, q, A, G ~ U(0,1), h = G z′, b = A z′ (the paper draws "
        "b ~ U(0,1); A z′ keeps every instance feasible). LPs: c = −Gᵀλ0, h = G x0 + s0 "
        "(bounded by construction, as the paper), solved with the paper's ε-ridge "
        f"P = εI, ε = {BPQP_LP_EPS:g}. Loss ℓ = 1ᵀx, gradient w.r.t. q.",
        "Reference: lpgd_go at tol 1e-12, its active set certified by an exact KKT polish "
        "(reference.py), and a dense numpy KKT solve on that active set for ∂ℓ/∂q "
        "(cross-checks below). Errors are per instance; rel L2 = ‖g − g_ref‖ / ‖g_ref‖. "
        "On the ε-ridge LPs, constraints can be active with multipliers O(ε) ≈ 1e-7: an "
        "interior-point (or ADMM) solution at any practical tolerance leaves their slack at "
        "~μ/λ ≫ 0, and x is only determined to ~1e-3 along the LP's optimal face (objective "
        "differences ~1e-11), so the active set, and with it ∂ℓ/∂q, is often misidentified.",
        "OSQP pipeline = the paper's method rebuilt with the osqp package: default "
        "settings (eps 1e-3) forward, active set y_i > 1e-8, OSQP on the equality-"
        "constrained backward QP; timed end to end (assembly + setup + solve).",
        f"lpgd_go lpgd: central LPGD, ρ = 0, τ = {LPGD_TAU:g} (on the ε-ridge LPs x moves "
        "by ~τ/ε, so LPGD's finite difference crosses active-set changes there: it is "
        "then LPGD's smoothed gradient, not the derivative). qpth: maxIter = "
        f"{QPTH_MAX_ITER} (the paper's), eps 1e-12. cvxpylayers: diffcp + SCS "
        "(default eps 1e-4) with P given as its factor P½.",
        f"{THREADS} threads for every method; times are means per instance. lpgd_go and "
        "the OSQP pipeline (the target's pair) run the one-by-one loop in "
        f"{rounds} round(s), alternating round by round; an instance's time is its "
        "median over the rounds (qpth and cvxpylayers: one round).",
    ]
    one = Table(
        "bpqp_one_by_one",
        "BPQP study: instances solved one by one",
        [
            *common_notes,
            "Speed-up = OSQP pipeline's total / method's total. Targets: lpgd_go bpqp ≥ "
            f"{TARGET_SPEEDUP:g}× faster than the OSQP pipeline at every size, with "
            f"gradient error ≤ {TARGET_ERR:g} (max rel L2).",
        ],
        [
            Column("problem"),
            Column("size (n×k)"),
            Column("method"),
            Column("instances"),
            Column("fwd ms"),
            Column("bwd ms"),
            Column("total ms"),
            Column("speed-up vs OSQP pipeline"),
            *acc_cols,
            Column("failed"),
        ],
    )
    batched = Table(
        "bpqp_batched",
        f"BPQP study: the same sizes in batches of {QUICK_BATCH if quick else BATCH}",
        [
            *common_notes,
            "Batched methods on the first instances of each size (smaller batches for the "
            "slow peers at 500×100, see the batch column); ms are per instance (batch time "
            f"/ batch, median of {repeats} repeat(s) after a warm-up, 1 at 500×100). Speed-up is "
            "against the "
            "one-by-one OSQP pipeline (OSQP has no batch mode).",
        ],
        [
            Column("problem"),
            Column("size (n×k)"),
            Column("method"),
            Column("batch"),
            Column("fwd ms / inst"),
            Column("bwd ms / inst"),
            Column("total ms / inst"),
            Column("speed-up vs OSQP pipeline"),
            *acc_cols,
        ],
    )
    targets = Table(
        "bpqp_targets",
        "BPQP study: targets (lpgd_go bpqp vs the OSQP pipeline, one by one)",
        [
            f"Target: speed-up ≥ {TARGET_SPEEDUP:g} and max rel L2 gradient error ≤ "
            f"{TARGET_ERR:g} at every size."
        ],
        [
            Column("problem"),
            Column("size (n×k)"),
            Column("bpqp total ms"),
            Column("OSQP pipeline total ms"),
            Column("speed-up"),
            Column("met (speed)"),
            Column("bpqp rel L2 err (max)", fmt_err),
            Column("OSQP pipeline rel L2 err (max)", fmt_err),
            Column("met (accuracy)"),
        ],
    )
    plot_time: dict[str, dict[str, list[float]]] = {}
    plot_acc: dict[str, dict[str, list[tuple[float, float]]]] = {}
    B = QUICK_BATCH if quick else BATCH
    for kind in ("QP", "LP"):
        plot_time[kind] = {}
        plot_acc[kind] = {}
        for n, k in SIZES:
            N = counts[n]
            Nq = peer_counts["qpth"].get(n, N)
            Nc = peer_counts["cvxpylayers"].get(n, N)
            size = f"{n}×{k}"
            nb = max(N, B)
            prob = GEN[kind](rng, nb, n, k)
            log(f"bpqp: {kind} {size}: reference for {nb} instances")
            ones = np.ones((nb, n))
            ref = rf.tight_solution(prob, ones)
            ref_g = rf.active_set_grads(prob, ref, ones)["q"]
            assert ref.kkt_grad_q is not None
            kkt_tight = ref.kkt_grad_q
            cross = rf.clarabel_check(prob, ref, 3)
            x_rel = rel_errors(kkt_tight, ref_g)
            one.notes.append(
                f"{kind} {size} ({nb} instances): {ref.describe()}; {cross.describe()}; "
                f"lpgd_go kkt at tol 1e-12 vs the numpy reference: median / max rel L2 "
                f"{nanmedian(x_rel):.1e} / {nanmax(x_rel):.1e}."
            )

            tau = LPGD_TAU
            ours_methods = (
                ("lpgd_go kkt", "kkt"),
                ("lpgd_go bpqp", "bpqp"),
                ("lpgd_go lpgd", lpgd_go.LPGD(tau=tau)),
            )
            per_round: dict[str, list[Result]] = {}
            for r in range(rounds):
                for name, bw in ours_methods:
                    log(f"  one by one: {name} ({N}, round {r + 1} of {rounds})")
                    per_round.setdefault(name, []).append(_one_by_one(ours(bw), prob, N))
                log(f"  one by one: OSQP pipeline ({N}, round {r + 1} of {rounds})")
                per_round.setdefault("OSQP pipeline (paper)", []).append(_osqp_run(prob, N))
            methods = {name: _median_rounds(rs) for name, rs in per_round.items()}
            layer = None
            if Nc > 0:
                log(f"  one by one: cvxpylayers ({Nc})")
                layer = cvxpy_layer(n, k, k)
                methods["cvxpylayers"] = _one_by_one(cvx_forward(layer), prob, Nc, cvx=True)
            log(f"  one by one: qpth ({Nq})")
            methods["qpth"] = _one_by_one(qpth_forward, prob, Nq)

            osqp_total = methods["OSQP pipeline (paper)"].total
            for name, res in methods.items():
                acc = _accuracy(res, ref_g)
                one.rows.append(
                    [
                        kind,
                        size,
                        name,
                        len(res.fwd),
                        res.per_instance("fwd") * 1e3,
                        res.per_instance("bwd") * 1e3,
                        res.total * 1e3,
                        osqp_total / res.total,
                        *acc,
                        res.failed,
                    ]
                )
                plot_time[kind].setdefault(name, []).append(res.total * 1e3)
                plot_acc[kind].setdefault(name, []).append((acc[1], acc[2]))
            bp = methods["lpgd_go bpqp"]
            bp_err = _accuracy(bp, ref_g)[2]
            os_err = _accuracy(methods["OSQP pipeline (paper)"], ref_g)[2]
            speed = osqp_total / bp.total
            targets.rows.append(
                [
                    kind,
                    size,
                    bp.total * 1e3,
                    osqp_total * 1e3,
                    speed,
                    bool(speed >= TARGET_SPEEDUP),
                    bp_err,
                    os_err,
                    bool(bp_err <= TARGET_ERR),
                ]
            )

            # Batched runs (one timed repeat at the largest size).
            rep = 1 if n >= 500 else repeats
            bres: dict[str, Result] = {}
            for name, bw in (
                ("lpgd_go kkt", "kkt"),
                ("lpgd_go bpqp", "bpqp"),
                ("lpgd_go lpgd", lpgd_go.LPGD(tau=tau)),
            ):
                log(f"  batched: {name} ({B})")
                bres[name] = _batched(ours(bw), prob, B, rep)
            bq = min(B, BATCH_CAP["qpth"].get(n, B))
            threads = 1 if max(n, 2 * k) >= QPTH_LU_HANG_DIM and bq >= 2 else THREADS
            log(f"  batched: qpth ({bq}, {threads} thread(s))")
            with torch_threads(threads):
                bres["qpth"] = _batched(qpth_forward, prob, bq, rep)
            if threads != THREADS:
                bres["qpth"].note = "1 torch thread (MKL batched-LU hang)"
            if layer is not None:
                bc = min(B, BATCH_CAP["cvxpylayers"].get(n, B))
                log(f"  batched: cvxpylayers ({bc})")
                bres["cvxpylayers"] = _batched(cvx_forward(layer), prob, bc, rep, cvx=True)
            for name, res in bres.items():
                acc = _accuracy(res, ref_g)
                label = f"{name} ({res.note})" if res.note and name == "qpth" else name
                batched.rows.append(
                    [
                        kind,
                        size,
                        label,
                        res.batch,
                        res.per_instance("fwd") * 1e3,
                        res.per_instance("bwd") * 1e3,
                        res.total * 1e3,
                        osqp_total / res.total,
                        *acc,
                    ]
                )
                plot_time[kind].setdefault(f"{name} (batched)", []).append(res.total * 1e3)
    one.write(info)
    batched.write(info)
    targets.write(info)
    _plots(plot_time, plot_acc)
    return [one, batched, targets]


#: One color per method; batched runs use the same color, dashed.
COLORS = {
    "lpgd_go kkt": "tab:blue",
    "lpgd_go bpqp": "tab:orange",
    "lpgd_go lpgd": "tab:green",
    "OSQP pipeline (paper)": "tab:red",
    "cvxpylayers": "tab:purple",
    "qpth": "tab:brown",
}


def _style(name: str) -> dict[str, Any]:
    base = name.removesuffix(" (batched)")
    return {
        "color": COLORS.get(base, "tab:gray"),
        "linestyle": "--" if name.endswith("(batched)") else "-",
        "marker": "s" if base.startswith("lpgd_go") else "o",
    }


def _plots(
    times: dict[str, dict[str, list[float]]], accs: dict[str, dict[str, list[tuple[float, float]]]]
) -> None:
    plt = pyplot()
    ns = [n for n, _ in SIZES]
    labels = [f"{n}×{k}" for n, k in SIZES]
    fig, axes = plt.subplots(1, 2, figsize=(13, 5), sharey=True)
    for ax, (kind, rows) in zip(axes, times.items(), strict=True):
        for name, vals in rows.items():
            ax.plot(ns[: len(vals)], vals, label=name, **_style(name))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(ns, labels)
        ax.minorticks_off()
        ax.set_xlabel("size (variables × constraints per type)")
        ax.set_title(f"{kind}s: forward + backward time per instance")
        ax.grid(which="both", alpha=0.3)
    axes[0].set_ylabel("ms per instance (log); solid: one by one, dashed: batched")
    axes[1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    save_figure(fig, "bpqp_time.png", also_docs=True)

    fig, axes = plt.subplots(1, 2, figsize=(13, 5), sharey=True)
    for ax, (kind, rows) in zip(axes, accs.items(), strict=True):
        for name, vals in rows.items():
            med = np.array([max(v[0], 1e-17) for v in vals])
            mx = np.array([max(v[1], 1e-17) for v in vals])
            st = _style(name)
            ax.plot(ns[: len(vals)], med, label=f"{name} (median)", **st)
            ax.plot(ns[: len(vals)], mx, **{**st, "linestyle": ":"}, alpha=0.6)
        ax.axhline(TARGET_ERR, color="k", lw=0.8, ls="--")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(ns, labels)
        ax.minorticks_off()
        ax.set_xlabel("size (variables × constraints per type)")
        ax.set_title(f"{kind}s: rel. L2 error of ∂ℓ/∂q (solid median, dotted max)")
        ax.grid(which="both", alpha=0.3)
    axes[0].set_ylabel("‖g − g_ref‖ / ‖g_ref‖ (log); dashed line: 1e-6 target")
    axes[1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    save_figure(fig, "bpqp_accuracy.png", also_docs=True)


def replot_from_csv() -> None:
    """Redraw docs/bpqp_*.png and results/bpqp_*.png from the CSVs of the last run."""
    import csv

    from . import common

    times: dict[str, dict[str, list[float]]] = {}
    accs: dict[str, dict[str, list[tuple[float, float]]]] = {}
    with (common.RESULTS / "bpqp_one_by_one.csv").open() as fh:
        for row in csv.DictReader(fh):
            kind, name = row["problem"], row["method"]
            times.setdefault(kind, {}).setdefault(name, []).append(float(row["total ms"]))
            med = float(row["rel L2 err (median)"] or "nan")
            mx = float(row["rel L2 err (max)"] or "nan")
            accs.setdefault(kind, {}).setdefault(name, []).append((med, mx))
    with (common.RESULTS / "bpqp_batched.csv").open() as fh:
        for row in csv.DictReader(fh):
            name = row["method"].split(" (")[0] + " (batched)"
            times[row["problem"]].setdefault(name, []).append(float(row["total ms / inst"]))
    _plots(times, accs)
