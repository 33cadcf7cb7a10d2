# 党建学习助手 — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean wheelhouse

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/dangjian run --host 127.0.0.1 --port 8000 --demo

CHROMIUM := /usr/bin/chromium

test: $(STAMP)
	$(BIN)/ruff check bot storage tests bench
	$(BIN)/mypy
	@if [ -x $(CHROMIUM) ]; then \
		$(BIN)/pytest; \
	else \
		echo "*** $(CHROMIUM) not found: the browser tests (pytest -m browser) are SKIPPED."; \
		echo "*** Install Debian's chromium (apt-get install chromium) to run them."; \
		$(BIN)/pytest -m "not install and not browser"; \
	fi

lint: $(STAMP)
	$(BIN)/ruff format --check bot storage tests bench
	$(BIN)/ruff check bot storage tests bench
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/webhook.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/broadcast.py

# Every wheel an offline install needs (run it where the package index is reachable, on the
# same OS and Python as the target): then `pip install --no-index --find-links wheelhouse
# dangjian-bot` on the intranet machine.
wheelhouse: $(STAMP)
	rm -rf wheelhouse
	$(BIN)/pip wheel --wheel-dir wheelhouse .
	@echo "wheelhouse/: $$(ls wheelhouse | wc -l) wheels"

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache wheelhouse build
