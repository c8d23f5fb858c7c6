"""Issue 16, item 2: is the QP layer immune to torch's threading, also on a busy machine?

    python benchmarks/bench_threads.py [--quick] [--no-passive]

Users run torch at its default thread count with no OMP_* variables, often
beside other work (DataLoader workers, a second job). This benchmark runs in
exactly that configuration: it removes any OMP_*/GOMP_*/KMP_* variable from its
environment before torch (libgomp) is loaded and never calls
``lpgd_go.set_num_threads``.

One B = 1, n = 10 (m = 10, p = 2) dense QP, timed per call:

- lpgd_go ``solve_qp`` forward + backward (gradients for every argument),
- lpgd_go forward only (``torch.no_grad``),
- ProxSuite's QPLayer forward + backward (``proxsuite.torch.qplayer.QPFunction()``,
  serial, with l = −1e20 for the one-sided rows), when proxsuite is installed,

each with torch at its default thread count and with ``torch.set_num_threads(1)``,
the configurations interleaved in blocks within one process, in three phases:

- quiet: nothing started by the script (the load average of the machine is
  recorded beside each row: on a shared machine "quiet" is only relative),
- spaced: the same with 1 ms of CPU-bound Python work (untimed) before each
  call, as a training step's other work puts between a layer's calls,
- busy: the script starts two CPU-bound Python processes and a second torch
  process (default threads, 256×256 float64 matmuls in a loop) beside the
  measurement, each bounded in time (it exits by itself) and stopped when the
  phase ends.

For lpgd_go the time spent inside the library (``lpgd_solve`` + ``lpgd_backward``)
is recorded per call; total minus inside is the Python overhead of the call.
With ``--passive`` (the default) a child process repeats the default-threads
rows with ``OMP_WAIT_POLICY=PASSIVE`` as a side figure.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_OMP_PREFIXES = ("OMP_", "GOMP_", "KMP_")
_CHILD_FLAG = "--child-passive"

if __name__ == "__main__":
    # The users' configuration: no OpenMP variables. libgomp reads them once when
    # torch is loaded, so they must go before the imports below (a child started
    # with --child-passive sets OMP_WAIT_POLICY on purpose).
    if _CHILD_FLAG not in sys.argv:
        for _k in [k for k in os.environ if k.startswith(_OMP_PREFIXES)]:
            del os.environ[_k]
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import lpgd_go  # noqa: E402
from benchmarks.common import (  # noqa: E402
    SPACED_GAP_US,
    Column,
    Table,
    configure_output,
    fmt_err,
    gc_paused,
    log,
    machine_info,
    spin,
)
from lpgd_go import _lib  # noqa: E402

#: The problem of the issue's figure: B = 1, n = 10, m = 10 inequalities, p = 2 equalities.
N, M, P_EQ = 10, 10, 2
#: l = −1e20 for ProxSuite's one-sided rows (its "infinity").
PROX_INF = 1e20

Call = Callable[[], None]


# ---------------------------------------------------------------------------
# Problem and methods
# ---------------------------------------------------------------------------


def _problem(seed: int) -> dict[str, torch.Tensor]:
    """One random feasible dense QP (the generator of problems.dense_qp), batch 1."""
    rng = np.random.default_rng(seed)
    L = rng.standard_normal((N, N))
    d = {
        "P": L @ L.T / N + 0.1 * np.eye(N),
        "q": rng.standard_normal(N),
        "G": rng.standard_normal((M, N)),
        "A": rng.standard_normal((P_EQ, N)),
    }
    z0 = rng.standard_normal(N)
    d["h"] = d["G"] @ z0 + rng.random(M)
    d["b"] = d["A"] @ z0
    d["w"] = rng.standard_normal(N)
    return {k: torch.as_tensor(v[None].copy()) for k, v in d.items()}


def _leaves(d: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v.clone().requires_grad_(k != "w") for k, v in d.items()}


def lpgd_fwd_bwd(d: dict[str, torch.Tensor]) -> Call:
    def call() -> None:
        t = _leaves(d)
        x = lpgd_go.solve_qp(t["P"], t["q"], t["G"], t["h"], t["A"], t["b"])
        assert isinstance(x, torch.Tensor)
        (x * t["w"]).sum().backward()

    return call


def lpgd_forward(d: dict[str, torch.Tensor]) -> Call:
    def call() -> None:
        with torch.no_grad():
            lpgd_go.solve_qp(d["P"], d["q"], d["G"], d["h"], d["A"], d["b"])

    return call


def proxsuite_fwd_bwd(d: dict[str, torch.Tensor]) -> Call | None:
    try:
        from proxsuite.torch.qplayer import QPFunction
    except ImportError:
        return None
    low = torch.full((1, M), -PROX_INF, dtype=torch.float64)

    def call() -> None:
        t = _leaves(d)
        x = QPFunction()(t["P"], t["q"], t["A"], t["b"], t["G"], low, t["h"])[0]
        (x * t["w"]).sum().backward()

    return call


# ---------------------------------------------------------------------------
# Timing inside the library
# ---------------------------------------------------------------------------


class LibClock:
    """Wraps the library's solve and backward entry points to add up the time
    spent inside them (reset per call by the timing loop)."""

    NAMES = ("lpgd_solve", "lpgd_backward")

    def __init__(self) -> None:
        self.inside = 0.0

    @contextmanager
    def installed(self) -> Iterator[None]:
        lib = _lib.lib()
        saved = {name: getattr(lib, name) for name in self.NAMES}

        def wrap(fn: Any) -> Any:
            def timed(*args: Any) -> Any:
                t = time.perf_counter()
                try:
                    return fn(*args)
                finally:
                    self.inside += time.perf_counter() - t

            return timed

        for name, fn in saved.items():
            setattr(lib, name, wrap(fn))
        try:
            yield
        finally:
            for name, fn in saved.items():
                setattr(lib, name, fn)


def time_block(
    call: Call, calls: int, clock: LibClock, gap_us: float = 0.0
) -> tuple[list[float], list[float]]:
    """Per-call wall seconds and seconds inside the library over ``calls`` calls,
    each after ``gap_us`` of other (CPU-bound, untimed) work."""
    wall: list[float] = []
    inside: list[float] = []
    with gc_paused():
        for _ in range(calls):
            if gap_us:
                spin(gap_us)
            clock.inside = 0.0
            t = time.perf_counter()
            call()
            wall.append(time.perf_counter() - t)
            inside.append(clock.inside)
    return wall, inside


# ---------------------------------------------------------------------------
# Load
# ---------------------------------------------------------------------------

_SPIN = """
import time
end = time.monotonic() + {seconds}
x = 0
while time.monotonic() < end:
    for _ in range(100000):
        x += 1
