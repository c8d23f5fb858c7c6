"""Reliability campaign of issue 14 ("Done means"), rerunnable by one command:

    python -m benchmarks.campaign [--quick] [--only malformed|rss|sweep|sigint|inconsistent]

Sections (results in ``benchmarks/results/campaign.md``, quick runs in
``benchmarks/results/quick/campaign.md``):

1. **Malformed inputs**: ≥ 3,000 generated bad calls across the front ends
   (``solve_qp``, ``QPLayer``, ``solve_cone``, ``ConeLayer``, ``CvxpyLayer``)
   in classes (wrong shapes, batch mismatches, dtypes, non-finite values,
   n = 0, batch 0, out-of-range integers, meta tensors, wrong types, bad
   settings and options, unknown keywords, non-symmetric / indefinite P, bad
   cones, bad sparse values, cvxpy parameter errors). Each class has its
   expected exception type. The calls run in a child process that reports
   every case; a child that dies is a crash, one that reports nothing for
   ``HANG_S`` seconds a hang (the parent kills it and resumes after the case).
2. **RSS growth** per 1,000 calls with backward, per front end, fixed shapes
   and shapes cycling through more structures than the structure cache holds.
3. **Random valid QPs** (100,000 in full mode) of the benchmark families
   (``dense_qp``, box-constrained QPs, the BPQP paper's QPs and LPs) in
   batches sharing a structure, counted by status, timed.
4. **Ctrl-C**: a child process runs a long solve (and a long backward pass);
   the parent sends SIGINT and the child reports when KeyboardInterrupt
   arrived and that the library still works.
5. **Inconsistent equalities**: the 15 systems of ``gocore/ipm/equality_test.go``
   (random parts redrawn with numpy) on both linear solvers →
   ``primal_infeasible``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import select
import signal
import subprocess
import sys
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import torch

import lpgd_go
from lpgd_go import (
    ConeLayer,
    Cones,
    QPLayer,
    SolverSettings,
    SparseMatrix,
    Status,
    solve_cone,
    solve_qp,
)

from . import problems

F64 = torch.float64
ROOT = Path(__file__).resolve().parent
#: Seconds without a report after which a malformed case counts as a hang.
HANG_S = 60.0
FRONT_ENDS = ("solve_qp", "QPLayer", "solve_cone", "ConeLayer", "CvxpyLayer")


# ---------------------------------------------------------------------------
# 1. Malformed inputs
# ---------------------------------------------------------------------------

#: Malformed-input classes and the exception each must raise.
CLASSES: dict[str, tuple[type[BaseException], ...]] = {
    "shape_dim": (ValueError,),  # one dimension of one argument off
    "shape_ndim": (ValueError,),  # too many / too few dimensions
    "batch_mismatch": (ValueError,),  # two batched arguments, different batch sizes
    "dtype": (ValueError,),  # complex, bool, strings
    "non_finite": (ValueError,),  # NaN / ±Inf somewhere
    "n_zero": (ValueError,),  # no variables
    "batch_zero": (ValueError,),  # an empty batch
    "meta": (ValueError,),  # a meta tensor (a device without data)
    "wrong_type": (ValueError,),  # None / dict / object where a tensor goes
    "settings_int_range": (ValueError,),  # ints ctypes would wrap (2**64 + 1, 10**30, -1)
    "settings_value": (ValueError,),  # bad floats, bools, choices
    "settings_key": (ValueError,),  # unknown keys, settings of a wrong type
    "options": (ValueError,),  # on_failure, return_info, backward
    "keyword": (TypeError,),  # an unknown keyword argument
    "bad_P": (ValueError,),  # non-symmetric or indefinite P
    "cones": (ValueError,),  # cone dimensions (cone front ends)
    "sparse": (ValueError,),  # SparseMatrix values of a wrong length
    "cvxpy_params": (ValueError,),  # wrong parameter count (CvxpyLayer)
}

#: Classes that do not apply to a front end.
_NOT_FOR = {
    "CvxpyLayer": {"n_zero", "bad_P", "cones", "sparse"},
    "solve_qp": {"cones", "sparse", "cvxpy_params"},
    "QPLayer": {"cones", "sparse", "cvxpy_params"},
    "solve_cone": {"cvxpy_params"},
    "ConeLayer": {"cvxpy_params"},
}


@dataclass
class Base:
    """A valid call's arguments (torch float64) for one front end."""

    front: str
    args: dict[str, Any]
    batched: set[str]
    n: int
    batch: int
    cones: Cones | None = None
    kw: dict[str, Any] = field(default_factory=dict)


