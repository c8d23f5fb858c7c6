"""Shared helpers of the benchmark suite: environment, timing, tables, plots.

Every benchmark module measures lpgd_go side by side with its peers in the
same process, on the same cores (``THREADS`` torch and Go threads), and
writes a markdown table plus a CSV into ``benchmarks/results/``.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
#: Where tables and plots go (configure_output moves smoke tests aside).
RESULTS = ROOT / "benchmarks" / "results"
DOCS = ROOT / "docs"
#: Whether plots meant for the documentation are also written into docs/.
WRITE_DOCS = True


def configure_output(quick: bool) -> None:
    """Full runs write into benchmarks/results/ (and docs/); --quick smoke tests
    into benchmarks/results/quick/ and never into docs/, so that they do not
    overwrite the results of the last full run."""
    global RESULTS, WRITE_DOCS
    RESULTS = ROOT / "benchmarks" / "results" / ("quick" if quick else "")
    WRITE_DOCS = not quick


#: Threads given to torch (peers) and to the Go library (ours): the same cores.
THREADS = 2

F64 = torch.float64


# ---------------------------------------------------------------------------
# Environment
# ---------------------------------------------------------------------------


def setup_threads(n: int = THREADS) -> None:
    """Give torch and lpgd_go the same number of threads."""
    import lpgd_go

    torch.set_num_threads(n)
    lpgd_go.set_num_threads(n)


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Temporarily run torch with n threads."""
    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _go_version() -> str:
    try:
        out = subprocess.run(["go", "version"], capture_output=True, text=True, timeout=10)
        return out.stdout.strip().removeprefix("go version ") or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def machine_info() -> dict[str, str]:
    """CPU, threads, library versions and the time, for the results header."""
    import lpgd_go
    from lpgd_go import _lib

    lib = _lib.lib_path()
    lib_time = (
        datetime.fromtimestamp(lib.stat().st_mtime, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        if lib.exists()
        else "missing"
    )
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{_cpu_model()} ({os.cpu_count()} logical cores)",
        "threads": (
            f"torch {torch.get_num_threads()}, lpgd_go {lpgd_go.get_num_threads()}, "
            f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}"
        ),
        "load average at start": _loadavg(),
        "python": platform.python_version(),
        "versions": ", ".join(
            f"{name} {_version(dist)}"
            for name, dist in (
                ("lpgd_go", "lpgd_go"),
                ("torch", "torch"),
                ("numpy", "numpy"),
                ("scipy", "scipy"),
                ("cvxpy", "cvxpy"),
                ("cvxpylayers", "cvxpylayers"),
                ("diffcp", "diffcp"),
                ("qpth", "qpth"),
                ("osqp", "osqp"),
                ("scs", "scs"),
                ("clarabel", "clarabel"),
                ("proxsuite", "proxsuite"),
            )
        ),
        "go": _go_version(),
        "liblpgd.so built": lib_time,
    }


def header_lines(info: Mapping[str, str]) -> list[str]:
    """Markdown bullet lines describing the machine."""
    return [f"- {k}: {v}" for k, v in info.items()]


# ---------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------


@dataclass
class Measured:
    """Median forward/backward seconds of a few repeats and the outputs of the last.

    Attributes:
        fwd_s, bwd_s: median seconds (NaN when the method failed).
        fwd_all, bwd_all: every timed repeat.
        x: the solution of the last repeat (float64, detached).
        grads: gradients of the inputs that required one (float64).
        error: the exception text when the method failed.
    """

    fwd_s: float
    bwd_s: float
    fwd_all: list[float] = field(default_factory=list)
    bwd_all: list[float] = field(default_factory=list)
    x: torch.Tensor | None = None
    grads: dict[str, torch.Tensor] = field(default_factory=dict)
    error: str = ""

    @property
    def total_s(self) -> float:
        return self.fwd_s + self.bwd_s

    @property
    def ok(self) -> bool:
        return not self.error


Forward = Callable[[dict[str, torch.Tensor]], torch.Tensor]


