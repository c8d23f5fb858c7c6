#!/usr/bin/env bash
# The test suite against an installed wheel, in a fresh virtualenv with neither Go
# nor a C compiler on PATH.
#
# Usage: .ci/wheel_test.sh MAIN_PYTHON WHEEL [DEBUG_LIB]
#
# DEBUG_LIB: a library built with `-tags lpgd_debug` (the Makefile's
# build/debug/liblpgd.so). The two panic-recovery tests need its test hooks,
# which release builds (the wheel's) do not export; they run in a subprocess on
# that library (LPGD_GO_DEBUG_LIB), every other test on the wheel's.
#
# What the fresh venv shares with the main one (MAIN_PYTHON's): its third-party
# packages (torch, numpy, cvxpy, the test peers, pytest), through one path line
# in a .pth file, so that CI does not download torch (several GB) a second time.
# A path line only appends that site-packages folder to sys.path: the .pth files
# inside it (among them the main venv's editable install of lpgd_go) are not
# executed, and the fresh venv's own site-packages comes first. (The shared
# packages include the main venv's ziglang; nothing on PATH runs it, and
# installing a wheel compiles nothing.) lpgd_go itself is
# installed from the wheel alone (no dependencies, no index, binary only) and the
# run checks that it is imported from the fresh venv. The tests run from a
# temporary folder holding copies of python/tests (plus capi/lpgd.h, go.mod, README.md,
# build_backend/ and examples/ddp_train.py, which some tests read), never from
# the checkout.
set -euo pipefail
MAIN_PY="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"  # not resolved: a venv python is a symlink
WHEEL=$(realpath "$2")
DEBUG_LIB=${3:+$(realpath "$3")}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/lpgd-wheel-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

"$MAIN_PY" -m venv "$TMP/venv"
VPY="$TMP/venv/bin/python"
MAIN_SITE=$("$MAIN_PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
VENV_SITE=$("$VPY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$MAIN_SITE" > "$VENV_SITE/_lpgd_main_venv_packages.pth"

# PATH: the fresh venv's bin, then one folder of links to every program on the
# current PATH except Go and the C compilers (so neither can be found).
mkdir -p "$TMP/bin"
IFS=: read -r -a dirs <<< "$PATH"
for d in "${dirs[@]}"; do
	[[ -d "$d" ]] || continue
	for f in "$d"/*; do
		b=$(basename "$f")
		case "$b" in
		go | gofmt | cc | c++ | c89 | c99 | gcc* | g++* | cpp* | clang* | tcc | zig | *-gcc | *-gcc-* | *-g++ | *-g++-*) continue ;;
		esac
		[[ -x "$f" && ! -e "$TMP/bin/$b" ]] && ln -s "$f" "$TMP/bin/$b"
	done
done
CLEAN_PATH="$TMP/venv/bin:$TMP/bin"
run() { env -u PYTHONPATH -u LPGD_GO -u LPGD_GO_LIB -u GOROOT -u CC PATH="$CLEAN_PATH" "$@"; }
for tool in go gcc cc clang; do
	if run "$TMP/bin/bash" -c "command -v $tool" > /dev/null; then
		echo "wheel_test: $tool is still on PATH" >&2
		exit 1
	fi
done

run "$VPY" -m pip install --quiet --no-deps --no-index --only-binary=:all: "$WHEEL"

mkdir -p "$TMP/src/python" "$TMP/src/capi" "$TMP/src/examples"
cp -r "$ROOT/python/tests" "$TMP/src/python/"
cp "$ROOT/capi/lpgd.h" "$TMP/src/capi/"
cp -r "$ROOT/build_backend" "$ROOT/go.mod" "$ROOT/pyproject.toml" "$ROOT/README.md" "$TMP/src/"
cp "$ROOT/examples/ddp_train.py" "$TMP/src/examples/"
cd "$TMP/src"

run "$VPY" - "$TMP/venv" <<'EOF'
import sys
from pathlib import Path

import lpgd_go

venv = Path(sys.argv[1]).resolve()
where = Path(lpgd_go.__file__).resolve()
assert venv in where.parents, f"lpgd_go imported from {where}, not from the wheel in {venv}"
lib = lpgd_go._lib.lib_path().resolve()
assert venv in lib.parents, f"library {lib} is not the wheel's"
print(f"wheel_test: lpgd_go {lpgd_go.__version__} from {where.parent}")
EOF
run "$VPY" -m lpgd_go
run ${DEBUG_LIB:+env LPGD_GO_DEBUG_LIB="$DEBUG_LIB"} "$VPY" -m pytest python/tests -q -p no:cacheprovider