def _valid(front: str, rng: np.random.Generator) -> Base:
    """A random valid problem for a front end: n ∈ [2, 6], 1–5 inequalities,
    0–1 equalities, a batch of 1–4 with a random subset of batched arguments."""
    n = int(rng.integers(2, 7))
    m = int(rng.integers(1, 6))
    p = int(rng.integers(0, 2))
    B = int(rng.integers(1, 5))
    L = rng.standard_normal((n, n))
    P = L @ L.T / n + 0.5 * np.eye(n)
    G = rng.standard_normal((m, n))
    z = rng.standard_normal(n)
    h = G @ z + 1.0
    A = rng.standard_normal((p, n))
    b = A @ z
    q = rng.standard_normal(n)

    def t(a: np.ndarray, batched: bool) -> torch.Tensor:
        x = torch.tensor(a, dtype=F64)
        return x.expand(B, *x.shape).clone() if batched else x

    if front == "CvxpyLayer":
        names = ["q", "G", "h"]
        batched = {k for k in names if rng.random() < 0.5} | {"q"}
        args = {"q": t(q, "q" in batched), "G": t(G, "G" in batched), "h": t(h, "h" in batched)}
        return Base(front, args, batched, n, B)
    if front in ("solve_qp", "QPLayer"):
        names = ["P", "q", "G", "h", "A", "b"]
        batched = {k for k in names if rng.random() < 0.5} | {"q"}
        arrs = {"P": P, "q": q, "G": G, "h": h, "A": A, "b": b}
        if p == 0:
            del arrs["A"], arrs["b"]
        args = {k: t(v, k in batched) for k, v in arrs.items()}
        return Base(front, args, batched & set(args), n, B)
    # Cone front ends: rows [A; G] with Zero(p) × Nonneg(m) × SOC(3).
    Ac = np.concatenate([A, G, np.zeros((3, n))])
    Ac[p + m, 0] = -1.0
    Ac[p + m + 1, 1] = -1.0
    bc = np.concatenate([b, h, [2.0, 0.0, 0.0]])
    names = ["P", "c", "A", "b"]
    batched = {k for k in names if rng.random() < 0.5} | {"c"}
    arrs = {"P": P, "c": q, "A": Ac, "b": bc}
    args = {k: t(v, k in batched) for k, v in arrs.items()}
    return Base(front, args, batched, n, B, cones=Cones(zero=p, nonneg=m, soc=[3]))


@cache
def _cvxpy_layer(n: int, m: int) -> Any:
    import cvxpy as cp

    from lpgd_go.cvxpy import CvxpyLayer

    x = cp.Variable(n)
    q, G, h = cp.Parameter(n), cp.Parameter((m, n)), cp.Parameter(m)
    prob = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(x) + q @ x), [G @ x <= h])
    return CvxpyLayer(prob, parameters=[q, G, h], variables=[x])


def _call(base: Base) -> Any:
    """Call the front end on base's arguments (every input requires grad when it can)."""
    a = dict(base.args)
    kw = dict(base.kw)
    for k, v in a.items():
        if isinstance(v, torch.Tensor) and v.is_floating_point() and not v.is_meta:
            a[k] = v.detach().clone().requires_grad_(True)
    f = base.front
    if f == "solve_qp":
        return solve_qp(
            a.get("P"), a.get("q"), a.get("G"), a.get("h"), a.get("A"), a.get("b"), **kw
        )
    if f == "QPLayer":
        init = {k: kw.pop(k) for k in list(kw) if k.startswith("init_")}
        layer = QPLayer(**{k[5:]: v for k, v in init.items()})
        return layer(a.get("P"), a.get("q"), a.get("G"), a.get("h"), a.get("A"), a.get("b"), **kw)
    if f == "solve_cone":
        cones = kw.pop("cones", base.cones)
        return solve_cone(a.get("P"), a.get("c"), a.get("A"), a.get("b"), cones, **kw)
    if f == "ConeLayer":
        cones = kw.pop("cones", base.cones)
        init = {k: kw.pop(k) for k in list(kw) if k.startswith("init_")}
        layer = ConeLayer(cones, **{k[5:]: v for k, v in init.items()})
        return layer(a.get("P"), a.get("c"), a.get("A"), a.get("b"), **kw)
    G = base.args["G"]
    m = int(G.shape[-2]) if isinstance(G, torch.Tensor) and G.dim() >= 2 else 1
    layer = _cvxpy_layer(base.n, m)
    params = kw.pop("params", [a["q"], a["G"], a["h"]])
    return layer(*params, **kw)


def _tensor_args(base: Base) -> list[str]:
    return [k for k, v in base.args.items() if isinstance(v, torch.Tensor)]