"""

_TORCH = """
import time, torch
end = time.monotonic() + {seconds}
a = torch.randn(256, 256, dtype=torch.float64)
while time.monotonic() < end:
    for _ in range(10):
        (a @ a).sum()
"""


@contextmanager
def busy(seconds: float) -> Iterator[None]:
    """Two CPU-bound processes and a torch process beside us; each exits by
    itself after ``seconds`` and is stopped when the block ends."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_OMP_PREFIXES)}
    procs = [
        subprocess.Popen([sys.executable, "-c", code.format(seconds=seconds)], env=env)
        for code in (_SPIN, _SPIN, _TORCH)
    ]
    try:
        time.sleep(1.0)  # let them start (torch's import)
        yield
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


# ---------------------------------------------------------------------------
# Measurement
# ---------------------------------------------------------------------------

Key = tuple[str, str, int]  # phase, method, torch threads


def measure_phase(
    phase: str,
    methods: dict[str, Call],
    thread_counts: tuple[int, ...],
    repeats: int,
    calls: int,
    out: dict[Key, dict[str, list[float]]],
    gap_us: float = 0.0,
) -> None:
    """Interleave methods and torch thread counts in blocks of ``calls`` calls
    (each after ``gap_us`` of other work)."""
    clock = LibClock()
    with clock.installed():
        for rep in range(repeats):
            # Counterbalanced (ABBA): every other repeat runs the methods and the
            # thread counts in reverse order, so neither is always measured first
            # after a switch.
            order = list(methods.items()) if rep % 2 == 0 else list(methods.items())[::-1]
            counts = thread_counts if rep % 2 == 0 else thread_counts[::-1]
            for name, call in order:
                for tt in counts:
                    torch.set_num_threads(tt)
                    for _ in range(5):
                        call()
                    load0 = loadavg()
                    wall, inside = time_block(call, calls, clock, gap_us)
                    rec = out.setdefault(
                        (phase, name, tt), {"wall": [], "inside": [], "load": [], "blocks": []}
                    )
                    rec["wall"] += wall
                    rec["inside"] += inside
                    rec["load"] += [load0, loadavg()]
                    rec["blocks"].append(float(np.median(wall)))
            log(f"  {phase}: repeat {rep + 1}/{repeats} done (load {loadavg():.1f})")


