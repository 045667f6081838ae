# The two commands of the README: `make run` and `make test`.
# The port is Streamlit's own setting: STREAMLIT_SERVER_PORT=8600 make run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: run test install reset-demo backup clean bench bench-pages bench-load bench-server demo-large chromium

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python -m core.demo
	$(BIN)/streamlit run Home.py

reset-demo: install
	$(BIN)/python -m core.demo --reset

chromium:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null)

test: install chromium
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python bench/kpi_bench.py
	$(BIN)/python bench/schedule_bench.py
	$(BIN)/python bench/kb_search_bench.py
	$(BIN)/python bench/summary_import_bench.py
	$(BIN)/python bench/kpi_vs_duckdb.py
	$(BIN)/python bench/raw_import_bench.py

# The large firm (100 merchants, 500 agents, a year of KPI days, ~5M chat messages) in data/large.db
# (or APP_DB); then: APP_DB=data/large.db make run, or the page and load benchmarks below.
demo-large: install
	$(BIN)/python -m core.demo_large

bench-pages: install
	$(BIN)/python bench/pages_bench.py --db data/large.db

bench-load: install
	$(BIN)/python bench/load_test.py --users 30 --seconds 60

bench-server: install
	$(BIN)/python bench/server_load.py --users 30 --seconds 60 --db data/large.db

backup: install
	$(BIN)/python -m core.backup data/backup-$(shell date +%Y%m%d-%H%M%S).db

clean:
	rm -rf $(VENV) .pytest_cache
