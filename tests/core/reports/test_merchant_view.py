"""What core gives a merchant of its team (names, on duty or reserve, shifts; none of our staffing decisions)
and what an empty page may say about when figures come."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.golive import gate
from core.kernel import config, i18n
from core.kernel.permissions import PermissionDenied
from core.overview import home
from core.projects import merchants
from core.team import funnel as team
from tests.conftest import actor_of


def _own_projects(db, username="merchant"):
    return merchants.list_projects(db, actor_of(db, username))


def test_a_merchant_gets_its_team_and_none_of_our_staffing_decisions(demo_db):
    db, _ = demo_db
    shop = actor_of(db, "merchant")
    project_id = _own_projects(db)[0]["id"]
    members = team.team(db, shop, project_id)
    assert members and all(set(m) == set(team.MERCHANT_TEAM_FIELDS) for m in members)
    assert {m["role"] for m in members} <= {"online", "reserve"} and all(m["name"] for m in members)
    for internal in (team.funnel, gate.readiness, gate.overrides, team.candidates, team.settings):
        with pytest.raises(PermissionDenied):
            internal(db, shop, project_id)
    assert team.short_funnels(db, shop) == []


def test_staff_still_read_the_funnel_readiness_and_overrides(demo_db):
    db, _ = demo_db
    project_id = _own_projects(db)[0]["id"]
    for username in ("admin", "manager", "trainer", "qa"):
        staff = actor_of(db, username)
        assert team.funnel(db, staff, project_id)["required"]
        assert isinstance(gate.readiness(db, staff, project_id), list)
        assert gate.overrides(db, staff, project_id)  # the demo firm's live projects went live by override
        assert "admitted" in team.team(db, staff, project_id)[0]


def test_a_project_before_go_live_says_the_day_it_goes_live(demo_db):
    db, _ = demo_db
    shop = actor_of(db, "merchant2")
    project = next(p for p in _own_projects(db, "merchant2") if p["status"] == "training")
    outlook = home.data_outlook(db, shop, project["id"])
    assert outlook["kind"] == "before_golive" and outlook["date"] is not None and outlook["date"] >= config.today()
    text = home.outlook_text(outlook, lambda k, **kw: i18n.t(k, "zh", **kw))
    assert f"预计于 {outlook['date']} 上线" in text and "数据导入" not in text


def test_a_live_project_without_yesterdays_figures_says_they_are_not_imported_yet(demo_db):
    db, _ = demo_db
    shop = actor_of(db, "merchant")
    project_id = next(p["id"] for p in _own_projects(db) if p["status"] == "live")
    assert home.data_outlook(db, shop, project_id) is None  # the demo has yesterday's figures
    far = config.today() + timedelta(days=30)
    outlook = home.data_outlook(db, shop, project_id, far)
    assert outlook == {"kind": "awaiting_import", "project": outlook["project"], "date": far}
    assert str(far) in home.outlook_text(outlook, lambda k, **kw: i18n.t(k, "zh", **kw))


def test_before_a_go_live_day_is_agreed_the_text_says_it_comes_later(fresh_db, admin):
    merchant_id = merchants.create_merchant(fresh_db, admin, {"name": "新店", "platform": "taobao"})
    project_id = merchants.create_project(fresh_db, admin, merchant_id, "售前")
    outlook = home.data_outlook(fresh_db, admin, project_id, date(2026, 12, 2))
    assert outlook == {"kind": "before_golive", "project": "新店 · 售前", "date": None}
    assert "上线日期确认后" in home.outlook_text(outlook, lambda k, **kw: i18n.t(k, "zh", **kw))
