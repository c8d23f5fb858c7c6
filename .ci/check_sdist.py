"""Checks an sdist: it carries the Go sources and the vendored modules, never a
prebuilt library, and a wheel builds from it with the Go module proxy off and an
empty module cache (so with -mod=vendor only).

Usage: python .ci/check_sdist.py dist/lpgd_go-*.tar.gz
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path


def main(sdist: Path) -> None:
    with tarfile.open(sdist) as tf:
        names = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n}
    for need in (
        "go.mod",
        "go.sum",
        "vendor/modules.txt",
        "capi/lpgd.h",
        "capi/main.go",
        "gocore/vec/kernels_amd64.s",
        "build_backend/lpgd_build.py",
        "build_backend/lpgd_toolchain.py",
        "setup.py",
        "LICENSE",
        "python/lpgd_go/py.typed",
    ):
        assert need in names, f"{sdist.name} lacks {need}"
    libs = sorted(n for n in names if n.endswith((".so", ".dylib", ".dll")))
    assert not libs, f"{sdist.name} carries prebuilt libraries: {libs}"
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, GOPROXY="off", GOMODCACHE=str(Path(tmp) / "modcache"))
        env.pop("GOFLAGS", None)
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
             "--quiet", "-w", tmp, str(sdist)],
            env=env,
            check=True,
        )  # fmt: skip
        wheels = list(Path(tmp).glob("lpgd_go-*.whl"))
        assert len(wheels) == 1, wheels
        with zipfile.ZipFile(wheels[0]) as zf:
            assert "lpgd_go/_lib/liblpgd.so" in zf.namelist() or sys.platform != "linux"
        print(f"{sdist.name}: {len(names)} files, vendored modules, no library; "
              f"built offline into {wheels[0].name}")  # fmt: skip


if __name__ == "__main__":
    main(Path(sys.argv[1]))
