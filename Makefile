# Every target sets itself up: a missing or outdated .venv is (re)built from pyproject.toml.
PYTHON ?= python3
VENV ?= .venv
DEPS_HASH := $(shell cat pyproject.toml | sha256sum | cut -c1-16)
STAMP := $(VENV)/.deps-$(DEPS_HASH)
BIN := $(VENV)/bin

.PHONY: install test test-all study bench clean-venv

$(STAMP):  # the hash in its name tracks pyproject.toml, not its mtime
	@echo "Building $(VENV) for dependency set $(DEPS_HASH) (a few minutes, once)"
	$(PYTHON) -m venv --clear "$$(realpath -m $(VENV))"  # .venv may link to a cache
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

# The editable link is refreshed every time: a cached venv may have been built for another clone.
install: $(STAMP)
	@$(BIN)/pip install -q --no-deps --no-build-isolation -e . >/dev/null

test: install
	$(BIN)/python -m pytest

test-all: install
	$(BIN)/python -m pytest -m "slow or not slow"

study: install
	$(BIN)/dense-au study --profile quick --out runs/quick

bench: install
	cd benchmarks && ../$(BIN)/python bench_synth.py && ../$(BIN)/python bench_views.py \
	  && ../$(BIN)/python bench_step.py && ../$(BIN)/python bench_uniformity.py

clean-venv:
	rm -rf $(VENV)
