"""AppTest runs of the Monday meeting and the merchant reports."""

from __future__ import annotations

import json
from datetime import date

from core.projects import merchants
from tests.app_pages.helpers import logged_in, open_page
from tests.conftest import actor_of


def test_monday_page_shows_every_section_for_a_project(demo_db):
    db, _ = demo_db
    at = open_page(logged_in("manager"), "app_pages/monday.py")
    live = next(p for p in merchants.list_projects(db, actor_of(db, "manager")) if p["status"] == "live")
    at.selectbox(key="monday_scope").set_value(live["id"]).run()
    assert not at.exception
    headers = [h.value for h in at.header]
    assert headers == ["工作总结", "表扬及批评", "数据分析", "质检", "投诉", "培训", "行动项与会议纪要"]
    assert len([m for m in at.metric if "较上周" in (m.delta or "")]) >= 4
    rates = [m.delta for m in at.metric if ("30秒应答率" in m.label or "询单转化率" in m.label) and m.delta]
    assert rates and all("个百分点 较上周" in d for d in rates), rates


def test_presentation_mode_shows_one_section_at_a_time(demo_db):
    at = open_page(logged_in("manager"), "app_pages/monday.py")
    at.toggle(key="monday_present").set_value(True).run()
    assert [h.value for h in at.header] == ["工作总结"]
    at.button(key="slide_next").click().run()
    assert [h.value for h in at.header] == ["表扬及批评"]
    assert not at.exception


def test_an_action_item_is_added_from_the_page(demo_db):
    db, _ = demo_db
    at = open_page(logged_in("manager"), "app_pages/monday.py")
    at.text_input(key="action_text").input("周三前更新发货话术")
    at.selectbox(key="action_owner").set_value(actor_of(db, "manager").id)
    next(b for b in at.button if b.label == "添加").click().run()
    assert not at.exception
    assert any("周三前更新发货话术" in m.value for m in at.markdown)


def test_merchant_report_shows_intro_then_figures_and_downloads(demo_db):
    at = open_page(logged_in("merchant"), "app_pages/reports.py")
    assert not at.exception
    assert any("欢迎查看您的服务报表" in m.value for m in at.markdown)
    assert at.metric and at.get("download_button")


def test_merchant_report_refuses_another_merchants_project_id(demo_db):
    db, _ = demo_db
    own = {p["id"] for p in merchants.list_projects(db, actor_of(db, "merchant"))}
    for other in [p["id"] for p in merchants.list_projects(db, actor_of(db, "admin")) if p["id"] not in own]:
        at = open_page(logged_in("merchant"), "app_pages/reports.py", project=other)
        assert any("找不到" in e.value for e in at.error)
        assert not at.metric


def shown(selectbox) -> str:
    """The option the browser draws a new picker with: its default index ("" for none).

    A value written into the state before the picker is first drawn reaches the browser as
    set_value/raw_value, which a freshly drawn picker ignores (seen in Chromium: it showed 全公司
    while the page was a project's), so the default itself must be the value.
    """
    proto = selectbox.proto
    return proto.options[proto.default] if proto.HasField("default") else ""


def test_the_scope_opens_on_the_company_for_the_director_and_on_the_first_project_for_a_manager(demo_db):
    db, _ = demo_db
    at = open_page(logged_in("admin"), "app_pages/monday.py")
    assert not at.exception
    scope = at.selectbox(key="monday_scope")
    assert scope.value == 0 and shown(scope) == "全公司"  # a value, so the picker never shows "Choose an option"
    at = open_page(logged_in("manager"), "app_pages/monday.py")
    first = merchants.list_projects(db, actor_of(db, "manager"), status="live")[0]
    scope = at.selectbox(key="monday_scope")
    assert (
        scope.value == first["id"] and shown(scope) == f"{first['merchant_name']} · {first['name']}"
    )  # what it shows is what it holds
    assert [h.value for h in at.header][1:3] == ["表扬及批评", "数据分析"]


def test_the_company_meeting_has_praise_and_analysis_across_projects(demo_db):
    db, _ = demo_db
    at = open_page(logged_in("admin"), "app_pages/monday.py")
    assert not at.exception
    # only QA and training are a project's; praise and analysis have their whole-company form
    assert [i.value for i in at.info].count("请选择一个项目查看此部分。") == 2
    subheaders = [s.value for s in at.subheader]
    assert {"未达到自身目标的项目", "进步最大", "未达标", "各项目最差的一天"} <= set(subheaders)
    live = {
        f"{p['merchant_name']} · {p['name']}" for p in merchants.list_projects(db, actor_of(db, "admin"), status="live")
    }
    praise_lines = [m.value for m in at.markdown if m.value.startswith(("👍", "⚠️"))]
    assert praise_lines and all(
        any(f"（{name}）" in line for name in live) for line in praise_lines
    )  # each agent with its project
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert "本周全公司分时段应答次数" in titles


def test_presentation_hides_the_pickers_and_leaving_it_keeps_the_week_and_scope(demo_db):
    db, _ = demo_db
    at = open_page(logged_in("manager"), "app_pages/monday.py")
    projects = merchants.list_projects(db, actor_of(db, "manager"), status="live")
    chosen = projects[-1]["id"]
    at.selectbox(key="monday_scope").set_value(chosen).run()
    at.date_input(key="monday_week").set_value(date(2026, 11, 11)).run()
    at.toggle(key="monday_present").set_value(True).run()
    assert not at.exception
    assert not at.selectbox and not at.date_input and not at.toggle  # nothing of the page but the slide
    assert "2026-11-09" in at.title[0].value
    at.button(key="slide_next").click().run()
    assert [h.value for h in at.header] == ["表扬及批评"] and "2026-11-09" in at.title[0].value
    at.button(key="slide_exit").click().run()
    assert not at.exception
    scope = at.selectbox(key="monday_scope")
    assert scope.value == chosen and shown(scope) == next(
        f"{p['merchant_name']} · {p['name']}" for p in projects if p["id"] == chosen
    )
    assert at.date_input(key="monday_week").value == date(2026, 11, 11)
    assert len(at.header) == 7 and at.toggle(key="monday_present").value is False


def test_the_projects_qa_tables_have_chinese_headers(demo_db):
    db, _ = demo_db
    at = open_page(logged_in("manager"), "app_pages/monday.py")
    for project in merchants.list_projects(db, actor_of(db, "manager"), status="live"):
        at.selectbox(key="monday_scope").set_value(project["id"]).run()
        for frame in at.dataframe:
            assert not {"category", "item", "lost"} & set(frame.value.columns)
