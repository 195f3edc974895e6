# Two commands set everything up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test lint typecheck unit catalogs bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(STAMP)

run: $(STAMP)
	$(BIN)/civic-digest run

test: $(TEST_STAMP)
	$(BIN)/ruff check bot feeds tests bench
	$(BIN)/mypy
	$(BIN)/hadolint --failure-threshold warning Dockerfile
	$(BIN)/python -m bot.catalogs check
	$(BIN)/pytest -q -p no:cacheprovider

lint: $(TEST_STAMP)
	$(BIN)/ruff check bot feeds tests bench
	$(BIN)/ruff format --check bot feeds tests bench

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

unit: $(TEST_STAMP)
	$(BIN)/pytest -q -x

catalogs: $(TEST_STAMP)
	$(BIN)/python -m bot.catalogs compile

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache *.egg-info
