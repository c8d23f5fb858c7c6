"""Maros–Mészáros QPs: solve rate and time of lpgd_go vs Clarabel vs OSQP.

Problems (../shared/data/maros_meszaros/*.mat, 137 QPs) have the form

    minimize ½xᵀPx + qᵀx + r   subject to   l ≤ Ax ≤ u      (±1e20: infinite)

and are converted to the conic form Ax + s = b, s ∈ Zero × Nonneg: rows with
l == u become equality rows, every finite upper bound a row ``A_i x + s = u_i``
and every finite lower bound a row ``−A_i x + s = −l_i`` (s ≥ 0); rows with
both bounds infinite are dropped. lpgd_go (``solve_cone``, defaults but
max_iter 200) and Clarabel (Python, defaults) get the same conic data;
OSQP gets the original form (eps_abs = eps_rel = 1e-7, polishing on,
max_iter 10⁶, its own time limit).

**Solved** means: the returned point passes an independent check at relative
tolerance ε = 1e-6 on the original QP, whatever the solver's status says.
With z = Π_[l,u](Ax) and the OSQP-form dual y (y₊ on upper, y₋ on lower
bounds; a component of the wrong sign for an infinite bound is dropped):

    primal: ‖Ax − z‖∞            ≤ ε (1 + max(‖Ax‖∞, ‖z‖∞))
    dual:   ‖Px + q + Aᵀy‖∞      ≤ ε (1 + max(‖Px‖∞, ‖Aᵀy‖∞, ‖q‖∞))
    gap:    |xᵀPx + qᵀx + uᵀy₊ − lᵀy₋| ≤ ε (1 + max(|f|, |g|)),
            f = ½xᵀPx + qᵀx,  g = −½xᵀPx − uᵀy₊ + lᵀy₋.

Times are wall-clock seconds of setup + solve (the data already in memory, the
structure analysis included), each solve in a worker process with a
per-problem time limit (60 s; 10 s in --quick, which also skips problems with
nnz(P) + nnz(A) > 10 000). The shifted geometric mean uses a shift of 1 s
(``exp(mean(log(t + 1))) − 1``) and charges a failed or timed-out problem the
time limit. Results: benchmarks/results/bench_maros.{md,csv}.
"""

from __future__ import annotations

import argparse
import csv
import math
import multiprocessing as mp
import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.io as sio
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "maros_meszaros"
RESULTS = ROOT / "benchmarks" / "results"
INF = 1e19  # |bound| >= this is infinite (the files use ±1e20, some rounded up)
EPS = 1e-6
SHIFT = 1.0
SOLVERS = ("lpgd_go", "clarabel", "osqp")
QUICK_NNZ = 10_000
LIB_STAMP = ""


def lib_stamp() -> str:
    """Modification time and hash prefix of the Go library the run used."""
    import datetime
    import hashlib

    path = ROOT / "python" / "lpgd_go" / "_lib" / "liblpgd.so"
    if not path.is_file():
        return "liblpgd.so: missing"
    when = datetime.datetime.fromtimestamp(path.stat().st_mtime, tz=datetime.timezone.utc)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return f"liblpgd.so built {when:%Y-%m-%d %H:%M} UTC (sha256 {digest})"


# ---------------------------------------------------------------------------
# Problem data
# ---------------------------------------------------------------------------


@dataclass
class QP:
    name: str
    P: sp.csc_matrix  # full symmetric
    q: np.ndarray
    r: float
    A: sp.csc_matrix
    l: np.ndarray
    u: np.ndarray

    @property
    def n(self) -> int:
        return int(self.P.shape[0])

    @property
    def nnz(self) -> int:
        return int(self.P.nnz + self.A.nnz)


@dataclass
class Conic:
    P: sp.csc_matrix
    c: np.ndarray
    A: sp.csc_matrix
    b: np.ndarray
    zero: int
    nonneg: int
    eq_rows: np.ndarray  # original row of every conic row, by block
    up_rows: np.ndarray
    lo_rows: np.ndarray


