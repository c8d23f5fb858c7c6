"""Issue 3: the LPGD backward pass.

(a) The cost of lpgd_go's LPGD backward relative to its own forward solve
    (central differences with the active-set fast path, without it, and the
    one-sided variant), on batched LPs and QPs.
(b) lpgd_go's LPGD forward + backward against diffcp's LPGD driven through
    cvxpylayers 1.2.0 on the same problems (SCS at its default eps 1e-4, timed),
    and the gradients' agreement with diffcp run tightly (SCS eps 1e-9, both the
    forward and the perturbed solves; timed once, for the agreement).

One command regenerates results/lpgd_*.md/csv and lpgd_time.png:
``python benchmarks/run.py --only lpgd`` (``make bench-lpgd``).

How cvxpylayers 1.2.0 reaches diffcp's LPGD: CvxpyLayer's default solver is
"DIFFCP"; the layer merges ``solver_args`` into the keyword arguments of
``diffcp.solve_and_derivative_batch`` (cvxpylayers/interfaces/diffcp_if.py), so
``solver_args={"mode": "lpgd", "derivative_kwargs": {"tau": τ, "rho": ρ}}``
selects central LPGD; diffcp pops ``derivative_kwargs`` and passes τ, ρ to its
``adjoint_derivative_lpgd``, which re-solves the two perturbed cone programs
with SCS (diffcp/cone_program.py). For QPs, cvxpylayers with diffcp writes
½‖P½x‖² through a second-order cone; the LPGD perturbation only moves the
linear cost of x (and the right-hand side), so both libraries solve the same
perturbed problems and their gradients of q, G, h, A, b are comparable.
"""

from __future__ import annotations

from typing import Any

import cvxpy as cp
import numpy as np
import torch
from cvxpylayers.torch import CvxpyLayer

import lpgd_go

from .common import (
    THREADS,
    Column,
    Forward,
    Measured,
    Table,
    cosines,
    flat_grads,
    fmt_cos,
    fmt_err,
    log,
    measure,
    nanmax,
    nanmedian,
    nanmin,
    pyplot,
    rel_errors,
    save_figure,
)
from .common import _loadavg as loadavg
from .problems import Problem, box_lp, subset, to_torch

#: LPGD step and proximal weight used by both libraries.
TAU = 0.1
RHO = 0.0
COMMON = ("q", "G", "h", "A", "b")
TARGET_SPEEDUP = 10.0
TARGET_BWD_OVER_FWD = 0.5
TARGET_COSINE = 0.999
#: SCS tolerance of the tight diffcp run (the agreement reference).
TIGHT_EPS = 1e-9


def ours(backward: Any) -> Forward:
    def forward(d: dict[str, torch.Tensor]) -> torch.Tensor:
        x = lpgd_go.solve_qp(d.get("P"), d["q"], d["G"], d["h"], d["A"], d["b"], backward=backward)
        assert isinstance(x, torch.Tensor)
        return x

    return forward


def cvxpy_layer(n: int, m: int, p: int, quadratic: bool, eps: float | None = None) -> CvxpyLayer:
    """min qᵀx (+ ½‖P½x‖²) s.t. Gx ≤ h, Ax = b as a CvxpyLayer with diffcp's LPGD
    (SCS at eps_abs = eps_rel = eps when given; diffcp passes the same solver
    arguments to the perturbed solves)."""
    x = cp.Variable(n)
    q = cp.Parameter(n)
    G = cp.Parameter((m, n))
    h = cp.Parameter(m)
    A = cp.Parameter((p, n))
    b = cp.Parameter(p)
    params = [q, G, h, A, b]
    obj = q @ x
    if quadratic:
        Ph = cp.Parameter((n, n))
        obj = 0.5 * cp.sum_squares(Ph @ x) + obj
        params = [Ph, *params]
    prob = cp.Problem(cp.Minimize(obj), [G @ x <= h, A @ x == b])
    args: dict[str, Any] = {"mode": "lpgd", "derivative_kwargs": {"tau": TAU, "rho": RHO}}
    if eps is not None:
        args.update(eps_abs=eps, eps_rel=eps, max_iters=1_000_000)
    return CvxpyLayer(prob, parameters=params, variables=[x], solver_args=args)


def cvxpylayers_forward(layer: CvxpyLayer, quadratic: bool) -> Forward:
    def forward(d: dict[str, torch.Tensor]) -> torch.Tensor:
        args = [d["q"], d["G"], d["h"], d["A"], d["b"]]
        if quadratic:
            args = [d["Ph"], *args]
        (x,) = layer(*args)
        return x

    return forward


