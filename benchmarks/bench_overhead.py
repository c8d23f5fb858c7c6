"""Issue 16: the Python overhead of a layer call (total minus time inside the library).

    python -m benchmarks.bench_overhead [--quick] [--calls N] [--profile] [--count]
    make bench-overhead

Target: ≤ 30 µs per call at B = 1, n = 10 (forward + backward).

For dense QPs through ``lpgd_go.solve_qp`` (m = n inequalities, p = n/5
equalities, random feasible, every argument batched) at B = 1 n = 10,
B = 1 n = 50 and B = 64 n = 10, per call:

- the no-grad forward (``torch.no_grad``: ``solve_qp``),
- forward + backward: ``x = solve_qp(...)`` with every argument a leaf that
  requires a gradient, then ``x.backward(w)`` (the autograd engine runs the
  layer's node and the leaves' AccumulateGrad, nothing of the benchmark's own);
  the time is the two calls' sum,

the time inside the library (every ctypes call into liblpgd.so made during the
call, measured around the foreign call itself by wrapping the library's
function objects) and the overhead = total − inside, as median and p90 over the
calls (each call's own difference). Beside them, the floor that torch sets: a
no-op ``torch.autograd.Function`` with the same inputs and outputs (forward
returns empty outputs, backward returns the inputs' zero gradients... as the
layer would: fresh tensors of the inputs' shapes), timed the same way.

Configuration: the users' — no OMP_*/GOMP_*/KMP_* variables (removed before
torch is loaded), torch at its default thread count, lpgd_go's default threads;
the load average is recorded per row (the numbers are only as quiet as the
machine). Results: ``benchmarks/results/overhead.md`` / ``.csv``.

``--count`` prints, instead, what a call executes in Python, independent of
the machine's load: bytecodes (``sys.settrace`` opcode events), Python
function calls and C calls (``sys.setprofile``) per call, for the B = 1,
n = 10 no-grad forward, forward + backward (kkt and BPQP, every argument a
leaf) and the no-op Function (torch's own share of forward + backward: the
autograd Function's ``apply`` and ``Tensor.backward``).
"""

from __future__ import annotations

import os
import sys

_OMP_PREFIXES = ("OMP_", "GOMP_", "KMP_")
if __name__ == "__main__":
    # Before torch (libgomp) is imported: the users' configuration.
    for _k in [k for k in os.environ if k.startswith(_OMP_PREFIXES)]:
        del os.environ[_k]

import argparse  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import lpgd_go  # noqa: E402
from benchmarks.common import (  # noqa: E402
    SPACED_GAP_US,
    Column,
    Table,
    configure_output,
    gc_paused,
    log,
    machine_info,
    spin,
)
from lpgd_go import _lib  # noqa: E402

#: (batch, n): m = n inequality rows, p = n // 5 equality rows.
CASES = ((1, 10), (1, 50), (64, 10))
NAMES = ("P", "q", "G", "h", "A", "b")
TARGET_US = 30.0


# ---------------------------------------------------------------------------
# Problems
# ---------------------------------------------------------------------------


