"""Issue 16, item 3: the dense factorization kernel against OpenBLAS, in one run.

    python -m benchmarks.bench_kernel [--quick] [--rounds R]

Times, per matrix order n = 200, 500, 1000 (n³/3 flops for a factorization,
2n³ for a product), on one core, in CPU time (user time of the measuring
process: on a loaded machine it counts the time the code ran, not the time it
waited for a core):

- ours: the dense LDLᵀ kernel of ``gocore/linsys`` on an SPD matrix (copy of
  the lower triangle, then the factorization) — the blocked right-looking form
  (``denseLDL`` from order 192) at each vector level the CPU has, and the
  row-oriented form with 4×4 tiles that ran before it (``BenchmarkLDLKernel``);
  ``Dense.Factor`` as the solver calls it (scatter of the KKT pattern's values,
  then the factorization; ``BenchmarkDenseFactor``); our GEMM ``vec.MulSubNT``
  (``BenchmarkMulSubNT``) and the core's FMA peak (register FMAs only,
  ``BenchmarkFMAPeak``);
- OpenBLAS through scipy/numpy with one thread (``threadpoolctl`` and
  ``OPENBLAS_NUM_THREADS=1``; the reference's configuration, not ours):
  ``scipy.linalg.lapack.dpotrf`` (which copies its input too) and ``numpy.dot``.

The Go benchmarks run as ``go test`` binaries built once; each round runs
every measurement once, the rounds interleave ours and the reference, and the
table gives the best and the median over rounds with the load average seen.
Results: ``benchmarks/results/kernel.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import scipy
import scipy.linalg.lapack as lapack

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SIZES = (200, 500, 1000)
# Name (metric key) → go test pattern, per package.
_LINE = re.compile(r"^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$")


def _go() -> str:
    return os.environ.get("LPGD_GO") or "go"


def build_tests(tmp: Path) -> dict[str, Path]:
    """Build the linsys and vec test binaries once."""
    out = {}
    for pkg in ("linsys", "vec"):
        exe = tmp / f"{pkg}.test"
        subprocess.run(
            [_go(), "test", "-c", "-o", str(exe), f"./gocore/{pkg}"], cwd=ROOT, check=True
        )
        out[pkg] = exe
    return out


def run_go(exe: Path, pattern: str, benchtime: str) -> dict[str, float]:
    """Run one benchmark binary; returns name → GFlop/s (CPU time)."""
    res = subprocess.run(
        [
            str(exe),
            "-test.run",
            "^$",
            "-test.bench",
            pattern,
            "-test.benchtime",
            benchtime,
            "-test.count",
            "1",
        ],
        cwd=exe.parent,
        check=True,
        capture_output=True,
        text=True,
    )
    rates: dict[str, float] = {}
    for line in res.stdout.splitlines():
        m = _LINE.match(line.strip())
        if not m:
            continue
        fields = m.group(2).split()
        for value, unit in zip(fields[::2], fields[1::2], strict=False):
            if unit == "GFlop/s":
                rates[m.group(1)] = float(value)
    return rates


def _cpu_rate(fn, flops: float, min_time: float) -> float:
    """GFlop/s of fn over repeated calls, in process CPU time."""
    fn()
    reps = 1
    while True:
        t0 = time.process_time()
        for _ in range(reps):
            fn()
        dt = time.process_time() - t0
        if dt >= min_time:
            return flops * reps / dt / 1e9
        reps *= 2


def reference_rates(min_time: float) -> dict[str, float]:
    """OpenBLAS dpotrf and dgemm, one thread."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    out: dict[str, float] = {}
    with threadpool_limits(limits=1):
        for n in SIZES:
            b = rng.standard_normal((n, n))
            a = np.asfortranarray(b @ b.T / n + np.eye(n))
            out[f"dpotrf/{n}"] = _cpu_rate(
                lambda a=a: lapack.dpotrf(a, lower=1, clean=0), n**3 / 3, min_time
            )
            c = np.empty((n, n))
            b2 = rng.standard_normal((n, n))
            out[f"dgemm/{n}"] = _cpu_rate(
                lambda b=b, b2=b2, c=c: np.dot(b, b2, out=c), 2 * n**3, min_time
            )
    return out