def _cvx_inputs(prob: Problem) -> dict[str, torch.Tensor]:
    t = to_torch(prob)
    if "P" in t:
        t["Ph"] = torch.linalg.cholesky(t.pop("P")).mT.contiguous()
    return t


def run(quick: bool, info: dict[str, str], seed: int = 0) -> list[Table]:
    rng = np.random.default_rng(seed + 1)
    n, m, p, B = (20, 10, 2, 4) if quick else (100, 50, 10, 64)
    repeats = 1 if quick else 3
    size = f"n={n}, m={m}+{2 * n} (box), p={p}, batch {B}"
    over = Table(
        "lpgd_overhead",
        "LPGD backward time relative to the forward solve (lpgd_go)",
        [
            f"Problems: {size}; bounded random LPs (box −1 ≤ x ≤ 1 plus {m} random "
            "inequalities) and the same with P = LLᵀ/n + 0.1 I (QPs); loss = Σ x·w, "
            "gradients w.r.t. every argument.",
            f"LPGD with τ = {TAU}, ρ = {RHO}. Medians of {repeats} repeat(s) after a warm-up, "
            f"{THREADS} threads. Target: LPGD (central, fast path) backward ≤ "
            f"{TARGET_BWD_OVER_FWD}× forward.",
            "kkt is shown for scale; on LPs its gradient is zero almost everywhere.",
        ],
        [
            Column("problem"),
            Column("backward"),
            Column("fwd ms"),
            Column("bwd ms"),
            Column("bwd / fwd"),
            Column("target"),
            Column("met"),
        ],
    )
    peers = Table(
        "lpgd_vs_diffcp",
        "LPGD: lpgd_go vs diffcp (through cvxpylayers 1.2.0)",
        [
            f"Problems: {size} (as in the overhead table). Both use central LPGD with "
            f"τ = {TAU}, ρ = {RHO}: cvxpylayers gets solver_args={{'mode': 'lpgd', "
            f"'derivative_kwargs': {{'tau': {TAU}, 'rho': {RHO}}}}} (diffcp re-solves the "
            "perturbed cone programs with SCS, default eps 1e-4); lpgd_go gets "
            f"backward=LPGD(tau={TAU}).",
            "Ratio = diffcp's total / lpgd_go's total (the speed-up). Target ≥ "
            f"{TARGET_SPEEDUP:g}×. Agreement: cosine similarity and relative difference of "
            "the concatenated gradients of q, G, h, A, b, per instance, vs lpgd_go; the "
            f"'tight' rows run diffcp with SCS eps_abs = eps_rel = {TIGHT_EPS:g} (forward and "
            "perturbed solves; one timed run, not a speed comparison), the reference for "
            f"the agreement target (cosine ≥ {TARGET_COSINE} on every instance).",
        ],
        [
            Column("problem"),
            Column("method"),
            Column("batch"),
            Column("fwd ms"),
            Column("bwd ms"),
            Column("total ms"),
            Column("bwd / fwd"),
            Column("ratio (method / lpgd_go)"),
            Column("target"),
            Column("met"),
            Column("cos vs lpgd_go (min)", fmt_cos),
            Column("rel diff vs lpgd_go (median)", fmt_err),
            Column("rel diff vs lpgd_go (max)", fmt_err),
        ],
    )
    plot: dict[str, dict[str, tuple[float, float]]] = {}
    for kind in ("LP", "QP"):
        quadratic = kind == "QP"
        prob = box_lp(rng, B, n, m, p, quadratic=quadratic)
        t = to_torch(prob)
        w = torch.as_tensor(rng.standard_normal((B, n)))
        names = (("P",) if quadratic else ()) + COMMON
        variants: list[tuple[str, Any, bool]] = [
            ("kkt", "kkt", False),
            ("LPGD central, fast path", lpgd_go.LPGD(tau=TAU, rho=RHO), True),
            (
                "LPGD central, fast_path=False",
                lpgd_go.LPGD(tau=TAU, rho=RHO, fast_path=False),
                True,
            ),
            ("LPGD right, fast path", lpgd_go.LPGD(tau=TAU, rho=RHO, side="right"), False),
        ]
        ours_main: Measured | None = None
        plot[kind] = {}
        for label, bw, targeted in variants:
            log(f"lpgd: {kind}, lpgd_go {label}")
            res = measure(ours(bw), t, names, w, repeats)
            ratio = res.bwd_s / res.fwd_s
            over.rows.append(
                [
                    kind,
                    label,
                    res.fwd_s * 1e3,
                    res.bwd_s * 1e3,
                    ratio,
                    f"≤ {TARGET_BWD_OVER_FWD}" if targeted else None,
                    bool(ratio <= TARGET_BWD_OVER_FWD) if targeted and res.ok else None,
                ]
            )
            plot[kind][f"lpgd_go {label}"] = (res.fwd_s * 1e3, res.bwd_s * 1e3)
            if label == "LPGD central, fast path":
                ours_main = res
        assert ours_main is not None

        log(f"lpgd: {kind}, cvxpylayers + diffcp LPGD")
        layer = cvxpy_layer(n, 2 * n + m, p, quadratic)
        cvx_names = (("Ph",) if quadratic else ()) + COMMON
        warm = _cvx_inputs(subset(prob, slice(0, 2)))
        res_c = measure(
            cvxpylayers_forward(layer, quadratic),
            _cvx_inputs(prob),
            cvx_names,
            w,
            repeats,
            warm,
            w[:2],
        )
        plot[kind]["cvxpylayers + diffcp LPGD"] = (res_c.fwd_s * 1e3, res_c.bwd_s * 1e3)
        log(f"lpgd: {kind}, cvxpylayers + diffcp LPGD, tight (SCS eps {TIGHT_EPS:g})")
        tight = cvxpy_layer(n, 2 * n + m, p, quadratic, eps=TIGHT_EPS)
        res_t = measure(
            cvxpylayers_forward(tight, quadratic), _cvx_inputs(prob), cvx_names, w, 1, warm, w[:2]
        )
        g_ours = flat_grads(ours_main.grads, COMMON, B)
        rows = (
            ("lpgd_go LPGD", ours_main, None),
            ("cvxpylayers + diffcp LPGD", res_c, "speed"),
            (f"cvxpylayers + diffcp LPGD, tight (eps {TIGHT_EPS:g})", res_t, "agreement"),
        )
        for label, res, role in rows:
            ratio = res.total_s / ours_main.total_s
            cos = rel = None
            if role is not None and res.ok:
                g = flat_grads(res.grads, COMMON, B)
                cos = cosines(g, g_ours)
                rel = rel_errors(g, g_ours)
            if role == "speed":
                target = f"≥ {TARGET_SPEEDUP:g}×"
                met = bool(ratio >= TARGET_SPEEDUP) if res.ok else None
            elif role == "agreement":
                target = f"cos ≥ {TARGET_COSINE}"
                met = bool(nanmin(cos) >= TARGET_COSINE) if cos is not None else None
            else:
                target = met = None
            peers.rows.append(
                [
                    kind,
                    label,
                    B,
                    res.fwd_s * 1e3,
                    res.bwd_s * 1e3,
                    res.total_s * 1e3,
                    res.bwd_s / res.fwd_s,
                    ratio,
                    target,
                    met,
                    None if cos is None else nanmin(cos),
                    None if rel is None else nanmedian(rel),
                    None if rel is None else nanmax(rel),
                ]
            )
    info = {**info, "load average at end": loadavg()}
    over.write(info)
    peers.write(info)
    _plot(plot)
    return [over, peers]


