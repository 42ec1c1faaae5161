# Telco CRM: the commands README.md and .ci/run call.
#
#   make demo        build the demo database and serve it on localhost:8000
#   make demo-data   the same without serving
#   make test        every test on PostgreSQL, ends with "N passed, M failed"
#   make bench       every benchmark in bench/
#
# Variables: PYTHON (python3.11), VENV (.venv), SAO_DIR ($(VENV)/sao),
# SAO_VERSION (~8.0); the scripts read more from the environment (README.md).

SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
SAO_DIR ?= $(VENV)/sao
SAO_VERSION ?= ~8.0

VENV_STAMP := $(VENV)/.stamp-venv

export VENV := $(abspath $(VENV))
export SAO_ROOT ?= $(abspath $(SAO_DIR))/www

.PHONY: help venv sao demo demo-data test bench clean-demo

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

venv: $(VENV_STAMP)

# Installed again when pyproject.toml changes.
$(VENV_STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { \
		echo "$(PYTHON) is missing (on Debian 12: apt-get install python3 python3-venv)" >&2; \
		exit 1; }
	scripts/system_deps.sh
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	touch $@

# npm runs once per SAO_VERSION; the web root (sao + web/custom.*) is
# assembled again each time.
sao:
	scripts/install_sao.sh '$(abspath $(SAO_DIR))' '$(SAO_VERSION)'

demo: venv sao
	scripts/demo.sh

demo-data: venv sao
	scripts/demo.sh --no-serve

clean-demo:
	rm -rf var

test: venv
	scripts/run_tests.sh

bench: venv
	@shopt -s nullglob; files=(bench/bench_*.py); \
	if [ $${#files[@]} -eq 0 ]; then echo 'no benchmark yet'; exit 0; fi; \
	for f in "$${files[@]}"; do \
		echo "== $$f"; $(VENV)/bin/python "$$f" || exit $$?; \
	done
