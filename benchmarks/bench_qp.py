"""Issue 2: the QP layer against cvxpylayers, qpth and ProxSuite's QPLayer.

Dense random feasible QPs (P = LLᵀ/n + 0.1I, h = G z0 + slack, b = A z0), batched,
forward + backward of loss = Σ x·w (w random) with gradients for every
argument, through

- lpgd_go.solve_qp (backward="kkt", and "bpqp" for information),
- cvxpylayers' CvxpyLayer with its default solver (diffcp + SCS), the QP
  written as ½‖P½ x‖² + qᵀx with the factor P½ = Lᵀ (P = LLᵀ) as a parameter
  (cvxpylayers 1.2.0 cannot take P itself as a DPP parameter with diffcp),
- qpth's QPFunction with its defaults,
- ProxSuite's QPLayer (``proxsuite.torch.qplayer.QPFunction()`` with its defaults,
  serial; the inequalities as −1e20 ≤ Gx ≤ h), when proxsuite is installed. Its
  backward returns the gradients as float32 (it allocates them with torch's
  default dtype), which bounds its gradient accuracy at ~1e-7 relative.

Accuracy is measured against a tight reference (reference.py): lpgd_go at
tolerance 1e-12 for x, and a dense numpy active-set KKT solve for the gradients
of q, G, h, A, b (the arguments all three methods share).
"""

from __future__ import annotations

from dataclasses import dataclass

import cvxpy as cp
import numpy as np
import torch
from cvxpylayers.torch import CvxpyLayer
from qpth.qp import QPFunction

try:
    from proxsuite.torch.qplayer import QPFunction as ProxQPFunction
except ImportError:  # an optional peer
    ProxQPFunction = None

import lpgd_go

from . import reference as rf
from .common import (
    THREADS,
    Column,
    Forward,
    Measured,
    Table,
    flat_grads,
    fmt_err,
    log,
    measure,
    nanmax,
    nanmedian,
    pyplot,
    rel_errors,
    save_figure,
    torch_threads,
)
from .problems import Problem, dense_qp, subset, to_torch

#: Gradients compared across methods (cvxpylayers has P½ instead of P).
COMMON = ("q", "G", "h", "A", "b")

#: Target speed-ups of lpgd_go (total forward + backward time per instance).
TARGETS = {"cvxpylayers": 10.0, "qpth": 3.0, "ProxSuite QPLayer": 2.0}

#: ProxSuite's "no lower bound" for the one-sided inequality rows.
PROX_INF = 1e20

#: qpth's batched LU (torch.linalg.lu_factor, float64, batch ≥ 2) hangs with
#: "Intel oneMKL ERROR: Parameter 6 was incorrect on entry to DLASWP" on this
#: torch/MKL build with 2 threads once a factored matrix reaches ~160 rows;
#: qpth then runs with one torch thread.
QPTH_LU_HANG_DIM = 150


@dataclass(frozen=True)
class QPSize:
    """One problem size: n variables, m inequalities, p equalities, the batch,
    and the (possibly smaller) batch given to cvxpylayers."""

    n: int
    m: int
    p: int
    batch: int
    cvx_batch: int

    @property
    def label(self) -> str:
        return f"n={self.n}, m={self.m}, p={self.p}"


FULL = [
    QPSize(10, 10, 2, 128, 128),
    QPSize(50, 50, 10, 128, 128),
    QPSize(200, 200, 40, 128, 16),
    # Issue 16's configurations (its targets name B = 64 at n = 50 and B = 16
    # at n = 200; B = 1 at n = 10 is bench_threads' row).
    QPSize(50, 50, 10, 64, 64),
    QPSize(200, 200, 40, 16, 16),
]
QUICK = [
    QPSize(10, 10, 2, 8, 8),
    QPSize(50, 50, 10, 8, 8),
    QPSize(200, 200, 40, 4, 2),
]


def ours(backward: str) -> Forward:
    def forward(d: dict[str, torch.Tensor]) -> torch.Tensor:
        x = lpgd_go.solve_qp(d["P"], d["q"], d["G"], d["h"], d["A"], d["b"], backward=backward)
        assert isinstance(x, torch.Tensor)
        return x

    return forward


def cvxpy_layer(n: int, m: int, p: int) -> CvxpyLayer:
    """The QP as a CvxpyLayer with parameters (P½, q, G, h, A, b)."""
    x = cp.Variable(n)
    Ph = cp.Parameter((n, n))
    q = cp.Parameter(n)
    G = cp.Parameter((m, n))
    h = cp.Parameter(m)
    A = cp.Parameter((p, n))
    b = cp.Parameter(p)
    prob = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(Ph @ x) + q @ x), [G @ x <= h, A @ x == b])
    return CvxpyLayer(prob, parameters=[Ph, q, G, h, A, b], variables=[x])


