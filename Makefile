# The two commands of the README: `make run` (the main job on raw/ into out/)
# and `make test` (lint, types and the whole test suite).  Both create the
# virtual environment and install everything first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup lint schema clean

setup: $(STAMP)

$(STAMP): pyproject.toml tools/setup.sh
	PYTHON=$(PYTHON) bash tools/setup.sh
	touch $(STAMP)

run: setup
	$(BIN)/svodka run raw/ --out out/

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

test: setup lint
	$(BIN)/pytest -q

schema: setup
	$(BIN)/svodka schema

clean:
	rm -rf $(VENV) out/*/ out/*.csv out/manifest.json
