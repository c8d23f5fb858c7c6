"""Thread counts change nothing, and the layer's call path never enters torch's thread pool.

The second property is what keeps the layer fast on a busy machine (issue 16,
docs/architecture.md "Threads"): one OpenMP parallel region per call keeps
torch's worker threads spinning. It is checked by counting libgomp's
``GOMP_parallel`` calls with a small LD_PRELOAD shim in a child process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

import lpgd_go
from lpgd_go import solve_qp

from conftest import make_qp_batch

ARGS = ("P", "q", "G", "h", "A", "b")


def _run(B: int, shared: tuple[str, ...]) -> tuple[torch.Tensor, ...]:
    """x and the gradients of every argument of a seeded QP batch."""
    qb = make_qp_batch(B, n=6, m_ineq=7, p=2, seed=11)
    args = dict(zip(ARGS, qb.args(), strict=True))
    for k in shared:
        args[k] = args[k][0]
    if shared:  # keep every sample feasible: x_0 satisfies all constraints
        x0 = qb.x[0]
        if "h" not in shared:
            args["h"] = args["G"] @ x0 + 0.5
        if "b" not in shared:
            args["b"] = args["A"] @ x0 + torch.zeros(B, 1, dtype=x0.dtype)
    leaves = {k: v.detach().clone().requires_grad_(True) for k, v in args.items()}
    x = solve_qp(*(leaves[k] for k in ARGS))
    assert isinstance(x, torch.Tensor)
    w = torch.linspace(-1.0, 1.0, x.shape[-1], dtype=x.dtype)
    (x * w).sum().backward()
    return (x.detach(), *(leaves[k].grad for k in ARGS))  # type: ignore[misc]


@pytest.mark.parametrize(("B", "shared"), [(1, ()), (7, ()), (7, ("P", "G", "h"))])
def test_results_identical_whatever_the_thread_counts(
    lib: object, B: int, shared: tuple[str, ...]
) -> None:
    torch_before, go_before = torch.get_num_threads(), lpgd_go.get_num_threads()
    try:
        torch.set_num_threads(1)
        lpgd_go.set_num_threads(1)
        ref = _run(B, shared)
        for tt, gt in [(2, 1), (1, 3), (2, 2), (3, 7), (1, 0)]:
            torch.set_num_threads(tt)
            lpgd_go.set_num_threads(gt)
            got = _run(B, shared)
            for name, r, g in zip(("x", *ARGS), ref, got, strict=True):
                assert torch.equal(r, g), f"{name} differs at torch {tt}, lpgd_go {gt} threads"
    finally:
        torch.set_num_threads(torch_before)
        lpgd_go.set_num_threads(0 if go_before == os.cpu_count() else go_before)


_SHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
static long count;
long gomp_parallel_count(void) { return __atomic_load_n(&count, __ATOMIC_SEQ_CST); }
typedef void (*parallel_fn)(void (*)(void *), void *, unsigned, unsigned);
void GOMP_parallel(void (*fn)(void *), void *data, unsigned n, unsigned flags) {
    static parallel_fn real;
    if (!real) real = (parallel_fn)dlsym(RTLD_NEXT, "GOMP_parallel");
    __atomic_add_fetch(&count, 1, __ATOMIC_SEQ_CST);
    real(fn, data, n, flags);
}
"""

