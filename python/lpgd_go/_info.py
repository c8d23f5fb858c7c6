"""What this installation is: versions, the library, its build, threads, a self-test.

``lpgd_go.show_config()`` and ``python -m lpgd_go`` print it; ``build_info()``
returns the library's own description (``lpgd_build_info`` in capi/lpgd.h).
"""

from __future__ import annotations

import ctypes
import platform
import sys
import time
from dataclasses import dataclass
from typing import TextIO

from . import _lib

__all__ = ["SelfTestResult", "build_info", "self_test", "show_config"]

_INFO_LEN = 4096


def build_info() -> dict[str, str]:
    """The library's build description, as reported by ``lpgd_build_info``.

    Keys: ``abi`` (ABI version), ``go`` (the Go version the library was built
    with), ``os``, ``arch``, ``kernels`` (the vector kernels the CPU selects:
    ``avx2+fma`` or ``generic``), ``num_cpu``, ``module``, ``deps`` (the Go
    modules linked in, ``;``-separated) and ``build.*`` settings (for example
    ``build.-ldflags``, ``build.CGO_ENABLED``).

    Raises:
        RuntimeError: the library cannot be loaded (see ``lpgd_go._lib.lib``).
    """
    buf = ctypes.create_string_buffer(_INFO_LEN)
    _lib.check(_lib.lib().lpgd_build_info(buf, _INFO_LEN), None, "lpgd_build_info")
    out: dict[str, str] = {}
    deps: list[str] = []
    for line in buf.value.decode("utf-8", "replace").splitlines():
        key, _, value = line.partition("=")
        if key == "dep":
            deps.append(value)
        elif key:
            out[key] = value
    out["deps"] = "; ".join(deps)
    return out


@dataclass(frozen=True)
class SelfTestResult:
    """Outcome of ``self_test()``: the largest errors against the closed form."""

    ok: bool
    x_error: float
    grad_error: float
    seconds: float


def self_test(tol: float = 1e-6) -> SelfTestResult:
    """Solve a tiny QP and its backward pass and compare with the closed form.

    ``min ½‖x‖² + qᵀx s.t. x ≤ h`` has ``x* = min(−q, h)``; for the loss
    ``wᵀx*`` the gradients are ``∂/∂q = −w`` and ``∂/∂h = 0`` where the bound is
    inactive, ``∂/∂q = 0`` and ``∂/∂h = w`` where it is active. Takes milliseconds.

    Args:
        tol: the largest absolute error accepted in ``x`` and in the gradients.

    Returns:
        SelfTestResult with ``ok`` true when both errors are at most ``tol``.
    """
    import torch

    from .qp import solve_qp

    start = time.perf_counter()
    f64 = torch.float64
    n = 4
    q = torch.tensor([-1.0, 0.5, -2.0, 0.25], dtype=f64, requires_grad=True)
    h = torch.tensor([0.5, 1.0, 1.0, 2.0], dtype=f64, requires_grad=True)
    w = torch.tensor([1.0, -2.0, 3.0, 0.5], dtype=f64)
    eye = torch.eye(n, dtype=f64)
    x = solve_qp(eye, q, eye, h)
    assert isinstance(x, torch.Tensor)
    gq, gh = torch.autograd.grad((w * x).sum(), (q, h))
    with torch.no_grad():
        x_ref = torch.minimum(-q, h)
        active = -q > h
        gq_ref = torch.where(active, torch.zeros_like(w), -w)
        gh_ref = torch.where(active, w, torch.zeros_like(w))
        x_err = float((x - x_ref).abs().max())
        g_err = max(float((gq - gq_ref).abs().max()), float((gh - gh_ref).abs().max()))
    return SelfTestResult(
        ok=x_err <= tol and g_err <= tol,
        x_error=x_err,
        grad_error=g_err,
        seconds=time.perf_counter() - start,
    )


_run_self_test = self_test


def show_config(self_test: bool = True, file: TextIO | None = None) -> bool:
    """Print what this installation is and, by default, run a one-second self-test.

    Prints the package version and location, the shared library's path, ABI
    version and the Go version it was built with, the vector kernels the CPU
    selects, the thread counts of lpgd_go and torch, and the versions of
    Python, torch and numpy. Also ``python -m lpgd_go``.

    Args:
        self_test: also solve a tiny QP with its backward pass and check both
            against the closed form (see ``self_test``).
        file: where to print (default ``sys.stdout``).

    Returns:
        False when the library cannot be loaded or the self-test fails, else True.

    Example:
        >>> import lpgd_go
        >>> lpgd_go.show_config()  # doctest: +SKIP
    """
    import numpy
    import torch

    from . import __file__ as pkg_file
    from . import __version__

    out = file if file is not None else sys.stdout

    def row(key: str, value: object) -> None:
        print(f"  {key:<16} {value}", file=out)

    print(f"lpgd_go {__version__}", file=out)
    row("package", pkg_file)
    row("library", _lib.lib_path())
    try:
        info = build_info()
    except RuntimeError as exc:
        row("error", exc)
        return False
    row("ABI version", f"{info.get('abi')} (this package needs {_lib.ABI_VERSION})")
    row("built with", f"{info.get('go')} {info.get('os')}/{info.get('arch')}")
    row("Go modules", info.get("deps") or "none")
    build = ", ".join(f"{k[6:]}={v}" for k, v in info.items() if k.startswith("build.") and v)
    row("build flags", build or "none recorded")
    row("kernels", f"{info.get('kernels')} (CPU features used by the vector kernels)")
    row("threads", f"lpgd_go {_lib.get_num_threads()}, torch {torch.get_num_threads()}")
    row("CPUs", info.get("num_cpu"))
    row("python", f"{platform.python_version()} ({sys.executable})")
    row("torch", torch.__version__)
    row("numpy", numpy.__version__)
    if not self_test:
        return True
    try:
        result = _run_self_test()
    except Exception as exc:  # report, do not crash the diagnostics
        row("self-test", f"FAILED: {type(exc).__name__}: {exc}")
        return False
    verdict = "ok" if result.ok else "FAILED"
    row(
        "self-test",
        f"{verdict}: QP solve + backward vs closed form, |Δx| = {result.x_error:.1e}, "
        f"|Δgrad| = {result.grad_error:.1e}, {result.seconds * 1e3:.0f} ms",
    )
    return result.ok