#: The peer's row name (the paired "ProxSuite / this" column divides by it).
PROX_NAME = "ProxSuite QPLayer fwd+bwd"


def _methods(d: dict[str, torch.Tensor]) -> dict[str, Call]:
    methods = {
        "lpgd_go fwd+bwd": lpgd_fwd_bwd(d),
        "lpgd_go forward (no grad)": lpgd_forward(d),
    }
    prox = proxsuite_fwd_bwd(d)
    if prox is not None:
        methods[PROX_NAME] = prox
    return methods


def paired_ratio(num: dict[str, list[float]], den: dict[str, list[float]]) -> float:
    """Median over repeats of num's block median over den's in the same repeat."""
    return float(np.median(np.array(num["blocks"]) / np.array(den["blocks"])))


def child_passive(args: argparse.Namespace) -> int:
    """Child mode: the default-threads rows under OMP_WAIT_POLICY=PASSIVE, as JSON."""
    d = _problem(args.seed)
    out: dict[Key, dict[str, list[float]]] = {}
    threads = (torch.get_num_threads(),)
    measure_phase(args.phase, _methods(d), threads, args.repeats, args.calls, out)
    print(
        json.dumps({name: float(np.median(rec["wall"])) for (_, name, _), rec in out.items()}),
        flush=True,
    )
    return 0


def passive_side(args: argparse.Namespace, phase: str) -> dict[str, float]:
    """Run the child with OMP_WAIT_POLICY=PASSIVE; its medians by method (ms)."""
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    cmd = [sys.executable, __file__, _CHILD_FLAG, "--phase", phase]
    cmd += ["--repeats", str(args.repeats), "--calls", str(args.calls), "--seed", str(args.seed)]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    if res.returncode != 0:
        log(f"  PASSIVE child failed: {res.stderr.strip().splitlines()[-1:]}")
        return {}
    return {k: 1e3 * v for k, v in json.loads(res.stdout.strip().splitlines()[-1]).items()}