def _mutate(cls: str, base: Base, rng: np.random.Generator) -> Base:
    """Make base malformed in the way of class cls."""
    names = _tensor_args(base)
    name = names[int(rng.integers(len(names)))]
    t = base.args[name]
    pick = lambda seq: seq[int(rng.integers(len(seq)))]  # noqa: E731
    if cls == "shape_dim":
        shape = list(t.shape)
        # Not the batch dim of a batched argument: alone, another batch size
        # is a valid call (with other batched arguments: batch_mismatch).
        lo = 1 if name in base.batched else 0
        if lo >= len(shape):
            lo = 0
        d = int(rng.integers(lo, len(shape)))
        shape[d] = shape[d] + pick([1, 2, -1]) if shape[d] > 1 else shape[d] + pick([1, 2])
        base.args[name] = torch.randn(*shape, dtype=F64)
    elif cls == "shape_ndim":
        base.args[name] = pick([t.reshape(1, 1, *t.shape), torch.tensor(1.0, dtype=F64)])
        if base.args[name].dim() == 0 and name in ("A", "G") and base.front == "CvxpyLayer":
            base.args[name] = t.reshape(1, 1, *t.shape)
    elif cls == "batch_mismatch":
        B2 = base.batch + int(rng.integers(1, 4))
        base.args[name] = (
            (t if name not in base.batched else t[0])
            .expand(B2, *(t.shape[1:] if name in base.batched else t.shape))
            .clone()
        )
        other = pick([k for k in names if k != name])
        o = base.args[other]
        if other not in base.batched:
            base.args[other] = o.expand(base.batch, *o.shape).clone()
    elif cls == "dtype":
        kind = pick(["complex", "bool", "str"])
        if kind == "complex":
            base.args[name] = t.to(torch.complex128)
        elif kind == "bool":
            base.args[name] = t > 0
        else:
            base.args[name] = np.full(tuple(t.shape), "x")
    elif cls == "non_finite":
        u = t.clone()
        flat = u.view(-1)
        flat[int(rng.integers(flat.numel()))] = pick([float("nan"), float("inf"), -float("inf")])
        base.args[name] = u
    elif cls == "n_zero":
        base.args = {
            k: torch.zeros(*[0 if s == base.n else s for s in v.shape], dtype=F64)
            if isinstance(v, torch.Tensor)
            else v
            for k, v in base.args.items()
        }
    elif cls == "batch_zero":
        base.args[name] = torch.zeros(0, *(t.shape[1:] if name in base.batched else t.shape))
    elif cls == "meta":
        base.args[name] = t.to("meta")
    elif cls == "wrong_type":
        required = [k for k in names if k in ("q", "c", "G", "h", "A", "b")] or names
        name = pick(required)
        base.args[name] = pick([None, {"a": 1}, object(), "tensor", [[1.0], [1.0, 2.0]]])
        if base.front == "CvxpyLayer" and base.args[name] is None:
            base.args[name] = "tensor"
    elif cls == "settings_int_range":
        key = pick(["max_iter", "iter_refine_max", "equilibrate_iters"])
        val = pick([2**64 + 1, 10**30, -1, 2**63, -(2**63) - 1, 1.5])
        if key == "max_iter" and val == 1.5:
            val = 0
        base.kw["settings"] = {key: val}
    elif cls == "settings_value":
        key, val = pick(
            [
                ("tol_feas", -1e-8),
                ("tol_gap_abs", float("nan")),
                ("tol_gap_rel", float("inf")),
                ("static_reg", 0.0),
                ("max_step_fraction", 1.0),
                ("max_step_fraction", 0.0),
                ("linear_solver", "cholesky"),
                ("time_limit", -1.0),
                ("call_time_limit", float("nan")),
                ("polish", "yes"),
                ("equilibrate", 1),
                ("accept_almost_solved", 0),
                ("reduced_tol_gap", "1e-5"),
            ]
        )
        base.kw["settings"] = {key: val}
    elif cls == "settings_key":
        base.kw["settings"] = pick([{"maxiter": 5}, {"tol": 1e-3}, 42, "fast", [1, 2]])
        if base.front == "CvxpyLayer":
            base.kw["solver_args"] = pick([{"maxiter": 5}, {"tolerance": 1e-3}, 42])
            del base.kw["settings"]
    elif cls == "options":
        key, val = pick(
            [
                ("on_failure", "ignore"),
                ("on_failure", None),
                ("return_info", "yes"),
                ("backward", "adam"),
                ("backward", 3),
            ]
        )
        if base.front == "CvxpyLayer":
            if key == "return_info":
                base.kw["return_info"] = val
            else:
                base.kw["solver_args"] = {key: val}
        elif base.front in ("QPLayer", "ConeLayer") and rng.random() < 0.5:
            base.kw["init_" + key] = val
        else:
            base.kw[key] = val
    elif cls == "keyword":
        base.kw[pick(["max_iter", "verbose", "tol", "setting"])] = 1
    elif cls == "bad_P":
        P = base.args["P"]
        u = P.clone()
        if rng.random() < 0.5:  # non-symmetric
            u[..., 0, 1] += 1.0 + float(rng.random())
        else:  # indefinite
            u[..., 0, 0] = -10.0 - float(rng.random())
        base.args["P"] = u
    elif cls == "cones":
        c = base.cones
        assert c is not None
        base.kw["cones"] = pick(
            [
                "cones",
                Cones(zero=c.zero, nonneg=c.nonneg + 1, soc=c.soc),
                Cones(zero=c.zero, nonneg=c.nonneg, soc=[2]),
                lambda: Cones(nonneg=-1),
                lambda: Cones(soc=[0]),
                lambda: Cones(soc=3),  # type: ignore[arg-type]
                lambda: Cones(psd=[0]),
                lambda: Cones(nonneg=2**70),
                (c.zero, c.nonneg),
            ]
        )
    elif cls == "sparse":
        import scipy.sparse as sps

        A = base.args["A"]
        A2 = A[0] if "A" in base.batched else A
        pat = sps.csc_array(A2.detach().numpy())
        nnz = pat.nnz + pick([1, -1, 3])
        base.args["A"] = SparseMatrix(pat, torch.randn(max(nnz, 0), dtype=F64))
    elif cls == "cvxpy_params":
        params = [base.args["q"], base.args["G"], base.args["h"]]
        base.kw["params"] = pick([params[:2], [*params, params[0]], []])
    else:
        raise AssertionError(cls)
    if base.front == "CvxpyLayer" and "settings" in base.kw:
        base.kw["solver_args"] = base.kw.pop("settings")  # its settings travel there
    return base


def malformed_cases(per_class: int) -> list[tuple[str, str, int]]:
    """(class, front end, variant) of every case, in a fixed order."""
    return [
        (cls, front, v)
        for front in FRONT_ENDS
        for cls in CLASSES
        if cls not in _NOT_FOR[front]
        for v in range(per_class)
    ]


