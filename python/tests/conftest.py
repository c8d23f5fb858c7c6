"""Shared fixtures and problem generators for the lpgd_go tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
PYDIR = ROOT / "python"
if str(PYDIR) not in sys.path:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, str(PYDIR))

from lpgd_go import _lib  # noqa: E402
from lpgd_go.settings import SolverSettings  # noqa: E402

HEADER = ROOT / "capi" / "lpgd.h"

#: Tight settings for gradient checks and parity tests.
TIGHT = SolverSettings(
    tol_gap_abs=1e-11,
    tol_gap_rel=1e-11,
    tol_feas=1e-11,
    tol_infeas_abs=1e-11,
    tol_infeas_rel=1e-11,
    max_iter=200,
)


def _lib_available() -> bool:
    try:
        _lib.lib()
    except RuntimeError:
        return False
    return True


@pytest.fixture(scope="session")
def lib() -> object:
    """The loaded liblpgd.so; fails the test when it has not been built (a
    missing library must never turn into a silently skipped suite)."""
    if not _lib_available():
        pytest.fail(
            f"liblpgd.so not found at {_lib.lib_path()}: build it with `pip install -e .` "
            "or `go build -buildmode=c-shared -o python/lpgd_go/_lib/liblpgd.so ./capi`"
        )
    return _lib.lib()


def require(module: str) -> object:
    """Import a test dependency (a peer such as cvxpylayers or qpth) or fail.

    The peers are installed by `make venv`; a missing one is an error, not a
    reason to skip the comparisons.
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - environment problem
        pytest.fail(f"test dependency {module!r} is missing ({exc}); run `make venv`")


@pytest.fixture(scope="session")
def debug_lib(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A liblpgd.so built with the test hooks (``go build -tags lpgd_debug``):
    ``$LPGD_GO_DEBUG_LIB`` when set (the Makefile's test targets build it),
    otherwise built here once per session. Release builds do not export the
    hooks, so the tests that use them run in a subprocess on this library
    (see run_on_debug_lib)."""
    env = os.environ.get("LPGD_GO_DEBUG_LIB")
    if env:
        if not Path(env).is_file():
            pytest.fail(f"LPGD_GO_DEBUG_LIB={env} does not exist")
        return Path(env)
    go = shutil.which("go")
    if go is None:
        pytest.fail("the debug-hook tests need Go to build liblpgd.so with -tags lpgd_debug")
    out = tmp_path_factory.mktemp("debuglib") / "liblpgd_debug.so"
    subprocess.run(
        [go, "build", "-tags", "lpgd_debug", "-buildmode=c-shared", "-o", str(out), "./capi"],
        cwd=ROOT,
        check=True,
        timeout=900,
    )
    return out


def run_on_debug_lib(debug_lib: Path, code: str) -> str:
    """Run Python code in a subprocess whose lpgd_go loads the debug library
    (the tests directory is importable); fail with its output unless it exits 0."""
    env = {
        **os.environ,
        "LPGD_GO_LIB": str(debug_lib),
        "PYTHONPATH": os.pathsep.join([str(PYDIR), str(ROOT / "python" / "tests")]),
    }
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


@pytest.fixture
def tight() -> SolverSettings:
    return TIGHT


@dataclass
class QP:
    """A QP with a known primal-dual solution (strict complementarity)."""

    P: torch.Tensor
    q: torch.Tensor
    G: torch.Tensor
    h: torch.Tensor
    A: torch.Tensor
    b: torch.Tensor
    x: torch.Tensor
    lam: torch.Tensor
    nu: torch.Tensor

    def args(self) -> tuple[torch.Tensor, ...]:
        return (self.P, self.q, self.G, self.h, self.A, self.b)


def make_qp(
    n: int = 4,
    m_ineq: int = 5,
    p: int = 1,
    n_active: int = 2,
    seed: int = 0,
    dtype: torch.dtype = torch.float64,
) -> QP:
    """A strictly convex QP built from its solution: x* random, the first
    n_active inequalities active with duals in [0.5, 1.5], the rest inactive
    with slack in [0.5, 1.5], equality duals random; q from stationarity."""
    n_active = min(n_active, m_ineq)
    g = torch.Generator().manual_seed(seed)
    f64 = torch.float64
    L = torch.randn(n, n, generator=g, dtype=f64)
    P = L @ L.T / n + 0.5 * torch.eye(n, dtype=f64)
    P = 0.5 * (P + P.T)
    x = torch.randn(n, generator=g, dtype=f64)
    G = torch.randn(m_ineq, n, generator=g, dtype=f64)
    A = torch.randn(p, n, generator=g, dtype=f64)
    slack = torch.zeros(m_ineq, dtype=f64)
    slack[n_active:] = 0.5 + torch.rand(m_ineq - n_active, generator=g, dtype=f64)
    lam = torch.zeros(m_ineq, dtype=f64)
    lam[:n_active] = 0.5 + torch.rand(n_active, generator=g, dtype=f64)
    nu = torch.randn(p, generator=g, dtype=f64)
    h = G @ x + slack
    b = A @ x
    q = -(P @ x + G.T @ lam + A.T @ nu)
    data = {"P": P, "q": q, "G": G, "h": h, "A": A, "b": b}
    cast = {k: v.to(dtype) for k, v in data.items()}
    return QP(**cast, x=x.to(dtype), lam=lam.to(dtype), nu=nu.to(dtype))


def make_qp_batch(batch: int, **kw: object) -> QP:
    """A batch of make_qp problems (seeds seed, seed+1, ...), every field stacked."""
    seed = int(kw.pop("seed", 0))  # type: ignore[call-overload]
    qps = [make_qp(seed=seed + k, **kw) for k in range(batch)]  # type: ignore[arg-type]
    fields = ("P", "q", "G", "h", "A", "b", "x", "lam", "nu")
    return QP(**{f: torch.stack([getattr(qp, f) for qp in qps]) for f in fields})