def run_once(
    forward: Forward,
    inputs: Mapping[str, torch.Tensor],
    grad_names: Sequence[str],
    weight: torch.Tensor,
) -> tuple[float, float, torch.Tensor, dict[str, torch.Tensor]]:
    """Time one forward and one backward pass of loss = Σ x·weight.

    Leaf tensors are fresh copies made before the clock starts. Callers pause
    Python's garbage collector around timed loops (gc_paused).
    """
    leaves = {k: v.detach().clone().requires_grad_(k in grad_names) for k, v in inputs.items()}
    t0 = time.perf_counter()
    x = forward(leaves)
    t1 = time.perf_counter()
    loss = (x.to(F64) * weight).sum()
    loss.backward()
    t2 = time.perf_counter()
    grads = {
        k: leaves[k].grad.detach().to(F64)  # type: ignore[union-attr]
        for k in grad_names
        if leaves[k].grad is not None
    }
    return t1 - t0, t2 - t1, x.detach().to(F64), grads


#: The spaced rows and phases (bench_overhead, bench_threads): this much
#: CPU-bound work before each call, as a training step's other work puts
#: between a layer's calls.
SPACED_GAP_US = 1000.0


def spin(us: float) -> None:
    """Spin for ``us`` microseconds on the calling thread (CPU-bound work, as a
    training step's other work between a layer's calls)."""
    end = time.perf_counter_ns() + int(us * 1e3)
    while time.perf_counter_ns() < end:
        pass


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Collect once, then keep Python's cyclic GC off (as timeit does)."""
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def measure(
    forward: Forward,
    inputs: Mapping[str, torch.Tensor],
    grad_names: Sequence[str],
    weight: torch.Tensor,
    repeats: int,
    warmup: Mapping[str, torch.Tensor] | None = None,
    warmup_weight: torch.Tensor | None = None,
) -> Measured:
    """Warm up once (on ``warmup`` inputs if given, else on ``inputs``), then
    time ``repeats`` forward+backward passes and keep the medians.

    A method that raises gets NaN times and the error text instead of
    stopping the suite.
    """
    try:
        if warmup is None:
            run_once(forward, inputs, grad_names, weight)
        else:
            assert warmup_weight is not None
            run_once(forward, warmup, grad_names, warmup_weight)
        fwd: list[float] = []
        bwd: list[float] = []
        x = torch.empty(0)
        grads: dict[str, torch.Tensor] = {}
        for _ in range(repeats):
            with gc_paused():
                f, b, x, grads = run_once(forward, inputs, grad_names, weight)
            fwd.append(f)
            bwd.append(b)
        return Measured(statistics.median(fwd), statistics.median(bwd), fwd, bwd, x, grads)
    except Exception as exc:  # a peer failing must not stop the suite
        msg = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
        print(f"    ! method failed: {msg}", flush=True)
        return Measured(math.nan, math.nan, error=msg)


# ---------------------------------------------------------------------------
# Accuracy metrics
# ---------------------------------------------------------------------------


def flat_grads(grads: Mapping[str, torch.Tensor], names: Sequence[str], batch: int) -> np.ndarray:
    """Concatenate the named gradients per batch element: shape (batch, total)."""
    parts = [grads[k].reshape(batch, -1).numpy() for k in names]
    return np.concatenate(parts, axis=1)


def rel_errors(g: np.ndarray, ref: np.ndarray, floor: float = 1e-6) -> np.ndarray:
    """Per-row ‖g − ref‖ / max(‖ref‖, floor · median row norm of ref).

    The floor keeps instances whose true gradient is (numerically) zero, e.g. an
    LP vertex with n active constraints, from dividing by zero.
    """
    num = np.linalg.norm(g - ref, axis=1)
    norms = np.linalg.norm(ref, axis=1)
    scale = float(np.nanmedian(norms)) if np.isfinite(norms).any() else 1.0
    den = np.maximum(norms, max(floor * scale, 1e-300))
    return num / den