def run_case(cls: str, front: str, variant: int) -> dict[str, Any]:
    """Build and call one malformed case; its outcome as a JSON-able dict."""
    seed = _stable_seed(cls, front, variant)
    rng = np.random.default_rng(seed)
    base = _valid(front, rng)
    try:
        base = _mutate(cls, base, rng)
        kw_cones = base.kw.get("cones")
        if callable(kw_cones):  # building the bad Cones is the call that must raise
            base.kw["cones"] = kw_cones()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _call(base)
    except BaseException as exc:
        expected = CLASSES[cls]
        ok = isinstance(exc, expected)
        return {
            "outcome": "ok" if ok else "wrong",
            "exc": type(exc).__name__,
            "msg": str(exc).splitlines()[0][:200] if str(exc) else "",
        }
    return {"outcome": "accepted", "exc": "", "msg": ""}


def _stable_seed(*parts: object) -> int:
    h = 1469598103934665603
    for ch in repr(parts).encode():
        h = ((h ^ ch) * 1099511628211) % 2**64
    return h % 2**32


def _malformed_worker(start: int, per_class: int) -> None:
    """Child process: run the cases from start on, one JSON line each."""
    cases = malformed_cases(per_class)
    torch.set_num_threads(1)
    for i in range(start, len(cases)):
        cls, front, v = cases[i]
        res = run_case(cls, front, v)
        res.update({"i": i, "cls": cls, "front": front, "variant": v})
        print(json.dumps(res), flush=True)