def problem(batch: int, n: int, seed: int = 0) -> dict[str, torch.Tensor]:
    """A batch of random feasible dense QPs (P ≻ 0), float64, every argument batched."""
    rng = np.random.default_rng(seed)
    m, p = n, max(1, n // 5)
    L = rng.standard_normal((batch, n, n))
    z0 = rng.standard_normal((batch, n))
    G = rng.standard_normal((batch, m, n))
    A = rng.standard_normal((batch, p, n))
    d = {
        "P": L @ L.transpose(0, 2, 1) / n + 0.1 * np.eye(n),
        "q": rng.standard_normal((batch, n)),
        "G": G,
        "h": np.einsum("bij,bj->bi", G, z0) + rng.random((batch, m)),
        "A": A,
        "b": np.einsum("bij,bj->bi", A, z0),
        "w": rng.standard_normal((batch, n)),
    }
    return {k: torch.as_tensor(v) for k, v in d.items()}


# ---------------------------------------------------------------------------
# Time inside the library
# ---------------------------------------------------------------------------


class LibClock:
    """Adds up the time spent in every exported function of liblpgd.so by
    replacing the CDLL's function objects with timed wrappers (the wrapper's
    own cost, ~0.2 µs per call, counts as overhead)."""

    def __init__(self) -> None:
        self.inside = 0
        self.calls = 0

    @contextmanager
    def installed(self) -> Iterator[None]:
        lib = _lib.lib()
        names = [n for n in (*_lib._SIGNATURES, *_lib._DEBUG_SIGNATURES) if hasattr(lib, n)]
        saved = {name: getattr(lib, name) for name in names}
        clock = time.perf_counter_ns

        def wrap(fn: Any) -> Any:
            def timed(*args: Any) -> Any:
                t = clock()
                try:
                    return fn(*args)
                finally:
                    self.inside += clock() - t
                    self.calls += 1

            return timed

        for name, fn in saved.items():
            setattr(lib, name, wrap(fn))
        try:
            yield
        finally:
            for name, fn in saved.items():
                setattr(lib, name, fn)


# ---------------------------------------------------------------------------
# Calls
# ---------------------------------------------------------------------------

#: A timed call: returns the wall nanoseconds of the layer's part only.
Timed = Callable[[], int]

_wall = time.perf_counter_ns


def lpgd_forward(d: dict[str, torch.Tensor]) -> Timed:
    args = [d[k] for k in NAMES]

    def call() -> int:
        with torch.no_grad():
            t = _wall()
            lpgd_go.solve_qp(*args)
            return _wall() - t

    return call


def _fwd_bwd(fn: Callable[..., torch.Tensor], d: dict[str, torch.Tensor]) -> Timed:
    leaves = [d[k].clone().requires_grad_(True) for k in NAMES]
    w = d["w"]

    def call() -> int:
        for t in leaves:
            t.grad = None
        t0 = _wall()
        x = fn(*leaves)
        t1 = _wall()
        x.backward(w)
        return _wall() - t1 + (t1 - t0)

    return call


def lpgd_fwd_bwd(d: dict[str, torch.Tensor]) -> Timed:
    return _fwd_bwd(lpgd_go.solve_qp, d)


class _NoOp(torch.autograd.Function):
    """The floor: an autograd Function that does nothing but return a fresh
    output (forward) and fresh gradients of its inputs' shapes (backward)."""

    @staticmethod
    def forward(ctx: Any, *inputs: torch.Tensor) -> torch.Tensor:
        ctx.shapes = [t.shape for t in inputs]
        return torch.empty(inputs[1].shape, dtype=inputs[1].dtype)

    @staticmethod
    def backward(ctx: Any, gx: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return tuple(torch.empty(s, dtype=gx.dtype) for s in ctx.shapes)


def noop_fwd_bwd(d: dict[str, torch.Tensor]) -> Timed:
    return _fwd_bwd(_NoOp.apply, d)


def measure(
    call: Timed, calls: int, clock: LibClock, gap_us: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """(wall ns, ns inside the library) per call over ``calls`` calls after a warm-up,
    with ``gap_us`` of other work before each call (not timed)."""
    for _ in range(max(20, calls // 10)):
        call()
    wall, inside = np.zeros(calls), np.zeros(calls)
    with gc_paused():
        for i in range(calls):
            if gap_us:
                spin(gap_us)
            clock.inside = 0
            wall[i] = call()
            inside[i] = clock.inside
    return wall, inside


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def _med(v: np.ndarray) -> float:
    return float(np.median(v)) / 1e3


def _p90(v: np.ndarray) -> float:
    return float(np.percentile(v, 90)) / 1e3


def run(calls: int) -> Table:
    clock = LibClock()
    table = Table(
        "overhead",
        "Python overhead of a dense QP layer call (issue 16)",
        [
            f"Per call, µs, {calls} calls per row ({max(20, calls // 4)} for the 'apart' "
            "rows) after warm-up. overhead = total − time "
            "inside liblpgd.so (each call's own difference; the ctypes calls timed by "
            "wrappers around the library's function objects, whose own ~0.2 µs counts as "
            "overhead), target ≤ 30 µs at B = 1 n = 10 forward + backward. m = n, "
            "p = n/5, every argument batched; for fwd+bwd a leaf requiring a gradient, "
            "backward `x.backward(w)`. 'no-op autograd.Function' is the floor torch sets "
            "(same inputs, fresh outputs, nothing else; overhead above it = ours). "
            f"Torch at its default threads ({torch.get_num_threads()}), lpgd_go "
            f"{lpgd_go.get_num_threads()} threads, no OMP_* variables. Wall time: on a busy "
            "machine every figure grows (the load average is in each row). The "
            f"'{SPACED_GAP_US / 1000:g} ms apart' rows spin {SPACED_GAP_US:g} µs of Python "
            "between calls "
            "(not timed), as a training step's other work would: the time inside the "
            "library then includes the Go runtime's wake-up of its idle monitor thread "
            "(sysmon) on entry, which back-to-back calls do not pay (see "
            "docs/architecture.md).",
        ],
        [
            Column("B"),
            Column("n"),
            Column("call"),
            Column("total median µs"),
            Column("total p90 µs"),
            Column("inside median µs"),
            Column("overhead median µs"),
            Column("overhead p90 µs"),
            Column("library calls"),
            Column("load avg"),
        ],
    )
    for batch, n in CASES:
        d = problem(batch, n)
        rows: list[tuple[str, Timed, bool, float]] = [
            ("no-grad forward", lpgd_forward(d), True, 0.0),
            ("forward + backward", lpgd_fwd_bwd(d), True, 0.0),
        ]
        if batch == 1 and n == 10:
            rows.append(("no-op autograd.Function fwd+bwd", noop_fwd_bwd(d), False, 0.0))
            apart = f", {SPACED_GAP_US / 1000:g} ms apart"
            rows.append(("no-grad forward" + apart, lpgd_forward(d), True, SPACED_GAP_US))
            rows.append(("forward + backward" + apart, lpgd_fwd_bwd(d), True, SPACED_GAP_US))
        for label, call, ours, gap in rows:
            log(f"B={batch} n={n} {label}")
            n_calls = calls if not gap else max(20, calls // 4)
            with clock.installed():
                clock.calls = 0
                wall, inside = measure(call, n_calls, clock, gap)
                per_call = clock.calls / (n_calls + max(20, n_calls // 10))
            over = wall - inside
            table.rows.append(
                [
                    batch,
                    n,
                    label,
                    _med(wall),
                    _p90(wall),
                    _med(inside) if ours else None,
                    _med(over),
                    _p90(over),
                    round(per_call, 2) if ours else None,
                    _loadavg(),
                ]
            )
    return table


def profile(calls: int) -> None:
    """cProfile of the B = 1 n = 10 forward + backward (top functions by own time)."""
    import cProfile
    import pstats

    call = lpgd_fwd_bwd(problem(1, 10))
    for _ in range(50):
        call()
    pr = cProfile.Profile()
    pr.enable()
    for _ in range(calls):
        call()
    pr.disable()
    pstats.Stats(pr).sort_stats("tottime").print_stats(30)


def count(calls: int) -> None:
    """Bytecodes, Python calls and C calls per call (``--count``; see the module doc)."""
    d = problem(1, 10)
    rows: list[tuple[str, Timed]] = [
        ("no-grad forward", lpgd_forward(d)),
        ("forward + backward (kkt)", lpgd_fwd_bwd(d)),
        ("forward + backward (bpqp)", _fwd_bwd(_with_backward("bpqp"), d)),
        ("no-op autograd.Function fwd+bwd", noop_fwd_bwd(d)),
    ]
    n = {"opcode": 0, "call": 0, "c_call": 0}

    def trace(frame: Any, event: str, arg: Any) -> Any:
        frame.f_trace_opcodes = True
        if event == "opcode":
            n["opcode"] += 1
        return trace

    def prof(frame: Any, event: str, arg: Any) -> None:
        if event in ("call", "c_call"):
            n[event] += 1

    for label, call in rows:
        for _ in range(20):
            call()
        n.update(opcode=0, call=0, c_call=0)
        sys.settrace(trace)
        for _ in range(calls):
            call()
        sys.settrace(None)
        sys.setprofile(prof)
        for _ in range(calls):
            call()
        sys.setprofile(None)
        per = {k: v / calls for k, v in n.items()}
        print(
            f"B=1 n=10 {label}: {per['opcode']:.0f} bytecodes, {per['call']:.0f} Python "
            f"calls, {per['c_call']:.0f} C calls per call"
        )


def _with_backward(method: str) -> Callable[..., torch.Tensor]:
    def fn(*args: torch.Tensor) -> torch.Tensor:
        x = lpgd_go.solve_qp(*args, backward=method)
        assert isinstance(x, torch.Tensor)
        return x

    return fn


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="few calls (smoke test)")
    ap.add_argument("--calls", type=int, default=0, help="calls per row (default 2000; quick 100)")
    ap.add_argument("--profile", action="store_true", help="print a cProfile of B=1 n=10 fwd+bwd")
    ap.add_argument(
        "--count", action="store_true", help="print bytecodes and calls per call (load-free)"
    )
    args = ap.parse_args(argv)
    calls = args.calls or (100 if args.quick else 2000)
    if args.count:
        count(args.calls or 50)
        return 0
    if args.profile:
        profile(calls)
        return 0
    configure_output(quick=args.quick)
    info = machine_info()
    table = run(calls)
    info["load average at end"] = _loadavg()
    table.write(info)
    return 0


if __name__ == "__main__":
    sys.exit(main())
