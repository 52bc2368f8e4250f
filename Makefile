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

# One pytest process per core (at most 4: each holds PostgreSQL connections), tests handed out as workers free
# up; temporary folders (SQLite files among them) on tmpfs where there is one, so commits wait for no disk.
TEST_WORKERS ?= auto
TEST_TMP ?= $(shell [ -d /dev/shm ] && [ -w /dev/shm ] && echo /dev/shm)

test: setup
	$(if $(TEST_TMP),PYTEST_DEBUG_TEMPROOT=$(TEST_TMP)) $(BIN)/python -m pytest -n $(TEST_WORKERS) --maxprocesses=4 --dist worksteal

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
