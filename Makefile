# Linli developer commands. `make` alone lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PACKAGES := libs/contracts libs/testing services/registry services/scheduler services/notifier \
	services/portal
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

help: ## list the targets
	@echo "Linli — make targets:"
	@grep -E '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): requirements/lock.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/lock.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation \
		$(foreach p,$(PACKAGES),-e $(p))
	@touch $@

install: $(STAMP) ## create .venv/ and install the pinned dependencies and Linli's packages

run: install ## start the whole system on local defaults with the demo county (Ctrl-C stops it)
	$(PY) scripts/run.py

test: install ## run every test against real servers (starts or installs what they need)
	@eval "$$($(PY) scripts/ensure_services.py postgres chromium)"; \
		export LINLI_TEST_POSTGRES_URL LINLI_CHROMIUM; \
		$(VENV)/bin/ruff check --quiet . && $(PY) -m pytest $(PYTEST_ARGS)

bench: install ## run the benchmarks (registry and scheduler APIs, notifier, engine; ~30 min)
	@eval "$$($(PY) scripts/ensure_services.py wrk)"; export LINLI_WRK; \
		$(PY) bench/api_bench.py && $(PY) bench/notifier_bench.py && $(PY) bench/engine_bench.py

lint: install ## ruff lint and mypy type check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

lock: ## re-resolve requirements/base.in into requirements/lock.txt (needs the registries)
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet -r requirements/base.in
	(echo "# Exact versions every machine installs: regenerate with 'make lock' after changing requirements/base.in."; \
		.venv-lock/bin/pip freeze --all | grep -v -i -E '^(-e|linli|pip==|# Editable)') > requirements/lock.txt
	rm -rf .venv-lock

clean: ## remove the virtualenv, local data under var/ and caches
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

.PHONY: help install run test bench lint lock clean
