"""Page speed on the large firm: every page of ui/nav.py, server side (AppTest), as the role that sees the most.

For each page: the first render (caches cleared first: a cold start of that page) and a rerun after
changing one filter (the page's first selectbox, date input, radio or multiselect in the main
area, else in the sidebar). Targets: first render <= 1.5 s, rerun <= 0.5 s; pages over target are
flagged. Prints the machine, the date and the database's size.

    make demo-large                              # builds data/large.db (a few minutes)
    .venv/bin/python bench/pages_bench.py [--db data/large.db] [--pages kpi_dashboard,home] [--repeat 2]

Not a pytest test (no test_ names). Times are the median of --repeat fresh sessions.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("APP_BCRYPT_ROUNDS", "4")
os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")

FIRST_TARGET_S = 1.5
RERUN_TARGET_S = 0.5
ROLE_ORDER = ("admin", "manager", "trainer", "qa", "agent", "merchant")


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _other_project(current: int) -> int | None:
    from core.bootstrap import open_store

    db = open_store()
    try:
        # the heaviest other live project: the most raw chat messages imported
        row = db.execute(
            """SELECT p.id FROM projects p LEFT JOIN kpi_imports i ON i.project_id = p.id AND i.kind = 'raw'
                            WHERE p.status = 'live' AND p.id != ? GROUP BY p.id
                            ORDER BY COALESCE(SUM(i.messages), 0) DESC, p.id
                            LIMIT 1""",
            [current],
        ).fetchone()
    finally:
        db.close()
    return row[0] if row else None


def change_one_filter(at) -> str | None:
    """Change the first filter widget of the page; return what was changed (None: the page has none).

    AppTest shows options as their labels, so a choice is changed only when its raw values can be
    told: labels that are the values themselves, or a project id (another live project is picked).
    """
    for area in (at.main, at.sidebar):
        for kind in ("selectbox", "date_input", "radio", "segmented_control", "text_input"):
            try:
                widgets = list(getattr(area, kind))
            except (AttributeError, KeyError):
                continue
            for widget in widgets:
                key = str(getattr(widget, "key", "") or "")
                if (
                    key in ("user_lang", "login_lang")
                    or getattr(widget, "disabled", False)
                    or getattr(widget, "form_id", "")
                ):
                    continue  # the language switch, and form fields, are not filters
                label = f"{kind} '{widget.label}'"
                value = widget.value
                if kind == "date_input":
                    if isinstance(value, tuple) and len(value) == 2 and value[0]:
                        widget.set_value((value[0] - timedelta(days=7), value[1]))
                    elif isinstance(value, date):
                        widget.set_value(value - timedelta(days=1))
                    else:
                        continue
                    return label
                if kind == "text_input":
                    continue  # searched last, below
                options = [str(o) for o in getattr(widget, "options", [])]
                if len(options) < 2:
                    continue
                if (
                    isinstance(value, int)
                    and not isinstance(value, bool)
                    and "project" in key + str(widget.label) + "项目"
                ):
                    other = _other_project(value)
                    if other is None:
                        continue
                    widget.set_value(other)
                    return label + " (another project)"
                if value is not None and str(value) in options:
                    widget.set_value(next(o for o in options if o != str(value)))
                    return label
    for area in (at.main, at.sidebar):
        for widget in list(area.text_input):
            if not getattr(widget, "form_id", "") and not widget.disabled:
                widget.input("1")
                return f"text_input '{widget.label}'"
    return None


def measure(spec, username: str) -> dict:
    """One fresh session: first render of the page (cold caches) and a rerun after one filter change."""
    import streamlit as st

    from tests.app_pages.helpers import logged_in
    from ui import cache

    at = logged_in(username)
    at.default_timeout = 120
    at.run()  # login and the home page
    cache.clear()
    st.cache_data.clear()
    if spec.key != "home":
        at.switch_page(spec.path)
    started = time.perf_counter()
    at.run()
    first = time.perf_counter() - started
    problem = at.exception[0].message if len(at.exception) else ""
    changed = change_one_filter(at)
    rerun = None
    if changed:
        started = time.perf_counter()
        at.run()
        rerun = time.perf_counter() - started
        if len(at.exception) and not problem:
            problem = at.exception[0].message
    return {"first": first, "rerun": rerun, "changed": changed or "-", "problem": problem}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=str(ROOT / "data" / "large.db"))
    parser.add_argument("--pages", help="comma-separated page keys (default: all)")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    path = Path(args.db)
    if not path.exists():
        print(f"{path} does not exist: run `make demo-large` first (or pass --db)")
        return 2
    os.environ["APP_DB"] = str(path)
    import streamlit

    from core.bootstrap import open_store
    from core.kernel.permissions import page_allowed
    from ui import nav

    missing = [spec.key for spec in nav.PAGES if not (ROOT / spec.path).exists()]
    nav.PAGES = tuple(spec for spec in nav.PAGES if (ROOT / spec.path).exists())  # a page being written elsewhere
    PAGES = nav.PAGES

    db = open_store(path)
    counts = {
        t: db[t].count
        for t in ("merchants", "agents", "chat_messages", "kpi_agent_daily", "qa_reviews", "complaints", "pay_runs")
    }
    db.close()
    print(f"machine : {cpu_model()}, {os.cpu_count()} logical cores, {platform.system()} {platform.release()}")
    print(
        f"software: Python {platform.python_version()}, Streamlit {streamlit.__version__}, "
        f"SQLite {sqlite3.sqlite_version}"
    )
    print(f"date    : {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(
        f"data    : {path} ({path.stat().st_size / 2**20:,.0f} MB): "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items())
    )
    print(
        f"targets : first render <= {FIRST_TARGET_S} s, rerun after a filter change <= {RERUN_TARGET_S} s "
        f"(median of {args.repeat} sessions)\n"
    )
    if missing:
        print(f"skipped : {', '.join(missing)} (listed in ui/nav.py, file not there yet)\n")
    wanted = set(args.pages.split(",")) if args.pages else None
    header = f"{'page':<14}{'role':<10}{'first s':>9}{'rerun s':>9}  {'filter changed':<34} flag"
    print(header)
    print("-" * len(header))
    over = 0
    for spec in PAGES:
        if wanted and spec.key not in wanted:
            continue
        role = next((r for r in ROLE_ORDER if page_allowed(r, spec.key)), None)
        if role is None:
            continue
        results = [measure(spec, role) for _ in range(args.repeat)]
        first = statistics.median(r["first"] for r in results)
        reruns = [r["rerun"] for r in results if r["rerun"] is not None]
        rerun = statistics.median(reruns) if reruns else None
        flags = []
        if first > FIRST_TARGET_S:
            flags.append("FIRST OVER")
        if rerun is not None and rerun > RERUN_TARGET_S:
            flags.append("RERUN OVER")
        problem = next((r["problem"] for r in results if r["problem"]), "")
        if problem:
            flags.append(f"ERROR: {problem[:60]}")
        over += bool(flags)
        print(
            f"{spec.key:<14}{role:<10}{first:>9.2f}{(f'{rerun:.2f}' if rerun is not None else '-'):>9}  "
            f"{results[0]['changed'][:34]:<34} {' '.join(flags) or 'ok'}",
            flush=True,
        )
    print(f"\n{over} page(s) over target" if over else "\nevery page within target")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
