# The two commands: `make run` and `make test` do all set-up on a fresh machine.
# Installs are layered, one stamp each: `make run` installs only what the platform needs to run
# (the package and its runtime dependencies); `make test` adds the dev tools and Spark
# (extras `dev,spark`); `make bench` adds OpenFisca (extra `bench`). Each layer installs only
# what the one below lacks, so `make test` after `make run` adds just the extras.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
TESTING := $(VENV)/.installed-test
BENCHING := $(VENV)/.installed-bench

.PHONY: run test lint typecheck pytest bench fuzz clean

$(RUNTIME): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(RUNTIME)

$(TESTING): $(RUNTIME)
	$(BIN)/pip install --quiet -e '.[dev,spark]'
	touch $(TESTING)

$(BENCHING): $(TESTING)
	$(BIN)/pip install --quiet -e '.[dev,spark,bench]'
	touch $(BENCHING)

run: $(RUNTIME)
	$(BIN)/safetynet demo

test: $(TESTING) lint typecheck pytest

lint: $(TESTING)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(TESTING)
	$(BIN)/mypy

pytest: $(TESTING)
	$(BIN)/pytest -q

bench: $(BENCHING)
	$(BIN)/python -m benchmarks

# the API fuzz of the suite, with many more examples per operation (about half an hour)
fuzz: $(TESTING)
	SAFETYNET_FUZZ_EXAMPLES=200 $(BIN)/pytest -q -p no:cacheprovider tests/api/test_api_fuzz.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
