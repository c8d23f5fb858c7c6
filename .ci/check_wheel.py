"""Checks a built wheel: tag, contents, stripped library, manylinux policy (auditwheel).

Usage: python .ci/check_wheel.py dist/lpgd_go-*.whl [expected platform tag]
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from elftools.elf.elffile import ELFFile  # pyelftools, an auditwheel dependency


def main(wheel: Path, plat: str) -> None:
    name = wheel.name
    assert name.endswith(f"-py3-none-{plat}.whl"), f"{name}: expected tag py3-none-{plat}"
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        libs = [n for n in names if n.startswith("lpgd_go/_lib/")]
        assert libs == ["lpgd_go/_lib/liblpgd.so"], f"library files: {libs}"
        assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), "no LICENSE"
        assert "lpgd_go/py.typed" in names, "no py.typed"
        assert not any(n.endswith((".h", ".pyc")) for n in names), names
        meta = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        assert "License-Expression: Apache-2.0" in meta
        with tempfile.TemporaryDirectory() as tmp:
            so = Path(zf.extract("lpgd_go/_lib/liblpgd.so", tmp))
            with so.open("rb") as f:
                elf = ELFFile(f)
                sections = {s.name for s in elf.iter_sections()}
            size = so.stat().st_size
    assert ".symtab" not in sections and ".debug_info" not in sections, "library not stripped"
    out = subprocess.run(
        [sys.executable, "-m", "auditwheel", "show", str(wheel)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    m = re.search(r'platform tag:\s*"manylinux_(\d+)_(\d+)_(\w+)"', " ".join(out.split()))
    assert m, out
    want = re.match(r"manylinux_(\d+)_(\d+)_", plat)
    assert want, plat
    got_glibc = (int(m.group(1)), int(m.group(2)))
    assert got_glibc <= (int(want.group(1)), int(want.group(2))), f"auditwheel: {out}"
    assert "requires no external shared libraries" in " ".join(out.split()), out
    print(
        f"{name}: {wheel.stat().st_size / 1e6:.2f} MB (library {size / 1e6:.2f} MB, stripped); "
        f"auditwheel: manylinux_{got_glibc[0]}_{got_glibc[1]} (wheel tagged {plat})"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "manylinux_2_17_x86_64")