def section_malformed(per_class: int) -> dict[str, Any]:
    """Run every malformed case in child processes; count crashes and hangs."""
    cases = malformed_cases(per_class)
    results: dict[int, dict[str, Any]] = {}
    start = 0
    t0 = time.perf_counter()
    while start < len(cases):
        cmd = [
            sys.executable,
            "-m",
            "benchmarks.campaign",
            "--worker-malformed",
            str(start),
            "--per-class",
            str(per_class),
        ]
        proc = subprocess.Popen(
            cmd, cwd=ROOT.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None
        nxt = start
        hung = False
        while True:
            ready, _, _ = select.select([proc.stdout], [], [], HANG_S)
            if not ready:
                hung = True
                proc.kill()
                break
            line = proc.stdout.readline()
            if not line:
                break
            rec = json.loads(line)
            results[rec["i"]] = rec
            nxt = rec["i"] + 1
        _, err = proc.communicate()
        if nxt >= len(cases):
            break
        cls, front, v = cases[nxt]
        tail = (err or "").strip().splitlines()[-1:] or [""]
        results[nxt] = {
            "i": nxt,
            "cls": cls,
            "front": front,
            "variant": v,
            "outcome": "hang" if hung else "crash",
            "exc": "",
            "msg": f"exit code {proc.returncode}: {tail[0][:200]}",
        }
        start = nxt + 1
    elapsed = time.perf_counter() - t0
    by_outcome = Counter(r["outcome"] for r in results.values())
    per_class: dict[str, Counter[str]] = {}
    for r in results.values():
        per_class.setdefault(r["cls"], Counter())[r["outcome"]] += 1
    bad = [r for r in results.values() if r["outcome"] != "ok"]
    return {
        "cases": len(cases),
        "outcomes": dict(by_outcome),
        "per_class": {k: dict(v) for k, v in per_class.items()},
        "bad": sorted(bad, key=lambda r: r["i"]),
        "seconds": elapsed,
    }


# ---------------------------------------------------------------------------
# 2. RSS growth per 1,000 calls with backward
# ---------------------------------------------------------------------------


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def _rss_call(front: str, n: int, batch: int) -> None:
    """One batched float64 call with backward through a front end."""
    P = (2.0 * torch.eye(n, dtype=F64)).expand(batch, n, n).clone().requires_grad_()
    q = torch.linspace(-1.0, 1.0, n, dtype=F64).repeat(batch, 1).requires_grad_()
    G = torch.eye(n, dtype=F64)
    h = torch.ones(n, dtype=F64).requires_grad_()
    if front == "qp":
        x = solve_qp(P, q, G, h)
    elif front == "cone":
        x, _, _ = solve_cone(P, q, G, h, Cones(nonneg=n))
    else:
        (x,) = _rss_cvxpy_layer(n)(q)
    x.sum().backward()


@cache
def _rss_cvxpy_layer(n: int) -> Any:
    import cvxpy as cp

    from lpgd_go.cvxpy import CvxpyLayer

    xv = cp.Variable(n)
    qp = cp.Parameter(n)
    prob = cp.Problem(cp.Minimize(cp.sum_squares(xv) + qp @ xv), [xv >= -1, xv <= 1])
    return CvxpyLayer(prob, parameters=[qp], variables=[xv])


def section_rss(calls: int) -> list[dict[str, Any]]:
    """RSS growth per 1,000 calls after a warm-up, per front end and shape mode;
    "varying" cycles through 80 sizes with the structure cache at 16, so every
    call builds a structure and evicts (frees) another."""
    rows = []
    for front in ("qp", "cone", "cvxpy"):
        for mode in ("fixed", "varying"):
            sizes = [4] if mode == "fixed" else list(range(3, 83))
            if front == "cvxpy" and mode == "varying":
                sizes = list(range(3, 23))  # cvxpy canonicalization per size is slow
            old = lpgd_go.get_structure_cache_size()
            lpgd_go.set_structure_cache_size(64 if mode == "fixed" else 16)
            try:

                def call(i: int, sizes: list[int] = sizes, front: str = front) -> None:
                    _rss_call(front, sizes[i % len(sizes)], 8)

                warm = max(len(sizes) * 3, 300)
                for i in range(warm):
                    call(i)
                gc.collect()
                before = _rss_mb()
                t0 = time.perf_counter()
                xs, ys = [], []
                for i in range(calls):
                    call(warm + i)
                    if i % 100 == 99:
                        gc.collect()
                        xs.append(i + 1)
                        ys.append(_rss_mb())
                after = ys[-1]
                # Least-squares slope of RSS against calls: robust to one
                # allocator step that a before/after difference would count.
                slope = float(np.polyfit(xs, ys, 1)[0]) if len(xs) > 1 else after - before
                rows.append(
                    {
                        "front": front,
                        "shapes": mode,
                        "structures": len(sizes),
                        "calls": calls,
                        "mb_per_1000": slope * 1000.0,
                        "mb_per_1000_diff": (after - before) / calls * 1000.0,
                        "rss_mb": after,
                        "seconds": time.perf_counter() - t0,
                        "cache_len": lpgd_go.structure_cache_len(),
                    }
                )
            finally:
                lpgd_go.set_structure_cache_size(old)
    return rows


# ---------------------------------------------------------------------------
# 3. Random valid QPs of the benchmark families
# ---------------------------------------------------------------------------

FAMILIES = ("dense_qp", "box_qp", "bpqp_qp", "bpqp_lp")


def _family_batch(rng: np.random.Generator, fam: str, batch: int) -> tuple[dict[str, Any], str]:
    """A batch of one family sharing its sizes (as sweepSizes in sweep_test.go)."""
    n = int(rng.integers(2, 25))
    p = int(rng.integers(0, n))
    m = int(rng.integers(1, 2 * n + 1))
    if fam == "dense_qp":
        prob = problems.dense_qp(rng, batch, n, m, p)
    elif fam == "box_qp":
        prob = problems.box_lp(rng, batch, n, m, p, quadratic=True)
    else:
        k = int(min(max(rng.integers(1, n + 1), 1), n - 1))
        prob = (problems.bpqp_qp if fam == "bpqp_qp" else problems.bpqp_lp)(rng, batch, n, k)
    return prob, f"n={n}"


def section_sweep(total: int, batch: int, seed: int) -> dict[str, Any]:
    """Solve ``total`` random valid QPs in batches; count the statuses."""
    rng = np.random.default_rng(seed)
    counts: Counter[str] = Counter()
    per_family: dict[str, Counter[str]] = {f: Counter() for f in FAMILIES}
    failures: list[str] = []
    iters = 0
    done = 0
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    g = 0
    while done < total:
        fam = FAMILIES[g % len(FAMILIES)]
        g += 1
        B = min(batch, total - done)
        gseed = int(rng.integers(2**31))
        prob, size = _family_batch(np.random.default_rng(gseed), fam, B)
        d = problems.to_torch(prob)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _, info = solve_qp(
                d.get("P"),
                d["q"],
                d["G"],
                d["h"],
                d.get("A") if d["A"].shape[-2] else None,
                d.get("b") if d["A"].shape[-2] else None,
                on_failure="nan",
                return_info=True,
            )
        st = info.status.tolist()
        iters += int(info.iterations.sum())
        for k, s in enumerate(st):
            name = Status(s).name.lower()
            counts[name] += 1
            per_family[fam][name] += 1
            if s != Status.SOLVED and len(failures) < 50:
                failures.append(f"{fam} {size} group seed {gseed} sample {k}: {name}")
        done += B
    return {
        "total": done,
        "batch": batch,
        "seed": seed,
        "statuses": dict(counts),
        "per_family": {f: dict(c) for f, c in per_family.items()},
        "failures": failures,
        "mean_iterations": iters / max(done, 1),
        "seconds": time.perf_counter() - t0,
        "cpu_seconds": time.process_time() - cpu0,
    }


# ---------------------------------------------------------------------------
# 4. Ctrl-C reaction time
# ---------------------------------------------------------------------------

_SIGINT_CHILD = """
import sys, time, torch
sys.path.insert(0, sys.argv[1])
import lpgd_go
mode, batch = sys.argv[2], int(sys.argv[3])
g = torch.Generator().manual_seed(0)
n, m = 40, 60
L = torch.randn(n, n, generator=g, dtype=torch.float64)
P = L @ L.T / n + 0.1 * torch.eye(n, dtype=torch.float64)
G = torch.randn(m, n, generator=g, dtype=torch.float64)
h = G @ torch.randn(n, generator=g, dtype=torch.float64) + 1.0
q = torch.randn(batch, n, generator=g, dtype=torch.float64)
lpgd_go.solve_qp(P, q[:2], G, h)  # load the library, time the structure
if mode == "backward":
    qg = q.clone().requires_grad_(True)
    x = lpgd_go.solve_qp(P, qg, G, h, backward=lpgd_go.LPGD(fast_path=False))
print("start", flush=True)
try:
    if mode == "backward":
        x.sum().backward()
    else:
        lpgd_go.solve_qp(P, q, G, h)
except KeyboardInterrupt:
    print("interrupted", time.monotonic(), flush=True)
    x = lpgd_go.solve_qp(P, q[:3], G, h)
    print("usable", bool(x.isfinite().all()), flush=True)
    sys.exit(0)
print("finished", time.monotonic(), flush=True)
"""


def section_sigint(repeats: int) -> list[dict[str, Any]]:
    """SIGINT sent 0.5 s into a long solve / backward of a child process."""
    rows = []
    for mode, batch in (("forward", 20000), ("backward", 1500)):
        for r in range(repeats):
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    _SIGINT_CHILD,
                    str(ROOT.parent / "python"),
                    mode,
                    str(batch),
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            assert proc.stdout is not None
            first = proc.stdout.readline().strip()
            time.sleep(0.5)
            sent = time.monotonic()
            proc.send_signal(signal.SIGINT)
            try:
                out, err = proc.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate()
                rows.append({"mode": mode, "repeat": r, "reaction_s": None, "note": "hang"})
                continue
            lines = out.splitlines()
            row: dict[str, Any] = {"mode": mode, "repeat": r, "reaction_s": None, "note": ""}
            if first != "start":
                row["note"] = f"child did not start: {first!r} {err.strip()[-200:]}"
            elif lines and lines[0].startswith("interrupted"):
                row["reaction_s"] = float(lines[0].split()[1]) - sent
                row["note"] = "usable" if "usable True" in lines else "NOT usable"
            else:
                row["note"] = f"not interrupted: {out.strip()[-100:]} {err.strip()[-200:]}"
            rows.append(row)
    return rows


# ---------------------------------------------------------------------------
# 5. Inconsistent equalities
# ---------------------------------------------------------------------------


def inconsistent_cases() -> list[dict[str, Any]]:
    """The 15 inconsistent equality systems of gocore/ipm/equality_test.go
    (duplicated, dependent, zero, overdetermined rows; with and without P,
    inequalities, a second-order cone; badly scaled), random parts from numpy."""
    rng = np.random.default_rng(14)
    eye = np.eye

    def box(n: int, r: float) -> tuple[np.ndarray, np.ndarray]:
        return np.concatenate([eye(n), -eye(n)]), np.full(2 * n, r)

    gb, hb = box(2, 5)
    cases: list[dict[str, Any]] = [
        {"name": "issue-example", "P": eye(2), "c": [0, 0], "A": [[1, 1], [1, 1]], "b": [1, 1.1]},
        {
            "name": "issue-example-box",
            "P": eye(2),
            "c": [1, -1],
            "A": [[1, 1], [1, 1]],
            "b": [1, 1.1],
            "G": gb,
            "h": hb,
        },
        {
            "name": "lp-box",
            "P": None,
            "c": [1, 2],
            "A": [[1, 1], [1, 1]],
            "b": [1, 1.1],
            "G": gb,
            "h": hb,
        },
        {
            "name": "sum-of-rows",
            "P": 2 * eye(3),
            "c": [1, 0, -1],
            "A": [[1, 2, 0], [0, 1, 1], [1, 3, 1]],
            "b": [1, 2, 3.5],
        },
        {
            "name": "scaled-duplicate",
            "P": eye(5),
            "c": rng.standard_normal(5),
            "A": [[1, -2, 0, 3, 1], [2, -4, 0, 6, 2]],
            "b": [1, 3],
        },
        {
            "name": "overdetermined",
            "P": eye(2),
            "c": [0, 1],
            "A": rng.standard_normal((4, 2)),
            "b": rng.standard_normal(4),
        },
        {
            "name": "zero-row",
            "P": eye(3),
            "c": [1, 1, 1],
            "A": [[1, 0, 0], [0, 0, 0]],
            "b": [0.5, 1],
        },
        {"name": "small-gap", "P": eye(2), "c": [0, 0], "A": [[1, 1], [1, 1]], "b": [1, 1.001]},
        {
            "name": "badly-scaled",
            "P": 1e3 * eye(2),
            "c": [1e3, 0],
            "A": [[1e3, 1e3], [1e3, 1e3]],
            "b": [1e3, 1.1e3],
        },
        {
            "name": "x1-twice",
            "P": eye(3),
            "c": [0, 1, 0],
            "A": [[1, 0, 0], [1, 0, 0]],
            "b": [1, 2],
            "G": -eye(3),
            "h": np.zeros(3),
        },
        {
            "name": "three-in-two",
            "P": eye(2),
            "c": [0, 0],
            "A": [[1, 1], [1, -1], [1, 0]],
            "b": [1, 0, 0.2],
        },
        {
            "name": "simplex-twice",
            "P": 0.5 * eye(20),
            "c": rng.standard_normal(20),
            "A": np.ones((2, 20)),
            "b": [1, 2],
            "G": -eye(20),
            "h": np.zeros(20),
        },
        {
            "name": "soc",
            "P": eye(3),
            "c": [0, 0, 1],
            "A": [[0, 1, 1], [0, 1, 1]],
            "b": [1, -1],
            "G": -eye(3),
            "h": np.zeros(3),
            "soc": [3],
        },
    ]
    for n, p, r in ((10, 6, 3), (30, 12, 5)):
        A = rng.standard_normal((p, r)) @ rng.standard_normal((r, n))
        L = rng.standard_normal((n, n))
        G, h = box(n, 10)
        cases.append(
            {
                "name": f"rank-{r}-of-{p}",
                "P": L @ L.T / n + 0.1 * eye(n),
                "c": rng.standard_normal(n),
                "A": A,
                "b": rng.standard_normal(p),
                "G": G,
                "h": h,
            }
        )
    return cases


def section_inconsistent() -> list[dict[str, Any]]:
    """Each case on both linear solvers: the status through ``solve_cone`` (rows
    [A; G]), and the certificate y (which the layer NaNs out for a failed
    sample) from the same call on the library's raw ABI (``_core.solve``)."""
    from lpgd_go import _core
    from lpgd_go.settings import LINEAR_SOLVERS

    rows = []
    for case in inconsistent_cases():

        def t(v: Any) -> torch.Tensor | None:
            return None if v is None else torch.as_tensor(np.asarray(v, float), dtype=F64)

        A, b, G, h, P = t(case["A"]), t(case["b"]), t(case.get("G")), t(case.get("h")), t(case["P"])
        assert A is not None and b is not None
        n = A.shape[1]
        soc = case.get("soc", [])
        mi = 0 if G is None else G.shape[0]
        rows_a = A if G is None else torch.cat([A, G])
        rows_b = b if h is None else torch.cat([b, h])
        cones = Cones(zero=A.shape[0], nonneg=mi - sum(soc), soc=soc)
        for ls in ("dense", "sparse"):
            _, _, _, info = solve_cone(
                P,
                t(case["c"]),
                rows_a,
                rows_b,
                cones,
                settings={"linear_solver": ls},
                on_failure="nan",
                return_info=True,
            )
            status = Status(int(info.status)).name.lower()
            st = _core.Structure(
                n, 0, 0, has_p=P is not None, linear_solver=LINEAR_SOLVERS[ls], cones=cones.blocks()
            )
            raw = _core.solve(
                st,
                SolverSettings(linear_solver=ls).to_c(),
                1,
                _core.Operand(None if P is None else P.contiguous(), 0),
                _core.Operand(t(case["c"]), 0),
                _core.Operand(rows_a.contiguous(), 0),
                _core.Operand(rows_b.contiguous(), 0),
            )
            y = raw.y[0]
            rows.append(
                {
                    "name": case["name"],
                    "n": n,
                    "solver": ls,
                    "status": status,
                    "raw_status": Status(int(raw.status[0])).name.lower(),
                    "bty": float(rows_b @ y),
                    "aty": float((rows_a.T @ y).abs().max()),
                }
            )
    return rows


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def _load() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def _header(quick: bool) -> list[str]:
    return [
        "# Reliability campaign (issue 14)",
        "",
        f"`python -m benchmarks.campaign{' --quick' if quick else ''}` — "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {platform.node()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, torch {torch.__version__}, "
        f"lpgd_go threads {lpgd_go.get_num_threads()}, torch threads {torch.get_num_threads()}; "
        f"load average at start {_load()}.",
        "",
    ]


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "gocore", "capi", "python/lpgd_go"],
            cwd=ROOT.parent,
            capture_output=True,
            text=True,
        ).stdout.strip()
        return out.stdout.strip() + ("+changes" if dirty else "")
    except OSError:
        return "unknown"