def cosines(g: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Per-row cosine similarity."""
    num = np.sum(g * ref, axis=1)
    den = np.maximum(np.linalg.norm(g, axis=1) * np.linalg.norm(ref, axis=1), 1e-300)
    return num / den


def nanmedian(v: np.ndarray) -> float:
    v = np.asarray(v, dtype=float)
    return float(np.nanmedian(v)) if np.isfinite(v).any() else math.nan


def nanmax(v: np.ndarray) -> float:
    v = np.asarray(v, dtype=float)
    return float(np.nanmax(v)) if np.isfinite(v).any() else math.nan


def nanmin(v: np.ndarray) -> float:
    v = np.asarray(v, dtype=float)
    return float(np.nanmin(v)) if np.isfinite(v).any() else math.nan


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------


def fmt_num(v: Any) -> str:
    """Compact number formatting for markdown (times, ratios)."""
    if v is None:
        return "—"
    if isinstance(v, str):
        return v
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    x = float(v)
    if math.isnan(x):
        return "—"
    if math.isinf(x):
        return "inf"
    a = abs(x)
    if a >= 100:
        return f"{x:.0f}"
    if a >= 10:
        return f"{x:.1f}"
    if a >= 0.1:
        return f"{x:.2f}"
    if a == 0:
        return "0"
    return f"{x:.2g}"


def fmt_err(v: Any) -> str:
    """Scientific formatting for errors."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    if isinstance(v, str):
        return v
    return f"{float(v):.1e}"


def fmt_cos(v: Any) -> str:
    """Cosine similarity: as many nines as it has."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    x = float(v)
    if x >= 1.0:
        return "1"
    if x >= 0.999999:
        return f"1 − {1.0 - x:.0e}"
    return f"{x:.6f}"


@dataclass
class Column:
    """A table column: its header and how its values are written in markdown."""

    name: str
    fmt: Callable[[Any], str] = fmt_num


@dataclass
class Table:
    """A result table written as markdown and CSV into benchmarks/results/.

    Attributes:
        stem: file name without extension.
        title: markdown heading.
        notes: lines written under the heading (setup, targets, caveats).
        columns: the columns.
        rows: raw values (numbers stay numbers in the CSV).
    """

    stem: str
    title: str
    notes: list[str]
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)

    def markdown(self) -> str:
        lines = [f"### {self.title}", ""]
        lines += [*self.notes, ""] if self.notes else []
        lines.append("| " + " | ".join(c.name for c in self.columns) + " |")
        lines.append("|" + "|".join("---" for _ in self.columns) + "|")
        for row in self.rows:
            cells = [c.fmt(v) for c, v in zip(self.columns, row, strict=True)]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"

    def write(self, info: Mapping[str, str]) -> Path:
        """Write <stem>.md (machine header + table) and <stem>.csv; print the table."""
        RESULTS.mkdir(parents=True, exist_ok=True)
        md = RESULTS / f"{self.stem}.md"
        md.write_text(
            f"# {self.title}\n\nMachine and versions:\n\n"
            + "\n".join(header_lines(info))
            + "\n\n"
            + self.markdown().split("\n", 2)[2]
        )
        with (RESULTS / f"{self.stem}.csv").open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow([c.name for c in self.columns])
            for row in self.rows:
                w.writerow(["" if v is None else _csv_value(v) for v in row])
        print("\n" + self.markdown(), flush=True)
        return md


def _csv_value(v: Any) -> Any:
    if isinstance(v, (np.floating, float)):
        return repr(float(v))
    if isinstance(v, (np.integer,)):
        return int(v)
    return v


# ---------------------------------------------------------------------------
# Plots
# ---------------------------------------------------------------------------


def pyplot() -> Any:
    """matplotlib.pyplot with the Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig: Any, name: str, also_docs: bool = False) -> list[Path]:
    """Save a figure as PNG into benchmarks/results/ (and docs/)."""
    paths = [RESULTS / name]
    if also_docs and WRITE_DOCS:
        DOCS.mkdir(parents=True, exist_ok=True)
        paths.append(DOCS / name)
    RESULTS.mkdir(parents=True, exist_ok=True)
    for p in paths:
        fig.savefig(p, dpi=120, bbox_inches="tight")
    pyplot().close(fig)
    return paths


def log(msg: str) -> None:
    """Progress line with a timestamp (stderr-free, flushed)."""
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def python_exe() -> str:
    return sys.executable
