# Two commands on a fresh machine:
#   make dataset RECIPE=subtitles     # sets up .venv, writes data/subtitles/
#   make test                         # sets up .venv with the test extras, runs the suite
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

RECIPE ?= subtitles
SAMPLES ?= 200
WORKERS ?= $(shell nproc 2>/dev/null || echo 1)
SEED ?= 0
SHARD_SIZE ?= 50
OUT ?= data/$(RECIPE)
BACKEND ?= local
BACKGROUND ?=
PYTEST_ARGS ?=

# torch: a pinned CPU wheel (an unpinned torch pulls a multi-GB CUDA build)
TORCH_PIN := torch==2.13.0

.PHONY: help venv dataset test test-fast bench preview train clean

help:
	@echo "make dataset RECIPE=subtitles [SAMPLES=200 WORKERS=N SEED=0 OUT=data/RECIPE SHARD_SIZE=50 BACKGROUND=/videos BACKEND=local|ray]"
	@echo "make test | make bench | make preview RECIPE=... | make train RECIPE=mixed"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

# core install: everything generation needs, no torch, no ray
$(VENV)/.core: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	@touch $@

# test install: chromium for the gallery test (Debian, when root), torch (CPU, pinned),
# ray, s3 and QA extras + pytest
$(VENV)/.test: pyproject.toml $(VENV)/.core
	bash tools/install_browser.sh
	$(PIP) install "$(TORCH_PIN)"
	$(PIP) install -e ".[train,ray,s3,qa,test]" "$(TORCH_PIN)"
	@touch $@

venv: $(VENV)/.core

dataset: $(VENV)/.core
	$(if $(filter ray,$(BACKEND)),$(PIP) install -e ".[ray]",)
	$(if $(filter s3://%,$(OUT)),$(PIP) install -e ".[s3]",)
	$(BIN)/datagen generate $(RECIPE) --out $(OUT) --samples $(SAMPLES) --workers $(WORKERS) \
	    --seed $(SEED) --shard-size $(SHARD_SIZE) --backend $(BACKEND) $(if $(BACKGROUND),--background "$(BACKGROUND)",)

test: $(VENV)/.test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(VENV)/.test
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

bench: $(VENV)/.test
	$(BIN)/python tools/bench.py

$(VENV)/.qa: pyproject.toml $(VENV)/.core
	$(PIP) install -e ".[qa]"
	@touch $@

preview: $(VENV)/.qa
	$(BIN)/datagen stats $(OUT) --out $(OUT)/preview --quiet
	$(BIN)/datagen preview $(OUT) --out $(OUT)/preview

train: $(VENV)/.test
	bash tools/train_demo.sh $(RECIPE)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