def report(res: dict[str, Any], quick: bool) -> str:
    out = _header(quick)
    runs = res.get("runs", {})
    if runs:
        out += ["Sections (with `--only`, a rerun replaces its section of `campaign.json`):", ""]
        out += [f"- {sec}: {when}" for sec, when in runs.items()]
        out.append("")
    if "malformed" in res:
        r = res["malformed"]
        o = r["outcomes"]
        out += [
            "## 1. Malformed inputs",
            "",
            f"{r['cases']} cases over {', '.join(FRONT_ENDS)} in {len(CLASSES)} classes "
            f"({r['seconds']:.0f} s): **{o.get('crash', 0)} crashes, {o.get('hang', 0)} hangs, "
            f"{o.get('wrong', 0)} wrong exception types, {o.get('accepted', 0)} accepted "
            f"silently**; {o.get('ok', 0)} raised the expected exception.",
            "",
            "| class | expected | ok | wrong | accepted | crash | hang |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        for cls, exp in CLASSES.items():
            c = r["per_class"].get(cls, {})
            names = "/".join(e.__name__ for e in exp)
            out.append(
                f"| {cls} | {names} | {c.get('ok', 0)} | {c.get('wrong', 0)} | "
                f"{c.get('accepted', 0)} | {c.get('crash', 0)} | {c.get('hang', 0)} |"
            )
        if r["bad"]:
            out += ["", "Cases that did not raise the expected exception (first 30):", ""]
            for b in r["bad"][:30]:
                out.append(
                    f"- #{b['i']} {b['front']} {b['cls']} v{b['variant']}: {b['outcome']} "
                    f"{b['exc']} {b['msg']}"
                )
        out.append("")
    if "rss" in res:
        out += [
            "## 2. RSS growth per 1,000 calls with backward",
            "",
            "Batch of 8 float64 problems per call, inputs requiring grad, `.sum().backward()`; "
            "after a warm-up; RSS read (after `gc.collect()`) every 100 calls, the growth is the "
            "least-squares slope. *varying*: the sizes cycle "
            "through more structures than the cache (16) holds.",
            "",
            "| front end | shapes | structures | calls | MB / 1,000 calls (slope) | "
            "(after − before) | RSS after (MB) | s |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        for row in res["rss"]:
            out.append(
                f"| {row['front']} | {row['shapes']} | {row['structures']} | {row['calls']} | "
                f"{row['mb_per_1000']:+.2f} | {row['mb_per_1000_diff']:+.2f} | "
                f"{row['rss_mb']:.0f} | {row['seconds']:.1f} |"
            )
        out.append("")
    if "sweep" in res:
        s = res["sweep"]
        out += [
            "## 3. Random valid QPs of the benchmark families",
            "",
            f"{s['total']:,} problems ({', '.join(FAMILIES)}; n ∈ [2, 24], sizes as "
            f"`sweepSizes`), batches of {s['batch']} sharing a structure, seed {s['seed']}, "
            f"default settings: **{s['seconds']:.0f} s wall, {s['cpu_seconds']:.0f} s CPU** "
            f"(load at start {res.get('sweep_load', 'n/a')}), mean "
            f"{s['mean_iterations']:.1f} iterations.",
            "",
            "| family | " + " | ".join(sorted(s["statuses"])) + " |",
            "|---|" + "---:|" * len(s["statuses"]),
        ]
        for fam, c in s["per_family"].items():
            out.append(
                f"| {fam} | " + " | ".join(str(c.get(k, 0)) for k in sorted(s["statuses"])) + " |"
            )
        out.append(
            "| **all** | " + " | ".join(str(s["statuses"][k]) for k in sorted(s["statuses"])) + " |"
        )
        if s["failures"]:
            out += ["", "Samples not `solved` (first 50):", ""]
            out += [f"- {f}" for f in s["failures"]]
        out.append("")
    if "sigint" in res:
        rows = res["sigint"]
        out += [
            "## 4. Ctrl-C reaction time",
            "",
            "A child process runs a long call (forward: 20,000 dense QPs n = 40; backward: "
            "LPGD with full re-solves on 1,500); SIGINT 0.5 s after it starts; reaction = "
            "time from the signal to KeyboardInterrupt in the child; then a new solve in the "
            "same process.",
            "",
            "| call | repeat | reaction (ms) | after |",
            "|---|---:|---:|---|",
        ]
        for row in rows:
            ms = "—" if row["reaction_s"] is None else f"{row['reaction_s'] * 1000:.0f}"
            out.append(f"| {row['mode']} | {row['repeat']} | {ms} | {row['note']} |")
        out.append("")
    if "inconsistent" in res:
        rows = res["inconsistent"]
        good = sum(r["status"] == "primal_infeasible" for r in rows)
        names = {r["name"] for r in rows}
        per_case = sum(
            all(r["status"] == "primal_infeasible" for r in rows if r["name"] == nm) for nm in names
        )
        out += [
            "## 5. Inconsistent equalities",
            "",
            f"**{per_case}/{len(names)} cases primal_infeasible on both linear solvers** "
            f"({good}/{len(rows)} solves through `solve_cone`); the certificate y of the same "
            "solve on the raw ABI: bᵀy = −1, ‖Aᵀy‖∞ ≈ 0.",
            "",
            "| case | n | solver | status | bᵀy | ‖Aᵀy‖∞ |",
            "|---|---:|---|---|---:|---:|",
        ]
        for r in rows:
            out.append(
                f"| {r['name']} | {r['n']} | {r['solver']} | {r['status']} | "
                f"{r['bty']:.3g} | {r['aty']:.1e} |"
            )
        out.append("")
    return "\n".join(out) + "\n"


SECTIONS = ("malformed", "rss", "sweep", "sigint", "inconsistent")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small counts (a smoke test)")
    ap.add_argument("--only", action="append", choices=SECTIONS, help="run only these sections")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--worker-malformed", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--per-class", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    per_class = args.per_class or (3 if args.quick else 44)
    if args.worker_malformed is not None:
        _malformed_worker(args.worker_malformed, per_class)
        return 0
    sections = args.only or list(SECTIONS)
    dest = ROOT / "results" / ("quick" if args.quick else "") / "campaign.md"
    raw = dest.with_suffix(".json")
    res: dict[str, Any] = {}
    if args.only and raw.exists():  # rerun some sections of the last run
        res = json.loads(raw.read_text())
    head = _header(args.quick)
    print("\n".join(head), flush=True)
    for sec in sections:
        t0 = time.perf_counter()
        res.setdefault("runs", {})[sec] = (
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load {_load()}, "
            f"commit {_commit()}"
        )
        print(f"[{sec}] load {_load()} ...", flush=True)
        if sec == "malformed":
            res[sec] = section_malformed(per_class)
        elif sec == "rss":
            res[sec] = section_rss(300 if args.quick else 3000)
        elif sec == "sweep":
            res["sweep_load"] = _load()
            res[sec] = section_sweep(2000 if args.quick else 100_000, 250, args.seed)
        elif sec == "sigint":
            res[sec] = section_sigint(1 if args.quick else 5)
        elif sec == "inconsistent":
            res[sec] = section_inconsistent()
        print(f"[{sec}] done in {time.perf_counter() - t0:.0f} s", flush=True)
    text = report(res, args.quick)
    dest.parent.mkdir(parents=True, exist_ok=True)
    raw.write_text(json.dumps(res, indent=1) + "\n")
    dest.write_text(text)
    print(text)
    print(f"written to {dest}")
    return 0


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())
