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

.PHONY: all venv lib build test test-go test-c test-py test-notebooks demo bench bench-quick bench-cone bench-maros lint fuzz clean

all: test

# The virtualenv: torch, the package (editable, which builds the Go library),
# test peers (cvxpylayers, diffcp, cvxpy, Clarabel, SCS, OSQP) and tools.
# qpth pins numpy<2 in its metadata but works with numpy 2: install it
# without dependencies.
$(STAMP): pyproject.toml setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip setuptools wheel
	$(PY) -m pip install -e ".[test,bench,dev]"
	$(PY) -m pip install --no-deps "qpth==0.0.18"
	touch $(STAMP)

venv: $(STAMP)

# The shared library (also built by pip install -e; rebuilt when Go changes).
$(LIB): $(GO_SRC)
	go build -buildmode=c-shared -trimpath -o $(abspath $(LIB)) ./capi
	rm -f $(basename $(abspath $(LIB))).h

lib build: $(LIB)

$(DEBUG_LIB): $(GO_SRC)
	go build -tags lpgd_debug -buildmode=c-shared -trimpath -o $(abspath $(DEBUG_LIB)) ./capi
	rm -f $(basename $(abspath $(DEBUG_LIB))).h

# All tests: Go (race detector on), the C example, Python, then the example notebooks.
test: test-go test-c test-py test-notebooks

# The panic-recovery tests of capi need the lpgd_debug build tag.
test-go:
	go vet ./...
	go vet -tags lpgd_debug ./capi
	go test -race -count=1 ./...
	go test -race -count=1 -tags lpgd_debug ./capi

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

# cvxpylayers' timing families (about 6 min) and the Maros–Mészáros set
# (about 45 min; ../shared/data/maros_meszaros); run on their own.
bench-cone: venv $(LIB)
	OMP_WAIT_POLICY=PASSIVE $(PY) benchmarks/bench_cone.py

bench-maros: venv $(LIB)
	OMP_WAIT_POLICY=PASSIVE $(PY) benchmarks/bench_maros.py

lint: venv
	test -z "$$(gofmt -l gocore capi)" || (gofmt -l gocore capi; exit 1)
	go vet ./...
	$(PY) -m ruff check python benchmarks examples
	$(PY) -m ruff format --check python benchmarks examples

fuzz:
	go test -run XXX -fuzz FuzzStructureNew -fuzztime 30s ./capi

clean:
	rm -rf $(LIB) build dist python/*.egg-info
