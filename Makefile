# Two entry points for a fresh machine (see README):
#   make run    set up .venv and run the embedded default (snakemake --cores 2)
#   make test   set up .venv and run the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
CORES  ?= 2

.PHONY: setup run figures test test-slow lint dryrun-paper clean

$(BIN)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

setup: $(BIN)/.installed

run: setup
	$(BIN)/snakemake --cores $(CORES) --rerun-incomplete

figures: setup
	$(BIN)/snakemake --cores $(CORES) figures

test: setup
	$(BIN)/python -m pytest

test-slow: setup
	$(BIN)/python -m pytest -m slow

lint: setup
	$(BIN)/snakemake --lint

dryrun-paper: setup
	$(BIN)/snakemake -n --configfile config/paper.yaml

clean:
	rm -rf results logs .snakemake
