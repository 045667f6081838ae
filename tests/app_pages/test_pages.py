"""AppTest runs of every page: for each role that may open it, and one that may not."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.accounts import users
from core.kernel.permissions import PAGE_ACCESS, ROLES
from core.projects import merchants
from core.projects import order_confirmation as oc
from tests.app_pages.helpers import HOME, ROLE_USER, logged_in, open_page
from tests.conftest import actor_of
from ui.nav import PAGES

CASES = [(spec.path, role, role in PAGE_ACCESS[spec.key]) for spec in PAGES for role in ROLES]


@pytest.mark.parametrize("path,role,allowed", CASES, ids=[f"{p.split('/')[-1]}-{r}" for p, r, _ in CASES])
def test_page_opens_for_allowed_roles_only(demo_db, path, role, allowed):
    at = logged_in(ROLE_USER[role])
    if allowed:
        open_page(at, path)
        assert not at.exception, at.exception
        assert at.title, "the page drew no title"
    else:
        at.run()
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(path)


def test_login_form_refuses_wrong_password_and_locks_after_five(demo_db):
    at = AppTest.from_file(HOME, default_timeout=60).run()
    for attempt in range(5):
        at.text_input[0].input("manager")
        at.text_input[1].input("wrong-password")
        at.button[0].click().run()
    messages = [e.value for e in at.error]
    assert any("锁定" in m for m in messages), messages
    db, logins = demo_db
    at.text_input[0].input("manager")
    at.text_input[1].input(logins["manager"])
    at.button[0].click().run()
    assert any("锁定" in e.value for e in at.error)  # the right password does not help while locked
    assert at.session_state["authentication_status"] is not True


def test_login_form_logs_in_with_the_right_password(demo_db):
    _, logins = demo_db
    at = AppTest.from_file(HOME, default_timeout=60).run()
    at.text_input[0].input("manager")
    at.text_input[1].input(logins["manager"])
    at.button[0].click().run()
    assert at.session_state["authentication_status"] is True
    assert not at.exception


def test_deactivating_a_user_ends_the_live_session(demo_db):
    db, _ = demo_db
    at = logged_in("manager")
    open_page(at, "app_pages/merchants.py")
    assert at.title[0].value == "商家"
    manager = users.find_by_username(db, "manager")
    users.update_user(db, actor_of(db, "admin"), manager["id"], manager["display_name"], "manager", None, active=False)
    at.run()
    assert at.session_state["authentication_status"] is not True
    assert not at.title or at.title[0].value != "商家"


def test_merchant_cannot_open_another_merchants_project_by_url(demo_db):
    db, _ = demo_db
    own = {p["id"] for p in merchants.list_projects(db, actor_of(db, "merchant"))}
    other = next(p["id"] for p in merchants.list_projects(db, actor_of(db, "admin")) if p["id"] not in own)
    other_name = merchants.get_project(db, actor_of(db, "admin"), other)["merchant_name"]
    at = open_page(logged_in("merchant"), "app_pages/projects.py", project=other)
    assert any("找不到" in e.value for e in at.error)
    assert not at.metric and not at.tabs  # the page stops before drawing anything of the project
    assert other_name not in str(at)
    at = open_page(logged_in("merchant"), "app_pages/projects.py")
    assert len(at.selectbox[0].options) == len(own)


def test_merchant_sees_its_project_read_only(demo_db):
    at = open_page(logged_in("merchant"), "app_pages/projects.py")
    assert not at.exception
    assert not [b for b in at.button if b.label in ("保存草稿", "确认并冻结版本", "保存")]
    assert any("只读" in c.value for c in at.caption)


def test_admin_creates_a_merchant_from_the_page(demo_db):
    db, _ = demo_db
    at = open_page(logged_in("admin"), "app_pages/merchants.py")
    form_inputs = [t for t in at.text_input if t.label == "名称"]
    form_inputs[0].input("新商家测试")
    next(b for b in at.button if b.label == "保存").click().run()
    assert not at.exception
    assert any(m["name"] == "新商家测试" for m in merchants.list_merchants(db, actor_of(db, "admin")))


def test_order_confirmation_refuses_140_percent_and_saves_nothing(demo_db):
    db, _ = demo_db
    admin = actor_of(db, "admin")
    project = next(p for p in merchants.list_projects(db, admin) if p["status"] == "negotiating")
    before = oc.current(db, admin, project["id"])
    at = open_page(logged_in("manager"), "app_pages/projects.py", project=project["id"])
    rate = next(n for n in at.number_input if n.label.startswith("30秒应答率"))
    rate.set_value(140.0)
    next(b for b in at.button if b.label == "保存草稿").click().run()
    assert any("0%到100%" in e.value or "0%到100%" in c.value for e in at.error for c in at.caption)
    assert oc.current(db, admin, project["id"])["updated_at"] == before["updated_at"]


def test_language_switch_to_english_is_remembered(demo_db):
    db, _ = demo_db
    at = open_page(logged_in("manager"), "app_pages/merchants.py")
    at.radio(key="user_lang").set_value("en").run()
    assert users.find_by_username(db, "manager")["language"] == "en"
    fresh = open_page(logged_in("manager"), "app_pages/merchants.py")
    assert fresh.title[0].value == "Merchants"


def test_the_audit_log_shows_changes_in_words_with_the_json_behind_a_toggle(demo_db):
    db, _logins = demo_db
    at = open_page(logged_in("admin"), "app_pages/audit.py")
    at.selectbox(key="a_entity").set_value("pay_run").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert set(table["操作"]) <= {"核算", "审批通过", "重新打开", "锁定"} and set(table["对象"]) == {"月度工资核算"}
    assert "修改后" not in table.columns and not table["变更内容"].str.contains("{", regex=False).any()
    assert table["变更内容"].str.contains("核算人数：— → ").any()
    at.toggle(key="a_json").set_value(True).run()
    table = at.dataframe[0].value
    assert table["修改后"].str.startswith("{").any()
