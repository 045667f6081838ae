"""AppTest runs of the Monday meeting and the merchant reports."""
from __future__ import annotations

from core import merchants
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