_CHILD = r"""
import ctypes, json, sys
import torch
import lpgd_go
sys.path.insert(0, sys.argv[1])
from conftest import make_qp_batch
shim = ctypes.CDLL(sys.argv[2]); shim.gomp_parallel_count.restype = ctypes.c_long
torch.set_num_threads(2)
out = {}
def regions(f):
    f()  # warm-up (first calls may initialise)
    before = shim.gomp_parallel_count(); f(); return shim.gomp_parallel_count() - before
# Positive control: cholesky_ex of one 10x10 matrix opens a region (its tril).
eye = torch.eye(10, dtype=torch.float64)[None]
out["control"] = regions(lambda: torch.linalg.cholesky_ex(eye))
for B, n, dtype, shared in [(1, 10, "float64", ""), (64, 50, "float64", ""),
                            (64, 50, "float32", ""), (64, 50, "float64", "PGh"),
                            (4, 200, "float64", "")]:
    qb = make_qp_batch(B, n=n, m_ineq=n, p=n // 5, seed=3)
    args = dict(zip("P q G h A b".split(), qb.args()))
    for k in shared:
        args[k] = args[k][0]
    if "h" in shared:
        args["h"] = args["h"] + 1e3  # keep the shared rows feasible for every sample
    args = {k: v.to(getattr(torch, dtype)) for k, v in args.items()}
    leaves = {}
    def fwd_bwd():
        leaves.update({k: v.detach().clone().requires_grad_(True) for k, v in args.items()})
        x = lpgd_go.solve_qp(*(leaves[k] for k in "P q G h A b".split()))
        x.sum().backward()
    def call():
        # Leaves are made outside the counted call (fresh .grad: accumulating
        # into an old one is torch's add, not the layer's work).
        for t in leaves.values():
            t.grad = None
        x = lpgd_go.solve_qp(*(leaves[k] for k in "P q G h A b".split()))
        x.sum().backward()
    fwd_bwd()
    out[f"B={B} n={n} {dtype} shared={shared}"] = regions(call)
try:
    import cvxpy as cp
except ImportError:
    cp = None
if cp is not None:
    # CvxpyLayer on cvxpylayers' dense family (parameter map, its transpose).
    from lpgd_go.cvxpy import CvxpyLayer
    nz, B = 64, 16
    g = torch.Generator().manual_seed(0)
    Qs, G = cp.Parameter((nz, nz)), cp.Parameter((nz, nz))
    p, h, z = cp.Parameter(nz), cp.Parameter(nz), cp.Variable(nz)
    prob = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(Qs @ z) + p @ z), [G @ z <= h])
    layer = CvxpyLayer(prob, parameters=[Qs, p, G, h], variables=[z])
    Gv = torch.randn(B, nz, nz, generator=g, dtype=torch.float64)
    vals = [torch.eye(nz, dtype=torch.float64) + 0.1 * torch.rand(B, nz, nz, generator=g,
            dtype=torch.float64), torch.randn(B, nz, generator=g, dtype=torch.float64), Gv,
            Gv @ torch.randn(nz, dtype=torch.float64, generator=g) + 1]
    cl = [v.clone().requires_grad_(True) for v in vals]
    def cvx_call():
        for t in cl:
            t.grad = None
        (x,) = layer(*cl)
        x.sum().backward()
    out["CvxpyLayer B=16 n=64"] = regions(cvx_call)
print(json.dumps(out))
"""


def test_call_path_opens_no_torch_parallel_region(lib: object, tmp_path: Path) -> None:
    if not sys.platform.startswith("linux") or not torch.backends.openmp.is_available():
        pytest.skip("counts libgomp's parallel regions: Linux with an OpenMP torch only")
    cc = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
    if cc is None:
        pytest.skip("needs a C compiler (the Go library's cgo build needs one too)")
    shim = tmp_path / "gomp_count.so"
    src = tmp_path / "gomp_count.c"
    src.write_text(_SHIM)
    subprocess.run([cc, "-O2", "-shared", "-fPIC", "-o", str(shim), str(src), "-ldl"], check=True)
    env = dict(os.environ, LD_PRELOAD=str(shim))
    env["PYTHONPATH"] = os.pathsep.join([*sys.path[:1], *filter(None, [env.get("PYTHONPATH")])])
    tests_dir = str(Path(__file__).resolve().parent)
    res = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_CHILD), tests_dir, str(shim)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    counts = __import__("json").loads(res.stdout.strip().splitlines()[-1])
    assert counts.pop("control") >= 1, "the shim counts nothing: the test would prove nothing"
    assert counts == dict.fromkeys(counts, 0), (
        f"the layer's call path opened torch parallel regions (GOMP_parallel calls per "
        f"forward + backward): {counts}; do the layer's tensor work with lpgd_go._serial "
        "(see docs/architecture.md, 'Threads')"
    )
