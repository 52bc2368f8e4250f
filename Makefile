# The README's commands. `make run` and `make test` each set up what they need first.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: setup run test bench lint docs clean

$(BIN)/.installed: pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(BIN)/.installed

run: setup
	$(BIN)/taskengine serve --demo

test: setup
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python bench/components.py
	$(BIN)/python bench/requester.py
	$(BIN)/python bench/worker.py

lint: setup
	$(BIN)/ruff check src components tests bench
	$(BIN)/ruff format --check src components tests bench
	$(BIN)/mypy
	$(BIN)/mypy components
	$(BIN)/mypy bench/*.py

docs: setup
	@echo "Paste this between the markers in README.md:"
	$(BIN)/taskengine components --markdown

clean:
	rm -rf $(VENV) build dist src/*.egg-info
