# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint check eval clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

demo: $(INSTALLED)  ## set up, then run the bot locally with no LINE credentials
	$(BIN)/nakabot serve --host $(HOST) --port $(PORT)

test: $(INSTALLED)  ## set up, then run every check and test
	$(BIN)/ruff check bot tests bench
	$(BIN)/nakabot check
	$(BIN)/pytest

check: $(INSTALLED)
	$(BIN)/nakabot check --todo

eval: $(INSTALLED)
	$(BIN)/nakabot eval ../shared/eval/dev.jsonl

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
