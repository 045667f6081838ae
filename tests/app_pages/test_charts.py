"""Every Plotly chart of every page: a title, axis titles, and dates written in the reader's language.

The figures are read back from what the page sent (AppTest keeps each chart's spec JSON), so a
chart drawn without `ui.charts.finish` fails here, whichever page it is on.
"""

from __future__ import annotations

import json
import re

import pytest

from core.agents import directory
from core.projects import merchants
from tests.app_pages.helpers import logged_in, open_page
from tests.conftest import actor_of

ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")
# (user, page, query, at least this many charts): every page that draws a chart, as a role that sees it with the
# demo's data
PAGES = [
    ("manager", "app_pages/kpi_dashboard.py", {}, 9),
    ("manager", "app_pages/monday.py", {}, 3),
    ("admin", "app_pages/monday.py", {}, 2),
    ("manager", "app_pages/complaints.py", {}, 1),
    ("qa", "app_pages/qa_analysis.py", {}, 2),
    ("admin", "app_pages/home.py", {}, 1),
    ("manager", "app_pages/staffing.py", {}, 3),
    ("trainer", "app_pages/training.py", {}, 1),
    ("manager", "app_pages/schedule.py", {}, 1),
    ("manager", "app_pages/team.py", {}, 1),
    ("manager", "app_pages/salary.py", {}, 4),
    ("merchant", "app_pages/qa.py", {}, 2),
]


def specs(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def is_dates(values) -> bool:
    first = next((v for v in values or [] if v is not None), None)
    return isinstance(first, str) and bool(ISO_DAY.match(first))


def text_of(title) -> str:
    if isinstance(title, dict):
        return (title.get("text") or "").strip()
    return (title or "").strip()


def check(spec: dict, date_ticks: str, date_hover: str) -> list[str]:
    """What a chart lacks: its title, an axis title, the date format of a date axis, a heat map's colour title."""
    layout, problems = spec["layout"], []
    title = text_of(layout.get("title"))
    if not title:
        problems.append("no title")
    for letter in ("x", "y"):
        axis = layout.get(f"{letter}axis", {})
        if not text_of(axis.get("title")):
            problems.append(f"{title}: no {letter} axis title")
        traces = [t for t in spec["data"] if t.get("type") not in ("heatmap", "funnel")]
        if any(is_dates(t.get(letter)) for t in traces) and (axis.get("tickformat"), axis.get("hoverformat")) != (
            date_ticks,
            date_hover,
        ):
            problems.append(
                f"{title}: {letter} axis of dates formatted {axis.get('tickformat')!r}/{axis.get('hoverformat')!r}"
            )
    if any(t.get("type") == "heatmap" for t in spec["data"]):
        colour = layout.get("coloraxis", {}).get("colorbar", {}).get("title") or next(
            (t.get("colorbar", {}).get("title") for t in spec["data"] if t.get("colorbar")), None
        )
        if not text_of(colour):
            problems.append(f"{title}: heat map without a colour title")
    return problems


@pytest.mark.parametrize(
    ("user", "path", "query", "least"), PAGES, ids=[f"{u}-{p.split('/')[-1][:-3]}" for u, p, _q, _n in PAGES]
)
def test_every_chart_has_a_title_axis_titles_and_chinese_dates(demo_db, user, path, query, least):
    at = logged_in(user)
    if path.endswith("salary.py"):
        at.session_state["salary_tab"] = "分析图表"  # its charts are drawn only while their tab is open
    at = open_page(at, path, **query)
    assert not at.exception, at.exception
    found = specs(at)
    assert len(found) >= least
    problems = [p for spec in found for p in check(spec, "%-m月%-d日", "%Y-%m-%d")]
    assert problems == []


def test_an_agents_exam_chart_is_finished_too(demo_db):
    db, _ = demo_db
    examined = next(
        a
        for a in directory.list_agents(db, actor_of(db, "manager"))
        if db.execute("SELECT COUNT(*) FROM exams WHERE agent_id = ?", [a["id"]]).fetchone()[0]
    )
    at = open_page(logged_in("manager"), "app_pages/agents.py", agent=examined["id"])
    assert not at.exception
    found = specs(at)
    assert found and [p for spec in found for p in check(spec, "%-m月%-d日", "%Y-%m-%d")] == []


def test_the_project_meeting_charts_are_finished(demo_db):
    db, _ = demo_db
    at = open_page(logged_in("manager"), "app_pages/monday.py")
    for project in merchants.list_projects(db, actor_of(db, "manager"), status="live"):
        at.selectbox(key="monday_scope").set_value(project["id"]).run()
        found = specs(at)
        assert len(found) >= 3 and [p for spec in found for p in check(spec, "%-m月%-d日", "%Y-%m-%d")] == []


def test_dates_are_english_for_an_english_reader(demo_db):
    db, _ = demo_db
    db["users"].update(actor_of(db, "manager").id, {"language": "en"})
    at = open_page(logged_in("manager"), "app_pages/kpi_dashboard.py")
    found = specs(at)
    assert len(found) >= 9
    assert [p for spec in found for p in check(spec, "%b %-d", "%b %-d, %Y")] == []
    assert text_of(found[0]["layout"]["yaxis"]["title"]) == "Consultations (people)"


def test_the_heat_map_names_what_it_counts_in_its_title_and_legend(demo_db):
    at = open_page(logged_in("manager"), "app_pages/kpi_dashboard.py")
    heat = next(s for s in specs(at) if any(t.get("type") == "heatmap" for t in s["data"]))
    assert text_of(heat["layout"]["title"]).startswith("分时段应答次数")
    assert text_of(heat["layout"]["coloraxis"]["colorbar"]["title"]) == "应答次数（次）"


def test_the_rankings_target_label_sits_above_the_bars(demo_db):
    at = open_page(logged_in("manager"), "app_pages/kpi_dashboard.py")
    ranking = next(s for s in specs(at) if text_of(s["layout"]["title"]) == "客服询单转化率排名")
    label = next(a for a in ranking["layout"]["annotations"] if a["text"].startswith("目标"))
    # at the top edge of the plot area, anchored by its bottom: drawn in the margin above the bars, not over them
    assert label["yref"] == "y domain" and label["y"] == 1 and label["yanchor"] == "bottom"
    assert ranking["layout"]["margin"]["t"] >= 60
