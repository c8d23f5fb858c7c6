"""Entry point of the benchmark suite (``make bench``, ``make bench-quick``).

    python benchmarks/run.py [--quick] [--only qp|lpgd|bpqp ...]

Runs lpgd_go and its peers side by side in this one process, on the same
threads, and writes markdown tables, CSVs and plots into benchmarks/results/
(the BPQP plots also into docs/).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

BENCHES = ("qp", "lpgd", "bpqp")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "--quick", action="store_true", help="tiny sizes and repeats (smoke test, < 2 min)"
    )
    ap.add_argument(
        "--only",
        choices=BENCHES,
        action="append",
        help="run only this benchmark (repeatable); default: all",
    )
    ap.add_argument(
        "--omp-wait-policy",
        default="unset",
        choices=("PASSIVE", "ACTIVE", "unset"),
        help="OMP_WAIT_POLICY for torch's OpenMP pool, set before torch is imported "
        "(default unset: the configuration users have; see benchmarks/README.md)",
    )
    ap.add_argument("--seed", type=int, default=0, help="random seed of the problem generators")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Must happen before torch (libgomp) is loaded: it is read once at start-up.
    if args.omp_wait_policy != "unset":
        os.environ["OMP_WAIT_POLICY"] = args.omp_wait_policy
    else:
        os.environ.pop("OMP_WAIT_POLICY", None)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

    from benchmarks import bench_bpqp, bench_lpgd, bench_qp, common
    from benchmarks.common import log, machine_info, setup_threads

    common.configure_output(quick=args.quick)
    results = common.RESULTS
    setup_threads()
    info = machine_info()
    info["mode"] = "quick (smoke test)" if args.quick else "full"
    results.mkdir(parents=True, exist_ok=True)
    print("# lpgd_go benchmarks\n")
    for k, v in info.items():
        print(f"- {k}: {v}")
    print(flush=True)
    selected = args.only or list(BENCHES)
    modules = {"qp": bench_qp, "lpgd": bench_lpgd, "bpqp": bench_bpqp}
    t0 = time.perf_counter()
    for name in BENCHES:
        if name not in selected:
            continue
        t = time.perf_counter()
        log(f"=== benchmark {name} ===")
        modules[name].run(quick=args.quick, info=info, seed=args.seed)
        log(f"=== benchmark {name} done in {time.perf_counter() - t:.0f} s ===")
    log(f"all done in {time.perf_counter() - t0:.0f} s; results in {results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
