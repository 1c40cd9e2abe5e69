# The two commands of the README: `make demo` (the main job) and `make test` (the suite).
# Both install what they need (Debian packages, a venv, the editable build) and are
# idempotent: a second run only rebuilds what changed.

PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
STAMPS  := build/stamps
SOURCES := $(shell find cpp -type f) CMakeLists.txt pyproject.toml $(wildcard third_party/cmake/*)
PYTEST_ARGS ?=

.PHONY: demo test build deps lint bench clean

demo: build
	$(PY) -m storewire.demo

test: build
	$(PY) -m ruff check python tests benchmarks examples
	$(PY) -m pytest $(PYTEST_ARGS)

build: $(STAMPS)/build

deps: $(STAMPS)/apt $(STAMPS)/venv

lint: build
	$(PY) -m ruff check python tests benchmarks examples

bench: build
	$(PY) benchmarks/http_engine.py

$(STAMPS)/apt: third_party/debian-packages.txt
	bash third_party/install-debian-packages.sh third_party/debian-packages.txt
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/venv: $(STAMPS)/apt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "scikit-build-core>=0.10" "pybind11>=2.12" cmake ninja \
	    pytest mypy ruff boto3 botocore cryptography urllib3 pycurl obstore pyyaml
	@mkdir -p $(STAMPS) && touch $@

# Editable install: Python files are used in place; the extension is rebuilt
# incrementally (persistent build dir) whenever a native source changes.
$(STAMPS)/build: $(STAMPS)/venv $(SOURCES)
	flock /tmp/storewire-build.lock $(PY) -m pip install -q --no-build-isolation -e .
	@touch $@

clean:
	rm -rf build $(VENV)
