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

# the paper's plan without running it; IMAGENET_ROOT=/path/to/ILSVRC2012 for your copy (default: the Imagenette
# folder under data_root, which only stands in for ImageNet's folder layout)
IMAGENET_ROOT ?= imagenette80
dryrun-paper: setup
	$(BIN)/snakemake -n --configfile config/paper.yaml --config 'imagenet={"root": "$(IMAGENET_ROOT)"}'

clean:
	rm -rf results logs .snakemake
