# Two commands: `make run` serves the embedded default (SQLite, demo city) on PORT (5000);
# `make test` runs the whole suite. Everything they need is installed from this repository.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
export PORT

.PHONY: run test lint format bench translations messages chromium axe clean help

help:
	@echo "make run    - serve http://127.0.0.1:$(PORT) with the demo city (SQLite)"
	@echo "make test   - the whole test suite (SQLite; DATABASE_URL=postgresql://... for PostgreSQL)"
	@echo "make lint   - ruff and mypy"
	@echo "make bench  - benchmarks (see bench/README.md)"

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

translations: $(VENV)/.runtime
	@$(BIN)/pybabel compile -d intake/translations >/dev/null

messages: $(VENV)/.runtime
	mkdir -p instance
	$(BIN)/pybabel extract -F babel.cfg -k _l -k _text:1c,2 -o instance/messages.pot .
	$(BIN)/pybabel update -i instance/messages.pot -d intake/translations --no-fuzzy-matching

run: $(VENV)/.runtime translations
	$(FLASK) db upgrade
	$(FLASK) intake demo load
	$(FLASK) intake serve --port $(PORT)

chromium:
	@scripts/ensure-chromium

axe:
	@scripts/ensure-axe

test: $(VENV)/.dev translations chromium axe
	$(BIN)/pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.dev translations
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