def cvxpylayers_forward(layer: CvxpyLayer) -> Forward:
    def forward(d: dict[str, torch.Tensor]) -> torch.Tensor:
        (x,) = layer(d["Ph"], d["q"], d["G"], d["h"], d["A"], d["b"])
        return x

    return forward


def qpth_forward(d: dict[str, torch.Tensor]) -> torch.Tensor:
    return QPFunction(verbose=-1)(d["P"], d["q"], d["G"], d["h"], d["A"], d["b"])


def proxsuite_forward(d: dict[str, torch.Tensor]) -> torch.Tensor:
    """ProxSuite's QPLayer: min ½xᵀPx + qᵀx s.t. Ax = b, l ≤ Gx ≤ u (l = −1e20, u = h)."""
    assert ProxQPFunction is not None
    low = torch.full_like(d["h"], -PROX_INF).detach()
    x = ProxQPFunction()(d["P"], d["q"], d["A"], d["b"], d["G"], low, d["h"])[0]
    assert isinstance(x, torch.Tensor)
    return x


def _with_sqrt(t: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """cvxpylayers' inputs: P replaced by P½ = Lᵀ with P = LLᵀ (so ½‖P½x‖² = ½xᵀPx)."""
    out = {k: v for k, v in t.items() if k != "P"}
    out["Ph"] = torch.linalg.cholesky(t["P"]).mT.contiguous()
    return out


def _accuracy(
    m: Measured, prob: Problem, ref: rf.Reference, ref_g: dict[str, np.ndarray]
) -> tuple[float, float, float]:
    """(max |x − x_ref|, median and max relative gradient error) over the batch m saw."""
    if not m.ok or m.x is None:
        return float("nan"), float("nan"), float("nan")
    B = m.x.shape[0]
    use = ref.usable[:B]
    x_err = float(np.max(np.abs(m.x.numpy()[use] - ref.x[:B][use]), initial=0.0))
    g = flat_grads(m.grads, COMMON, B)
    g_ref = np.concatenate([ref_g[k][:B].reshape(B, -1) for k in COMMON], axis=1)
    errs = rel_errors(g, g_ref)
    return x_err, nanmedian(errs), nanmax(errs)


def run(quick: bool, info: dict[str, str], seed: int = 0) -> list[Table]:
    sizes = QUICK if quick else FULL
    repeats = 1 if quick else 3
    rng = np.random.default_rng(seed)
    columns = [
        Column("size"),
        Column("method"),
        Column("batch"),
        Column("fwd ms"),
        Column("bwd ms"),
        Column("total ms"),
        Column("ms / instance"),
        Column("ratio (method / lpgd_go kkt)"),
        Column("target"),
        Column("met"),
        Column("x max abs err", fmt_err),
        Column("grad rel err (median)", fmt_err),
        Column("grad rel err (max)", fmt_err),
    ]
    notes = [
        "Dense random feasible QPs (P = LLᵀ/n + 0.1 I, h = G z0 + U(0,1) slack, b = A z0), "
        "loss = Σ x·w with random w, gradients w.r.t. every argument. Times are medians of "
        f"{repeats} repeat(s) after one warm-up, on {THREADS} threads for every method.",
        "Ratio = (method's total ms per instance) / (lpgd_go kkt's): the speed-up of lpgd_go "
        "over that method. Targets: ≥ 10× vs cvxpylayers, ≥ 3× vs qpth, ≥ 2× vs ProxSuite.",
        "Accuracy vs a tight reference: x from lpgd_go at tol 1e-12 (cross-checked with "
        "Clarabel), gradients of q, G, h, A, b from a dense numpy active-set KKT solve "
        "(independent of lpgd_go's backward code); relative error per instance on the "
        "concatenated gradient.",
        "cvxpylayers 1.2.0 with diffcp cannot take P as a DPP parameter; it gets the factor "
        "P½ = Lᵀ (P = LLᵀ) and solves ½‖P½x‖² + qᵀx through SCS (default eps 1e-4).",
    ]
    notes.append(
        "ProxSuite's QPLayer (proxsuite.torch.qplayer.QPFunction() at its defaults: forward "
        "eps 1e-9, backward eps 1e-4) solves the batch one QP after the other; its gradients "
        "come back as float32. Target: ≥ 2× (issue 16)."
    )
    table = Table(
        "qp_layer", "QP layer: lpgd_go vs cvxpylayers vs qpth vs ProxSuite", notes, columns
    )
    plot_data: list[tuple[str, dict[str, float]]] = []
    for size in sizes:
        n, m, p, B = size.n, size.m, size.p, size.batch
        log(f"qp: {size.label}, batch {B}")
        prob = dense_qp(rng, B, n, m, p)
        w = torch.as_tensor(rng.standard_normal((B, n)))
        ref = rf.tight_solution(prob)
        ref_g = rf.active_set_grads(prob, ref, w.numpy())
        cross = rf.clarabel_check(prob, ref, 3)
        t = to_torch(prob)
        wb = min(B, 8)
        warm = to_torch(subset(prob, slice(0, wb)))
        results: dict[str, tuple[int, Measured, str]] = {}

        for bw in ("kkt", "bpqp"):
            log(f"  lpgd_go ({bw})")
            results[f"lpgd_go ({bw})"] = (
                B,
                measure(ours(bw), t, ("P", *COMMON), w, repeats, warm, w[:wb]),
                "",
            )

        Bc = size.cvx_batch
        log(f"  cvxpylayers (batch {Bc})")
        layer = cvxpy_layer(n, m, p)
        tc = _with_sqrt(to_torch(subset(prob, slice(0, Bc))))
        warm_c = _with_sqrt(to_torch(subset(prob, slice(0, min(Bc, 2)))))
        results["cvxpylayers"] = (
            Bc,
            measure(
                cvxpylayers_forward(layer),
                tc,
                ("Ph", *COMMON),
                w[:Bc],
                repeats if Bc == B else max(1, repeats - 1),
                warm_c,
                w[: min(Bc, 2)],
            ),
            "cvxpylayers" if Bc == B else f"cvxpylayers (smaller batch {Bc}: too slow at {B})",
        )

        threads = 1 if max(n, m + p) >= QPTH_LU_HANG_DIM and B >= 2 else THREADS
        log(f"  qpth ({threads} torch thread(s))")
        with torch_threads(threads):  # forward and backward
            res_qpth = measure(qpth_forward, t, ("P", *COMMON), w, repeats, warm, w[:wb])
        results["qpth"] = (
            B,
            res_qpth,
            "qpth" if threads == THREADS else "qpth (1 torch thread: MKL batched-LU hang)",
        )

        if ProxQPFunction is not None:
            log("  ProxSuite QPLayer")
            results["ProxSuite QPLayer"] = (
                B,
                measure(proxsuite_forward, t, ("P", *COMMON), w, repeats, warm, w[:wb]),
                "ProxSuite QPLayer (serial; float32 gradients)",
            )

        base = results["lpgd_go (kkt)"][1].total_s / B
        per_inst: dict[str, float] = {}
        for name, (batch, res, label) in results.items():
            per = res.total_s / batch
            per_inst[name] = per * 1e3
            ratio = per / base
            key = "cvxpylayers" if name.startswith("cvxpylayers") else name
            target = TARGETS.get(key)
            x_err, g_med, g_max = _accuracy(res, prob, ref, ref_g)
            table.rows.append(
                [
                    size.label,
                    label or name,
                    batch,
                    res.fwd_s * 1e3,
                    res.bwd_s * 1e3,
                    res.total_s * 1e3,
                    per * 1e3,
                    ratio,
                    None if target is None else f"≥ {target:g}",
                    None if target is None or not res.ok else bool(ratio >= target),
                    x_err,
                    g_med,
                    g_max,
                ]
            )
        plot_data.append((f"{size.label}\nB = {B}", per_inst))
        table.notes.append(f"Reference at {size.label}: {ref.describe()}; {cross.describe()}.")
    table.write(info)
    _plot(plot_data)
    return [table]


def _plot(data: list[tuple[str, dict[str, float]]]) -> None:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    methods = list(data[0][1])
    width = 0.8 / len(methods)
    xs = np.arange(len(data))
    for i, name in enumerate(methods):
        vals = [d[1].get(name, float("nan")) for d in data]
        ax.bar(xs + (i - (len(methods) - 1) / 2) * width, vals, width, label=name)
    ax.set_xticks(xs, [d[0] for d in data])
    ax.set_yscale("log")
    ax.set_ylabel("forward + backward, ms per instance")
    ax.set_title("QP layer (batched), lower is better")
    ax.legend()
    ax.grid(axis="y", which="both", alpha=0.3)
    save_figure(fig, "qp_layer_time.png")
