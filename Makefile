# The two commands of the README: `make run` and `make test`.
# The port is Streamlit's own setting: STREAMLIT_SERVER_PORT=8600 make run.
# `make run` installs the runtime only (requirements.txt); `make test` and the benchmarks also the
# tests' and benchmarks' (requirements-dev.txt), Debian's chromium, a CJK font and nginx, each on its own check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run-$(shell cat requirements.txt | cksum | cut -d' ' -f1)
DEV_STAMP := $(VENV)/.installed-dev-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
APT_INSTALL := apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq

.PHONY: run worker serve nginx test lint install install-dev reset-demo backup clean bench bench-pages bench-browser bench-load bench-server demo-large chromium fonts

$(RUN_STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-run-*
	touch $(RUN_STAMP)

$(DEV_STAMP): $(RUN_STAMP) requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-dev-*
	touch $(DEV_STAMP)

install: $(RUN_STAMP)

install-dev: $(DEV_STAMP)

run: install
	$(BIN)/python -m demo
	$(BIN)/streamlit run Home.py

# The worker process beside the app: scheduled delivery (alerts, weekly reports); see README "Push delivery".
worker: install
	$(BIN)/python worker.py

# The whole firm from one machine: console processes behind nginx, and the worker (README "Serving the whole firm").
# SERVE_PORT (8080), SERVE_ADDRESS (0.0.0.0), SERVE_BACKENDS (the number of cores).
serve: install nginx fonts
	$(BIN)/python deploy/serve.py

reset-demo: install
	$(BIN)/python -m demo --reset

nginx:
	@command -v nginx >/dev/null 2>&1 || ($(APT_INSTALL) nginx >/dev/null)

chromium:
	@command -v chromium >/dev/null 2>&1 || ($(APT_INSTALL) chromium >/dev/null)

# Chinese pages in the browser tests' screenshots need a CJK font, whether or not chromium was there already
# (a TrueType one: the PDFs embed it; Noto Sans CJK's CFF outlines can be shown but not embedded by ReportLab)
fonts:
	@fc-list :lang=zh:fontformat=TrueType 2>/dev/null | grep -q . || ($(APT_INSTALL) fonts-wqy-microhei >/dev/null)

# Style and architecture, before the tests: ruff (lint and format, pyproject.toml) and the import-linter
# contracts (pyproject.toml: core never imports streamlit, ui or the pages; capabilities in their order).
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test: install-dev chromium fonts nginx lint
	$(BIN)/python -m pytest -q

bench: install-dev
	$(BIN)/python bench/kpi_bench.py
	$(BIN)/python bench/schedule_bench.py
	$(BIN)/python bench/kb_search_bench.py
	$(BIN)/python bench/summary_import_bench.py
	$(BIN)/python bench/kpi_vs_duckdb.py
	$(BIN)/python bench/raw_import_bench.py

# The large firm (100 merchants, 500 agents, a year of KPI days, ~5M chat messages) in data/large.db
# (or APP_DB); then: APP_DB=data/large.db make run, or the page and load benchmarks below.
demo-large: install
	$(BIN)/python -m demo.large

bench-pages: install-dev
	$(BIN)/python bench/pages_bench.py --db data/large.db

# the five heaviest pages in the browser (Playwright + chromium against streamlit run on the demo firm)
bench-browser: install-dev chromium fonts
	$(BIN)/python bench/browser_pages_bench.py

bench-load: install-dev
	$(BIN)/python bench/load_test.py --users 30 --seconds 60

bench-server: install-dev
	$(BIN)/python bench/server_load.py --users 30 --seconds 60 --db data/large.db

backup: install
	$(BIN)/python -m core.kernel.backup data/backup-$(shell date +%Y%m%d-%H%M%S).db

clean:
	rm -rf $(VENV) .pytest_cache
