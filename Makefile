# Quickstart: `make demo` then `make test`. Both create .venv on first use.
# Mesa 3.4+ needs Python >= 3.12; the machine's default python3 may be older.
PYTHON ?= $(shell for p in python3.12 python3.13 python3.14; do \
	  command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null && { command -v $$p; exit 0; }; \
	done; for p in $$HOME/.pyenv/versions/3.1[234]*/bin/python3; do [ -x $$p ] && { echo $$p; exit 0; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# a shipped scenario by name (flowsim scenarios lists them), or a path to a scenario YAML
SCENARIO ?= mobilization_2022

.PHONY: demo test test-slow fuzz bench install clean reference-tables docs

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "flowsim needs Python >= 3.12 (python3.12 not found on PATH)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[calibrate,test]"
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/flowsim run $(SCENARIO)

test: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" -q

test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow -q

# The long fuzz campaign (issues 12, 22): FUZZ_MUTANTS mutants of every kind of input (mobilization and
# network scenarios, Flee case folders, simsetting.yml, targets files), counts per kind and class;
# each through the command that reads it, one accepted mutant in 5 run at a small scale.
FUZZ_MUTANTS ?= 10000
fuzz: $(STAMP)
	$(BIN)/python tests/fuzz_campaign.py --mutants $(FUZZ_MUTANTS) --workers 2 --runs-every 5 --report outputs/fuzz_report.json

# Only after a deliberate change of model behaviour (see tests/run/test_reference_tables.py).
reference-tables: $(STAMP)
	$(BIN)/python tests/data/reference_tables/regenerate.py

# The documentation site (mkdocs.yml) into site/; any warning fails the build (--strict).
DOCS_STAMP := $(VENV)/.installed-docs
$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[calibrate,test,docs]"
	@touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs build --strict --quiet
	@echo "documentation built: open site/index.html in a browser"

bench: $(STAMP)
	$(BIN)/python bench/bench_engine.py
	$(BIN)/python bench/bench_engine.py --scale 20
	$(BIN)/python bench/bench_calibration.py
	$(BIN)/python bench/bench_ensemble.py
	$(BIN)/python bench/bench_dashboard.py
	$(BIN)/python bench/bench_emulator.py

clean:
	rm -rf $(VENV) build site src/*.egg-info
