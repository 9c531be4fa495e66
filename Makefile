PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: run test bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	command -v dig >/dev/null || (apt-get update -qq && apt-get install -y -qq dnsutils >/dev/null)
	touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	$(BIN)/vaultlink up

test: $(STAMP_TEST)
	$(BIN)/pytest -q

bench: $(STAMP_TEST)
	$(BIN)/python -m bench

lint: $(STAMP_TEST)
	$(BIN)/pip install --quiet mypy ruff
	$(BIN)/mypy
	$(BIN)/ruff check src tests

clean:
	rm -rf $(VENV) .vaultlink