def openblas_info() -> str:
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            if pool.get("internal_api") == "openblas":
                return f"OpenBLAS {pool.get('version')} ({pool.get('architecture')} kernels)"
    except Exception:
        pass
    return "OpenBLAS (version unknown)"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="two short rounds (smoke test)")
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args(argv)
    rounds = 2 if args.quick else args.rounds
    benchtime = "0.1s" if args.quick else "0.5s"
    min_time = 0.1 if args.quick else 0.5

    samples: dict[str, list[float]] = defaultdict(list)
    loads: list[float] = []
    with tempfile.TemporaryDirectory() as td:
        exes = build_tests(Path(td))
        for r in range(rounds):
            loads.append(os.getloadavg()[0])
            for k, v in run_go(
                exes["linsys"], "LDLKernel/.*/(avx|generic/200)|DenseFactor", benchtime
            ).items():
                samples[k].append(v)
            for k, v in run_go(
                exes["vec"], "MulSubNT/avx.*/(200|500|1000)$|FMAPeak", benchtime
            ).items():
                samples[k].append(v)
            for k, v in reference_rates(min_time).items():
                samples[k].append(v)
            print(f"round {r + 1}/{rounds} done (load {loads[-1]:.1f})", file=sys.stderr)
    loads.append(os.getloadavg()[0])

    def stat(key: str) -> tuple[float, float] | None:
        v = samples.get(key)
        return (max(v), statistics.median(v)) if v else None

    def cell(key: str) -> str:
        s = stat(key)
        return f"{s[0]:.1f} / {s[1]:.1f}" if s else "—"

    prefix = "BenchmarkLDLKernel/blocked/"
    levels = sorted({k.split("/")[2] for k in samples if k.startswith(prefix)})
    best_level = (
        "avx512" if "avx512" in levels else ("avx2+fma" if "avx2+fma" in levels else "generic")
    )
    peak = stat(f"BenchmarkFMAPeak/{best_level}") if best_level != "generic" else None

    lines = [
        "# Dense factorization kernel vs OpenBLAS (one core)",
        "",
        "`python -m benchmarks.bench_kernel` — "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{cpu_model()}, {os.cpu_count()} CPUs, load average {min(loads):.1f}–{max(loads):.1f} "
        f"during the run, {rounds} interleaved rounds. Reference: {openblas_info()}, "
        f"numpy {np.__version__}, scipy {scipy.__version__}, one thread.",
        "",
        "GFlop/s in CPU time, **best / median** over rounds (n³/3 flops for a factorization, "
        "2n³ for a product). Ours: the LDLᵀ kernel on an SPD matrix (copy of the lower triangle "
        "+ factorization, as dpotrf copies its input), blocked right-looking form at the CPU's "
        f"vector level ({best_level}).",
        "",
        "| n | ours blocked LDLᵀ | OpenBLAS dpotrf | ours / dpotrf (best, median) "
        "| row form (before) | Dense.Factor (scatter + LDLᵀ) | our GEMM | OpenBLAS dgemm |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n in SIZES:
        ours = stat(f"{prefix}{best_level}/{n}")
        ref = stat(f"dpotrf/{n}")
        ratio = f"{ours[0] / ref[0]:.2f}×, {ours[1] / ref[1]:.2f}×" if ours and ref else "—"
        lines.append(
            f"| {n} | {cell(f'{prefix}{best_level}/{n}')} | {cell(f'dpotrf/{n}')} | {ratio} "
            f"| {cell(f'BenchmarkLDLKernel/rows/{best_level}/{n}')} "
            f"| {cell(f'BenchmarkDenseFactor/{n}')} "
            f"| {cell(f'BenchmarkMulSubNT/{best_level}/{n}')} | {cell(f'dgemm/{n}')} |"
        )
    lines.append("")
    if peak:
        lines.append(
            f"Core FMA peak ({best_level}, register FMAs, no memory operands): "
            f"{peak[0]:.1f} / {peak[1]:.1f} GFlop/s."
        )
    other = [lv for lv in levels if lv != best_level]
    if other:
        lines += [
            "",
            "Other vector levels (forced, same run), blocked LDLᵀ GFlop/s best / median:",
            "",
        ]
        lines.append("| level | " + " | ".join(f"n = {n}" for n in SIZES) + " |")
        lines.append("|---|" + "---|" * len(SIZES))
        for lv in other:
            row = " | ".join(cell(f"{prefix}{lv}/{n}") for n in SIZES)
            lines.append(f"| {lv} | {row} |")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / ("kernel_quick.md" if args.quick else "kernel.md")
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
