PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test
STAMP_BENCH := $(VENV)/.installed-bench
# The real az CLI for the client tests and the az benchmark, in a virtualenv of its own: azure-cli pins older
# Azure SDKs than the test dependencies do.
AZURE_CLI_VERSION := 2.91.0
AZ_VENV := .venv-az
STAMP_AZ := $(AZ_VENV)/.installed-azure-cli-$(AZURE_CLI_VERSION)

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
	# Debian's Chromium for the portal's browser tests (Playwright drives it; its own browser download is not used)
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)
	touch $@ $(STAMP_RUN)

$(STAMP_BENCH): $(STAMP_TEST)
	$(BIN)/pip install --quiet -e ".[test,bench]"
	touch $@

$(STAMP_AZ):
	rm -rf $(AZ_VENV)
	$(PYTHON) -m venv $(AZ_VENV)
	$(AZ_VENV)/bin/pip install --quiet --disable-pip-version-check --upgrade pip
	$(AZ_VENV)/bin/pip install --quiet --disable-pip-version-check azure-cli==$(AZURE_CLI_VERSION)
	touch $@

run: $(STAMP_RUN)
	$(BIN)/vaultlink up

# The whole suite on SQLite, then the client suite again with every server's state in a throwaway PostgreSQL
# database (tests/postgres.py), so both backends run every client test.
test: $(STAMP_TEST) $(STAMP_AZ)
	VAULTLINK_TEST_AZ=$(CURDIR)/$(AZ_VENV)/bin/az $(BIN)/pytest -q
	VAULTLINK_TEST_AZ=$(CURDIR)/$(AZ_VENV)/bin/az VAULTLINK_TEST_STORE=postgresql $(BIN)/pytest -q tests/clients

bench: $(STAMP_BENCH) $(STAMP_AZ)
	VAULTLINK_TEST_AZ=$(CURDIR)/$(AZ_VENV)/bin/az $(BIN)/python -m bench

lint: $(STAMP_TEST)
	$(BIN)/pip install --quiet mypy ruff
	$(BIN)/mypy
	$(BIN)/ruff check src tests

clean:
	rm -rf $(VENV) $(AZ_VENV) .vaultlink
