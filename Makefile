# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint check eval clean system screenshots

# Debian packages the tests need: Chromium for the browser test (driven by Playwright
# with executable_path; Playwright's own browser download is not used) and a Japanese
# font for the simulator and the rich-menu image. Installed only when missing.
CHROMIUM := /usr/bin/chromium
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# PostgreSQL for the store tests (tests/postgres.py starts a throwaway server of its own).
PG_INITDB := /usr/lib/postgresql/*/bin/initdb

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

demo: $(INSTALLED)  ## set up, then run the bot locally with no LINE credentials
	$(BIN)/nakabot serve --host $(HOST) --port $(PORT)

system:  ## install Chromium, the Japanese font and PostgreSQL from Debian when absent
	@if [ ! -x $(CHROMIUM) ] || [ ! -f $(CJK_FONT) ] || ! ls $(PG_INITDB) >/dev/null 2>&1; then \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk postgresql; \
	fi

test: $(INSTALLED) system  ## set up, then run every check and test
	$(BIN)/ruff check bot tests bench
	$(BIN)/mypy
	$(BIN)/nakabot check
	$(BIN)/pytest

lint: $(INSTALLED)  ## style and types only (both also run in make test)
	$(BIN)/ruff check bot tests bench
	$(BIN)/mypy

screenshots: $(INSTALLED) system  ## redraw docs/screenshots/*.png from the browser test
	NAKABOT_SCREENSHOTS=docs/screenshots $(BIN)/pytest tests/test_browser.py tests/test_card_heights.py \
	  tests/test_browser_understanding.py tests/test_catalogue_browser.py
	$(BIN)/nakabot richmenu image docs/screenshots/richmenu.png

check: $(INSTALLED)
	$(BIN)/nakabot check --todo

eval: $(INSTALLED)  ## matching figures on every question set in tests/data, each apart
	@# Blind sets: totals only, their misses are not read (docs/matching.md).
	@for set in tests/data/*.jsonl; do echo "== $$set"; \
	  case "$$set" in *blind*) $(BIN)/nakabot eval "$$set" | sed '/^misses/,$$d' || exit 1;; \
	  *) $(BIN)/nakabot eval "$$set" || exit 1;; esac; echo; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