def load(name: str) -> QP:
    d = sio.loadmat(str(DATA / f"{name}.mat"))
    P = sp.csc_matrix(d["P"], dtype=np.float64)
    A = sp.csc_matrix(d["A"], dtype=np.float64)
    return QP(
        name=name,
        P=P,
        q=np.asarray(d["q"], dtype=np.float64).reshape(-1),
        r=float(np.asarray(d["r"]).item()),
        A=A,
        l=np.asarray(d["l"], dtype=np.float64).reshape(-1),
        u=np.asarray(d["u"], dtype=np.float64).reshape(-1),
    )


def problem_names() -> list[str]:
    return sorted(p.stem for p in DATA.glob("*.mat"))


def to_conic(qp: QP) -> Conic:
    l, u = qp.l, qp.u
    lo_fin, up_fin = l > -INF, u < INF
    eq = lo_fin & up_fin & (l == u)
    up = up_fin & ~eq
    lo = lo_fin & ~eq
    eq_rows, up_rows, lo_rows = (np.nonzero(mask)[0] for mask in (eq, up, lo))
    Ar = sp.csr_matrix(qp.A)
    A = sp.vstack([Ar[eq_rows], Ar[up_rows], -Ar[lo_rows]], format="csc")
    b = np.concatenate([u[eq_rows], u[up_rows], -l[lo_rows]])
    return Conic(
        P=qp.P,
        c=qp.q,
        A=A,
        b=b,
        zero=len(eq_rows),
        nonneg=len(up_rows) + len(lo_rows),
        eq_rows=eq_rows,
        up_rows=up_rows,
        lo_rows=lo_rows,
    )


def conic_dual_to_qp(qp: QP, cd: Conic, y: np.ndarray) -> np.ndarray:
    """The OSQP-form dual (Px + q + Aᵀy = 0) from a conic dual."""
    yq = np.zeros(qp.A.shape[0])
    k = 0
    for rows, sign in ((cd.eq_rows, 1.0), (cd.up_rows, 1.0), (cd.lo_rows, -1.0)):
        np.add.at(yq, rows, sign * y[k : k + len(rows)])
        k += len(rows)
    return yq