def _plot(data: dict[str, dict[str, tuple[float, float]]]) -> None:
    plt = pyplot()
    fig, axes = plt.subplots(1, len(data), figsize=(12, 4.2), sharey=True)
    axes = np.atleast_1d(axes)
    axes[0].invert_yaxis()  # shared y axis: invert once
    for ax, (kind, rows) in zip(axes, data.items(), strict=True):
        labels = list(rows)
        fwd = np.array([rows[k][0] for k in labels])
        bwd = np.array([rows[k][1] for k in labels])
        ys = np.arange(len(labels))
        ax.barh(ys, fwd, color="tab:blue", label="forward")
        ax.barh(ys, bwd, left=fwd, color="tab:orange", label="backward")
        ax.set_yticks(ys, labels)
        ax.set_xlim(0, 1.05 * float(np.nanmax(fwd + bwd)))
        ax.set_xlabel("ms per batch")
        ax.set_title(f"LPGD on batched {kind}s (lower is better)")
        ax.grid(axis="x", alpha=0.3)
        ax.legend(loc="lower right")
    save_figure(fig, "lpgd_time.png")


def replot_from_csv() -> None:
    """Redraw results/lpgd_time.png from the CSVs of the last run."""
    import csv

    from . import common

    data: dict[str, dict[str, tuple[float, float]]] = {}
    with (common.RESULTS / "lpgd_overhead.csv").open() as fh:
        for row in csv.DictReader(fh):
            data.setdefault(row["problem"], {})[f"lpgd_go {row['backward']}"] = (
                float(row["fwd ms"]),
                float(row["bwd ms"]),
            )
    with (common.RESULTS / "lpgd_vs_diffcp.csv").open() as fh:
        for row in csv.DictReader(fh):
            if not row["method"].startswith("lpgd_go"):
                data[row["problem"]][row["method"]] = (float(row["fwd ms"]), float(row["bwd ms"]))
    _plot(data)