def run(args: argparse.Namespace) -> Table:
    configure_output(quick=args.quick)
    info = machine_info()
    default_threads = torch.get_num_threads()
    threads = (default_threads, 1) if default_threads > 1 else (1,)
    d = _problem(args.seed)
    methods = _methods(d)
    data: dict[Key, dict[str, list[float]]] = {}
    passive: dict[str, dict[str, float]] = {}
    log(f"threads: torch default {default_threads}, lpgd_go {lpgd_go.get_num_threads()}")
    log("phase quiet")
    measure_phase("quiet", methods, threads, args.repeats, args.calls, data)
    if args.passive:
        passive["quiet"] = passive_side(args, "quiet")
    log(f"phase spaced ({SPACED_GAP_US:g} µs of other work before each call)")
    measure_phase("spaced", methods, threads, args.repeats, args.calls, data, SPACED_GAP_US)
    log("phase busy (2 CPU-bound processes + a torch process beside)")
    # The busy phase measures len(methods) × len(threads) × repeats blocks of calls
    # of up to ~50 ms each on a loaded machine; the load outlives it with margin.
    budget = 120.0 + 0.1 * args.calls * args.repeats * len(methods) * len(threads)
    with busy(budget):
        measure_phase("busy", methods, threads, args.repeats, args.calls, data)
        if args.passive:
            passive["busy"] = passive_side(args, "busy")

    columns = [
        Column("phase"),
        Column("method"),
        Column("torch threads"),
        Column("median ms"),
        Column("p10 ms"),
        Column("p90 ms"),
        Column("min ms"),
        Column("default / 1 thread (median)"),
        Column("default / 1 thread (paired)"),
        Column("ProxSuite / this (paired)"),
        Column("inside library, median ms"),
        Column("Python overhead, median µs"),
        Column("load average", fmt_err),
        Column("side: PASSIVE median ms"),
    ]
    notes = [
        f"One dense QP, B = 1, n = {N}, m = {M}, p = {P_EQ}; loss = Σ x·w; forward + backward "
        "gradients for every argument. Per-call times over "
        f"{args.repeats} interleaved blocks of {args.calls} calls per row.",
        f"torch at its default thread count ({default_threads}) or 1; no OMP_* variables; "
        "lpgd_go at its default thread count. Busy = two CPU-bound Python processes and a torch "
        "process (default threads, 256×256 matmuls) started by the script beside the measurement.",
        "Paired ratios: the median over repeats of the ratio of two blocks' medians in the "
        "same repeat (blocks measured within ~0.1 s of each other, in counterbalanced order), "
        "which cancels the host's slower and faster phases that the pooled medians' ratio "
        "(the column before) mixes in; both are shown.",
        "Python overhead = total − time inside lpgd_solve + lpgd_backward (lpgd_go rows). "
        "The PASSIVE column (side figure only) is a child process with OMP_WAIT_POLICY=PASSIVE "
        "at default threads, run after the interleaved blocks of its phase.",
        f"Spaced = the quiet machine with {SPACED_GAP_US:g} µs of CPU-bound Python work "
        "(untimed) before each call, as a training step's other work puts between a "
        "layer's calls: caches are cold again, and lpgd_go's entry pays the Go runtime's "
        "wake-up of its idle monitor thread (docs/architecture.md, 'Spaced calls').",
    ]
    table = Table("threads", "Torch's threads and a busy machine: B = 1, n = 10", notes, columns)
    for (phase, name, tt), rec in data.items():
        wall = np.array(rec["wall"]) * 1e3
        inside = np.array(rec["inside"]) * 1e3
        med = float(np.median(wall))
        one = data.get((phase, name, 1))
        ratio = med / float(np.median(one["wall"]) * 1e3) if one is not None and tt != 1 else None
        paired = paired_ratio(rec, one) if one is not None and tt != 1 else None
        lib = name.startswith("lpgd_go")
        prox = data.get((phase, PROX_NAME, tt))
        vs_prox = paired_ratio(prox, rec) if prox is not None and lib else None
        table.rows.append(
            [
                phase,
                name,
                f"{tt} (default)" if tt == default_threads and tt != 1 else tt,
                med,
                float(np.percentile(wall, 10)),
                float(np.percentile(wall, 90)),
                float(wall.min()),
                ratio,
                paired,
                vs_prox,
                float(np.median(inside)) if lib else None,
                float(np.median(wall - inside)) * 1e3 if lib else None,
                f"{min(rec['load']):.1f}–{max(rec['load']):.1f}",
                passive.get(phase, {}).get(name) if tt == default_threads else None,
            ]
        )
    table.write(info)
    return table


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer calls (smoke test)")
    ap.add_argument("--repeats", type=int, default=None, help="interleaved blocks per row")
    ap.add_argument("--calls", type=int, default=None, help="calls per block")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--passive",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure OMP_WAIT_POLICY=PASSIVE in a child (side column)",
    )
    ap.add_argument(_CHILD_FLAG, dest="child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--phase", default="quiet", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.repeats is None:
        args.repeats = 2 if args.quick else 30
    if args.calls is None:
        args.calls = 30 if args.quick else 20
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        return child_passive(args)
    run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
