# The README's commands. `make test` and `make dev` install whatever is missing first.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.deps-stamp
# pip prints a warning per package for this machine's missing local mirrors; they are noise. The filter
# must not hide a failed install: every recipe line runs with pipefail, so pip's exit code stands.
QUIET_PIP := 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }
.SHELLFLAGS := -o pipefail -c

.PHONY: install chromium dev test lint typecheck pytest coverage bench fuzz lock clean

$(PY):
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required"'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pip.lock requirements.lock pyproject.toml | $(PY)
	$(PY) -m pip install -q --require-hashes -r pip.lock $(QUIET_PIP)
	$(PY) -m pip install -q --require-hashes -r requirements.lock $(QUIET_PIP)
	$(PY) -m pip install -q --no-deps -e . $(QUIET_PIP)
	@touch $(STAMP)

# The aws-cdk CLI that `fh stack diff|deploy` wraps (package.json pins 2.1148.x; 3.x refuses the assembly).
NPM_STAMP := node_modules/.npm-stamp
$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(NPM_STAMP)

# Debian's chromium, for the report page's browser test (tests/e2e/test_report_page_browser.py): installed
# when missing (as root, or with sudo), checked on every run so a removed browser comes back.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium (the report page's browser test)"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq >/dev/null && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

install: $(STAMP) $(NPM_STAMP) chromium

dev: install
	$(VENV)/bin/fh dev $(ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy, strict as configured in pyproject.toml, over the shared layer, fh/, infra/ and every service
# (each from its own folder: the services' chalicelib packages are namespace packages side by side),
# all with the one cache, so the shared layer and the libraries are analysed once, not once a service.
SERVICE_DIRS := $(sort $(dir $(wildcard services/*/app.py)))
typecheck: install
	$(VENV)/bin/mypy shared fh infra
	@set -e; for dir in $(SERVICE_DIRS); do \
		echo "mypy $$dir"; \
		(cd $$dir && MYPYPATH=../.. ../../$(VENV)/bin/mypy --config-file ../../pyproject.toml --cache-dir ../../.mypy_cache --explicit-package-bases app.py chalicelib); \
	done

# make test fuzzes each operation with a few examples; make fuzz runs many more. The suite runs on
# PYTEST_WORKERS processes (one local stack each; a test module stays on one worker, so its
# module-wide fixtures are made once): docs/testing.md.
PYTEST_WORKERS ?= 2
pytest: install
	FH_FUZZ_EXAMPLES=$${FH_FUZZ_EXAMPLES:-4} $(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadscope --no-loadscope-reorder $(PYTEST_ARGS)

# The suite with line coverage of the shared layer, fh/, infra/ and the services (build/coverage.json).
coverage: install
	FH_FUZZ_EXAMPLES=$${FH_FUZZ_EXAMPLES:-4} $(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadscope --no-loadscope-reorder \
		--cov=shared --cov=fh --cov=infra --cov=services --cov-report=term:skip-covered \
		--cov-report=json:build/coverage.json $(PYTEST_ARGS)

test: lint typecheck pytest

bench: install
	$(PY) bench/messaging_fanout.py --recipients 5000
	$(PY) bench/roster_bench.py $(BENCH_ARGS)
	$(PY) bench/roster_api.py
	$(PY) bench/followup_bench.py
	$(PY) bench/referral_bench.py
	$(PY) bench/webhook_bench.py
	$(PY) bench/report_bench.py
	$(PY) bench/ddb_budget.py
	$(PY) bench/load.py --clients 20 --requests 2000
	$(PY) bench/local_latency.py --staff 5
	FH_IMPORT_BUDGET=1 $(PY) -m pytest -q -s tests/quality/test_import_budget.py

# The quality gates' long variants: many more fuzzing examples per operation (README: Quality gates).
fuzz: install
	FH_FUZZ_RANDOM=1 FH_FUZZ_EXAMPLES=$${FH_FUZZ_EXAMPLES:-300} $(PY) -m pytest tests/quality/test_fuzz.py --timeout 3600 $(PYTEST_ARGS)

# Regenerate the lock after changing dependencies in pyproject.toml.
lock: | $(PY)
	$(PY) -m pip install -q uv==0.13.8 $(QUIET_PIP)
	$(VENV)/bin/uv pip compile pyproject.toml --all-extras --python-version 3.11 --generate-hashes -o requirements.lock -q

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build chalice.out cdk.out node_modules
