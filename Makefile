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
# az on the PATH of `. .venv/bin/activate`: a two-line script in .venv/bin that runs the az of .venv-az.
AZ_SHIM := $(BIN)/az
# `make run ARGS="--proxy-port 9443 --dns-port 9053"` passes options to `vaultlink up`.
ARGS ?=

.PHONY: run test bench reliability lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The run install has what the README's walkthrough uses: vaultlink, azure-identity, azure-keyvault-secrets and
# pytest, and nslookup (dnsutils, when apt-get may install it).
$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[clients]"
	command -v nslookup >/dev/null || (apt-get update -qq && apt-get install -y -qq dnsutils >/dev/null) \
		|| echo "make run: no nslookup, which the README's DNS steps use: install dnsutils"
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	command -v dig >/dev/null || (apt-get update -qq && apt-get install -y -qq dnsutils >/dev/null)
	# Debian's Chromium for the portal's browser tests (Playwright drives it; its own browser download is not used)
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)
	touch $@ $(STAMP_RUN)

$(STAMP_BENCH): $(STAMP_TEST)
	$(BIN)/pip install --quiet -e ".[test,bench]"
	# the DNS benchmark's load generator and its forwarding peer (dnsmasq-base: the binary, no system service)
	(command -v dnsperf >/dev/null && test -x /usr/sbin/dnsmasq) || (apt-get update -qq && apt-get install -y -qq \
		dnsperf dnsmasq-base >/dev/null) || echo "make bench: no dnsperf or dnsmasq: install dnsperf and dnsmasq-base"
	touch $@

$(STAMP_AZ):
	rm -rf $(AZ_VENV)
	$(PYTHON) -m venv $(AZ_VENV)
	$(AZ_VENV)/bin/pip install --quiet --disable-pip-version-check --upgrade pip
	$(AZ_VENV)/bin/pip install --quiet --disable-pip-version-check azure-cli==$(AZURE_CLI_VERSION)
	touch $@

$(AZ_SHIM): $(STAMP_AZ) | $(BIN)/python
	printf '#!/bin/sh\n# the az CLI of %s (its own virtual environment: it pins older Azure SDKs than .venv has)\nexec "%s" "$$@"\n' \
		"$(AZ_VENV)" "$(CURDIR)/$(AZ_VENV)/bin/az" > $@
	chmod +x $@

run: $(STAMP_RUN) $(AZ_SHIM)
	$(BIN)/vaultlink up $(ARGS)

# The whole suite on SQLite and, at the same time (one core each), the client suite again with every server's
# state in a throwaway PostgreSQL database (tests/postgres.py), so both backends run every client test. The
# PostgreSQL run's output follows the SQLite run's; either failing fails the target.
PG_LOG := $(VENV)/test-postgresql.log
test: $(STAMP_TEST) $(AZ_SHIM)
	@VAULTLINK_TEST_AZ=$(CURDIR)/$(AZ_VENV)/bin/az VAULTLINK_TEST_STORE=postgresql $(BIN)/pytest -q -p no:cacheprovider \
		--basetemp=/tmp/vaultlink-tests-postgresql tests/clients > $(PG_LOG) 2>&1 & pg=$$!; \
	echo "== the whole suite on SQLite (the client suite on PostgreSQL runs beside it, into $(PG_LOG))"; \
	VAULTLINK_TEST_AZ=$(CURDIR)/$(AZ_VENV)/bin/az $(BIN)/pytest -q --basetemp=/tmp/vaultlink-tests-sqlite; sqlite=$$?; \
	wait $$pg; postgres=$$?; echo "== the client suite on PostgreSQL"; cat $(PG_LOG); \
	echo "== SQLite: exit $$sqlite; PostgreSQL: exit $$postgres"; test $$sqlite -eq 0 && test $$postgres -eq 0

bench: $(STAMP_BENCH) $(STAMP_AZ)
	VAULTLINK_TEST_AZ=$(CURDIR)/$(AZ_VENV)/bin/az $(BIN)/python -m bench

# The reliability probes at full size (each prints one line: cases, failures); `make test` runs them small.
reliability: $(STAMP_TEST) $(AZ_SHIM)
	VAULTLINK_LONG=1 VAULTLINK_TEST_AZ=$(CURDIR)/$(AZ_VENV)/bin/az $(BIN)/pytest -q tests/reliability

lint: $(STAMP_TEST)
	$(BIN)/pip install --quiet mypy ruff
	$(BIN)/mypy
	$(BIN)/ruff check src tests

clean:
	rm -rf $(VENV) $(AZ_VENV) .vaultlink
