"""Build hooks: compile the Go shared library (liblpgd.so) with `go build`.

`pip install .` (build_py) builds the library into the build directory;
`pip install -e .` (editable / develop) builds it in place into
python/lpgd_go/_lib/. The wheel is platform specific.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py
from setuptools.command.develop import develop

ROOT = Path(__file__).resolve().parent
LIB_REL = Path("lpgd_go") / "_lib" / "liblpgd.so"
INPLACE_LIB = ROOT / "python" / LIB_REL


def build_go_library(out: Path) -> None:
    """Run `go build -buildmode=c-shared -o <out> ./capi` from the repository root."""
    go = shutil.which("go")
    if go is None:
        raise RuntimeError(
            "lpgd_go: the Go toolchain (`go`, >= 1.24) is needed to build liblpgd.so but was "
            "not found on PATH. Install Go from https://go.dev/dl/ and retry, or set "
            "LPGD_GO_LIB to an existing liblpgd.so at run time."
        )
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("CGO_ENABLED", "1")
    cmd = [go, "build", "-buildmode=c-shared", "-trimpath", "-o", str(out), "./capi"]
    print("lpgd_go: " + " ".join(cmd))
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)
    # go build also writes a generated header next to the library; the
    # hand-written capi/lpgd.h is the contract, so drop the generated one.
    generated = out.with_suffix(".h")
    if generated.exists():
        generated.unlink()


class BuildPyWithGo(build_py):
    """build_py that also builds liblpgd.so (in place for editable installs,
    otherwise into the build directory)."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            build_go_library(INPLACE_LIB)
        else:
            build_go_library(Path(self.build_lib) / LIB_REL)


class DevelopWithGo(develop):
    """Legacy `setup.py develop`: build the library in place."""

    def run(self) -> None:
        build_go_library(INPLACE_LIB)
        super().run()


class BinaryDistribution(Distribution):
    """The package ships a native library: platform-specific wheel."""

    def has_ext_modules(self) -> bool:
        return True


setup(
    cmdclass={"build_py": BuildPyWithGo, "develop": DevelopWithGo},
    distclass=BinaryDistribution,
)
