# nlpcourse: every command an author, instructor or CI needs. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
# torch comes first and pinned, so that nothing pulls a multi-GB CUDA build on a CPU machine.
TORCH_SPEC ?= torch==2.13.0
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.installed
# nbgrader runs `alembic` from PATH when it creates a gradebook.
export PATH := $(BIN):$(PATH)
export HF_HUB_OFFLINE ?= 1
export TRANSFORMERS_OFFLINE ?= 1
export MPLBACKEND ?= Agg
PYTEST_ARGS ?=
# Two test workers (the machines have 2 cores). pytest-xdist's --dist loadscope keeps a file's
# test functions in one worker (its module fixtures are made once) and a class's tests together;
# test_assignments.py has a class per assignment, so its autogrades spread over both workers.
PYTEST_WORKERS ?= -n 2 --dist loadscope
# The slowest tests are listed at the end of every run (what CI time is made of).
PYTEST_REPORT ?= --durations=30

.PHONY: help install build release goldens validate demo lab test test-fast systools lint format clean

help:
	@echo "make install    create .venv (if missing) and install the pack with its tools"
	@echo "make build      text notebooks in source/ -> .ipynb (what nbgrader reads)"
	@echo "make release    build + nbgrader generate_assignment for all -> release/"
	@echo "make goldens    same as release: rewrite the committed release/ after a source change"
	@echo "make validate   nbgrader validate on sources, --invert on releases"
	@echo "make demo       release, fake students, nbgrader autograde, score table"
	@echo "make lab        JupyterLab + nbgrader on 127.0.0.1 (student view, formgrader); PORT=8888"
	@echo "make test       the whole test suite (what CI runs)"
	@echo "make test-fast  the suite without tests marked slow"
	@echo "make systools   check (as root: install) bubblewrap, Chromium, PostgreSQL for the tests"
	@echo "make lint / format   ruff"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "$(TORCH_SPEC)" > $(VENV)/constraints.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check "$(TORCH_SPEC)"
	$(BIN)/python -m pip install -q --disable-pip-version-check -c $(VENV)/constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

build: $(STAMP)
	$(BIN)/nlpcourse build

release: $(STAMP)
	$(BIN)/nlpcourse release

goldens: release

validate: $(STAMP)
	$(BIN)/nlpcourse validate

demo: $(STAMP)
	$(BIN)/nlpcourse demo

lab: $(STAMP)
	$(BIN)/nlpcourse lab --port $(or $(PORT),8888)

# The system tools the suite needs (bubblewrap, Chromium, a PostgreSQL server): installed with
# apt-get where this is root, else one message that says how; checked before the venv is made.
systools:
	@$(PYTHON) nlpcourse/course/systools.py

test: systools $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_WORKERS) $(PYTEST_REPORT) $(PYTEST_ARGS)

test-fast: systools $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_WORKERS) -m "not slow" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf submitted autograded/*/ feedback gradebook.db source/*/*.ipynb test-artifacts