def check(qp: QP, x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Relative primal residual, dual residual and gap of (x, y) on the original QP
    (each must be ≤ EPS for "solved"); see the module docstring."""
    if x is None or y is None or not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        return math.inf, math.inf, math.inf
    l, u = qp.l, qp.u
    Ax = qp.A @ x
    z = np.clip(Ax, np.where(l > -INF, l, -np.inf), np.where(u < INF, u, np.inf))
    norm = lambda v: float(np.max(np.abs(v))) if v.size else 0.0  # noqa: E731
    prim = norm(Ax - z) / (1.0 + max(norm(Ax), norm(z)))
    yp = np.where(u < INF, np.maximum(y, 0.0), 0.0)
    ym = np.where(l > -INF, np.maximum(-y, 0.0), 0.0)
    yy = yp - ym
    Px = qp.P @ x
    Aty = qp.A.T @ yy
    dual = norm(Px + qp.q + Aty) / (1.0 + max(norm(Px), norm(Aty), norm(qp.q)))
    xPx = float(x @ Px)
    f = 0.5 * xPx + float(qp.q @ x)
    lin = float(np.where(u < INF, u, 0.0) @ yp - np.where(l > -INF, l, 0.0) @ ym)
    g = -0.5 * xPx - lin
    gap = abs(f - g) / (1.0 + max(abs(f), abs(g)))
    return prim, dual, gap


# ---------------------------------------------------------------------------
# Solvers (run inside the worker process)
# ---------------------------------------------------------------------------


def solve_lpgd(qp: QP, limit: float) -> dict[str, Any]:
    import torch

    import lpgd_go

    cd = to_conic(qp)
    with torch.no_grad():
        t0 = time.perf_counter()
        x, y, _s, info = lpgd_go.solve_cone(
            cd.P,
            torch.from_numpy(cd.c),
            cd.A,
            torch.from_numpy(cd.b),
            lpgd_go.Cones(zero=cd.zero, nonneg=cd.nonneg),
            settings={"max_iter": 200},
            on_failure="nan",
            return_info=True,
        )
        t = time.perf_counter() - t0
    lpgd_go.clear_structure_cache()
    xs, ys = x.numpy(), y.numpy()
    return {
        "time": t,
        "status": lpgd_go.Status(int(info.status)).name.lower(),
        "iters": int(info.iterations),
        "x": xs,
        "y": conic_dual_to_qp(qp, cd, ys),
    }


def solve_clarabel(qp: QP, limit: float) -> dict[str, Any]:
    import clarabel

    cd = to_conic(qp)
    Pu = sp.triu(cd.P, format="csc")
    cones = []
    if cd.zero:
        cones.append(clarabel.ZeroConeT(cd.zero))
    if cd.nonneg:
        cones.append(clarabel.NonnegativeConeT(cd.nonneg))
    st = clarabel.DefaultSettings()
    st.verbose = False
    st.time_limit = limit
    t0 = time.perf_counter()
    solver = clarabel.DefaultSolver(Pu, cd.c, cd.A, cd.b, cones, st)
    sol = solver.solve()
    t = time.perf_counter() - t0
    return {
        "time": t,
        "status": str(sol.status),
        "iters": int(sol.iterations),
        "x": np.asarray(sol.x),
        "y": conic_dual_to_qp(qp, cd, np.asarray(sol.z)),
    }


def solve_osqp(qp: QP, limit: float) -> dict[str, Any]:
    import osqp

    l = np.where(qp.l > -INF, qp.l, -np.inf)
    u = np.where(qp.u < INF, qp.u, np.inf)
    t0 = time.perf_counter()
    m = osqp.OSQP()
    m.setup(
        sp.triu(qp.P, format="csc"),
        qp.q,
        qp.A,
        l,
        u,
        verbose=False,
        eps_abs=1e-7,
        eps_rel=1e-7,
        polish=True,
        max_iter=1_000_000,
        time_limit=limit,
    )
    res = m.solve()
    t = time.perf_counter() - t0
    return {
        "time": t,
        "status": str(res.info.status),
        "iters": int(res.info.iter),
        "x": None if res.x is None else np.asarray(res.x, dtype=np.float64),
        "y": None if res.y is None else np.asarray(res.y, dtype=np.float64),
    }


_SOLVE = {"lpgd_go": solve_lpgd, "clarabel": solve_clarabel, "osqp": solve_osqp}


def _worker(conn: Any) -> None:
    if str(ROOT / "python") not in sys.path:
        sys.path.insert(0, str(ROOT / "python"))
    while True:
        task = conn.recv()
        if task is None:
            return
        solver, name, limit = task
        try:
            qp = load(name)
            out = _SOLVE[solver](qp, limit)
            prim, dual, gap = check(qp, out.pop("x"), out.pop("y"))
            out.update(prim=prim, dual=dual, gap=gap, error="")
        except Exception as exc:  # a crash is a failed solve, reported
            out = {"time": math.nan, "status": "error", "iters": 0, "error": repr(exc)[:200]}
            out.update(prim=math.inf, dual=math.inf, gap=math.inf)
        conn.send(out)


class _Worker:
    """A spawned process that solves one problem at a time; killed on timeout."""

    def __init__(self) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child,), daemon=True)
        self.proc.start()

    def run(self, solver: str, name: str, limit: float) -> dict[str, Any] | None:
        self.conn.send((solver, name, limit))
        # Grace for loading/conversion on top of the solver's limit.
        if self.conn.poll(limit + 30.0):
            try:
                return self.conn.recv()  # type: ignore[no-any-return]
            except EOFError:
                return None
        return None

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join()

    def close(self) -> None:
        try:
            self.conn.send(None)
            self.proc.join(timeout=10)
        finally:
            if self.proc.is_alive():
                self.kill()


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------


def sgm(times: list[float], shift: float = SHIFT) -> float:
    return float(math.exp(np.mean([math.log(t + shift) for t in times])) - shift)


def main(quick: bool = False) -> dict[str, Any]:
    global LIB_STAMP
    LIB_STAMP = lib_stamp()
    limit = 10.0 if quick else 60.0
    names = problem_names()
    if not names:
        raise SystemExit(f"no problems found in {DATA}")
    sizes = {}
    for nm in names:
        qp = load(nm)
        sizes[nm] = (qp.n, qp.A.shape[0], qp.nnz)
    if quick:
        names = [nm for nm in names if sizes[nm][2] <= QUICK_NNZ]
    RESULTS.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    workers = {s: _Worker() for s in SOLVERS}
    t_start = time.time()
    try:
        for i, nm in enumerate(names):
            for s in SOLVERS:
                out = workers[s].run(s, nm, limit)
                if out is None:  # timed out or died: restart the worker
                    workers[s].kill()
                    workers[s] = _Worker()
                    out = {"time": math.inf, "status": "timeout", "iters": 0, "error": ""}
                    out.update(prim=math.inf, dual=math.inf, gap=math.inf)
                ok = max(out["prim"], out["dual"], out["gap"]) <= EPS and out["time"] <= limit
                n, m, nnz = sizes[nm]
                rows.append(
                    {"problem": nm, "n": n, "m": m, "nnz": nnz, "solver": s, **out, "solved": ok}
                )
            last = rows[-len(SOLVERS) :]
            summary = "  ".join(
                f"{r['solver']}={'ok' if r['solved'] else 'FAIL'}({r['time']:.3g}s,{r['status']})"
                for r in last
            )
            print(f"[{i + 1}/{len(names)}] {nm:10s} {summary}", flush=True)
    finally:
        for w in workers.values():
            w.close()
    elapsed = time.time() - t_start
    return _report(rows, names, limit, quick, elapsed)


def _report(
    rows: list[dict[str, Any]], names: list[str], limit: float, quick: bool, elapsed: float
) -> dict[str, Any]:
    suffix = "_quick" if quick else ""
    csv_path = RESULTS / f"bench_maros{suffix}.csv"
    fields = ["problem", "n", "m", "nnz", "solver", "solved", "status", "time", "iters"]
    fields += ["prim", "dual", "gap", "error"]
    with csv_path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow(r)
    summary: dict[str, Any] = {}
    lines = [
        f"# Maros–Mészáros QPs{' (quick)' if quick else ''}",
        "",
        f"{len(names)} problems; solved = independent check at relative tolerance {EPS:g} "
        f"(primal residual, dual residual, gap; see bench_maros.py); time limit {limit:g} s per "
        f"problem; shifted geometric mean (shift {SHIFT:g} s) with failures charged the limit. "
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs "
        f"(shared with other jobs); wall time of the run {elapsed / 60:.1f} min; {LIB_STAMP}.",
        "",
        "| solver | solved | solve rate | SGM time (s) | SGM on problems all solved (s) |",
        "|---|---|---|---|---|",
    ]
    all_solved = [nm for nm in names if all(r["solved"] for r in rows if r["problem"] == nm)]
    for s in SOLVERS:
        rs = [r for r in rows if r["solver"] == s]
        solved = sum(1 for r in rs if r["solved"])
        times = [r["time"] if r["solved"] else limit for r in rs]
        common = [r["time"] for r in rs if r["problem"] in all_solved]
        summary[s] = {
            "solved": solved,
            "total": len(rs),
            "sgm": sgm(times) if times else math.nan,
            "sgm_common": sgm(common) if common else math.nan,
        }
        lines.append(
            f"| {s} | {solved}/{len(rs)} | {100.0 * solved / max(1, len(rs)):.1f}% | "
            f"{summary[s]['sgm']:.4f} | {summary[s]['sgm_common']:.4f} "
            f"({len(all_solved)} problems) |"
        )
    lines += ["", "## Per problem", "", "| problem | n | m | nnz | " + " | ".join(SOLVERS) + " |"]
    lines.append("|---|---|---|---|" + "---|" * len(SOLVERS))
    for nm in names:
        rs = {r["solver"]: r for r in rows if r["problem"] == nm}
        any_r = next(iter(rs.values()))
        cells = []
        for s in SOLVERS:
            r = rs[s]
            mark = "" if r["solved"] else " ✗"
            cells.append(f"{r['time']:.3g} s ({r['status']}){mark}")
        lines.append(
            f"| {nm} | {any_r['n']} | {any_r['m']} | {any_r['nnz']} | " + " | ".join(cells) + " |"
        )
    md = "\n".join(lines) + "\n"
    (RESULTS / f"bench_maros{suffix}.md").write_text(md)
    print(md)
    return summary


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small problems, 10 s limit")
    main(quick=ap.parse_args().quick)
