"""Merchants, projects, status life-cycle, and who may see which project."""

from __future__ import annotations

import pytest

from core.accounts import users
from core.golive import gate
from core.kernel import audit
from core.kernel.errors import NotFound, ValidationError
from core.kernel.permissions import PermissionDenied
from core.projects import merchants

MERCHANT = {
    "name": "优品家居",
    "platform": "tmall",
    "category": "家居",
    "current_presales_agents": 2,
    "avg_daily_inquiries": 1500,
    "promotion_frequency": "monthly",
}


def test_create_merchant_and_project_starts_negotiating_with_history(fresh_db, admin):
    merchant_id = merchants.create_merchant(fresh_db, admin, MERCHANT)
    project_id = merchants.create_project(fresh_db, admin, merchant_id, "售前")
    project = merchants.get_project(fresh_db, admin, project_id)
    assert project["status"] == "negotiating" and project["platform"] == "tmall"
    history = merchants.status_history(fresh_db, admin, project_id)
    assert [(h["from_status"], h["to_status"]) for h in history] == [(None, "negotiating")]


def test_merchant_validation_reports_each_field(fresh_db, admin):
    with pytest.raises(ValidationError) as caught:
        merchants.create_merchant(
            fresh_db,
            admin,
            {
                "name": " ",
                "platform": "ebay",
                "avg_daily_inquiries": -3,
                "current_presales_agents": 1,
                "contact_name": "x" * 201,
            },
        )
    assert {(e.field, e.key) for e in caught.value.errors} == {
        ("name", "err.required"),
        ("platform", "err.invalid_choice"),
        ("avg_daily_inquiries", "err.non_negative_int"),
        ("contact_name", "err.too_long"),
    }
    assert fresh_db["merchants"].count == 0


def test_duplicate_merchant_name_is_refused(fresh_db, admin):
    merchants.create_merchant(fresh_db, admin, MERCHANT)
    with pytest.raises(ValidationError):
        merchants.create_merchant(fresh_db, admin, MERCHANT)


def test_status_moves_along_allowed_transitions_only(fresh_db, admin):
    project_id = merchants.create_project(fresh_db, admin, merchants.create_merchant(fresh_db, admin, MERCHANT), "售前")
    with pytest.raises(ValidationError) as caught:
        gate.change_status(fresh_db, admin, project_id, "live")
    assert caught.value.errors[0].key == "err.bad_transition"
    for status in ("signed", "training"):
        gate.change_status(fresh_db, admin, project_id, status, f"to {status}")
    with pytest.raises(ValidationError):  # not ready: no confirmed order confirmation, no team
        gate.change_status(fresh_db, admin, project_id, "live")

    gate.go_live(fresh_db, admin, project_id, "总监特批")  # the admin's override, with a reason
    for status in ("paused", "ended"):
        gate.change_status(fresh_db, admin, project_id, status, f"to {status}")
    with pytest.raises(ValidationError):
        gate.change_status(fresh_db, admin, project_id, "live")  # ended is final
    history = merchants.status_history(fresh_db, admin, project_id)
    assert [h["to_status"] for h in history] == ["negotiating", "signed", "training", "live", "paused", "ended"]
    assert all(h["changed_at"] for h in history)
    assert len([r for r in audit.search(fresh_db, admin, entity="project") if r["action"] == "status"]) == 5


def test_list_filters_by_search_platform_status_and_manager(fresh_db, admin):
    manager_id = users.create_user(fresh_db, admin, "mgr", "王经理", "manager", "password-123")
    a = merchants.create_merchant(fresh_db, admin, MERCHANT)
    b = merchants.create_merchant(
        fresh_db, admin, {**MERCHANT, "name": "鲜果坊", "platform": "pinduoduo", "category": "水果"}
    )
    merchants.create_project(fresh_db, admin, a, "售前", manager_id)
    pb = merchants.create_project(fresh_db, admin, b, "售前")
    gate.change_status(fresh_db, admin, pb, "signed")
    names = lambda **kw: [m["name"] for m in merchants.list_merchants(fresh_db, admin, **kw)]  # noqa: E731
    assert names(search="水果") == ["鲜果坊"]
    assert names(platform="tmall") == ["优品家居"]
    assert names(status="signed") == ["鲜果坊"]
    assert names(manager_id=manager_id) == ["优品家居"]


def test_merchant_user_sees_only_its_own_projects(fresh_db, admin):
    a = merchants.create_merchant(fresh_db, admin, MERCHANT)
    b = merchants.create_merchant(fresh_db, admin, {**MERCHANT, "name": "鲜果坊"})
    pa = merchants.create_project(fresh_db, admin, a, "售前")
    pb = merchants.create_project(fresh_db, admin, b, "售前")
    shop = users.actor_from_row(
        users.get_user(fresh_db, users.create_user(fresh_db, admin, "shop", "店", "merchant", "password-123", a))
    )
    assert [p["id"] for p in merchants.list_projects(fresh_db, shop)] == [pa]
    assert merchants.get_project(fresh_db, shop, pa)["id"] == pa
    with pytest.raises(NotFound):
        merchants.get_project(fresh_db, shop, pb)
    with pytest.raises(NotFound):
        merchants.get_merchant(fresh_db, shop, b)
    with pytest.raises(PermissionDenied):
        merchants.list_merchants(fresh_db, shop)
    with pytest.raises(PermissionDenied):
        gate.change_status(fresh_db, shop, pa, "signed")


def test_agent_sees_no_project_data_yet(fresh_db, admin):
    merchants.create_project(fresh_db, admin, merchants.create_merchant(fresh_db, admin, MERCHANT), "售前")
    agent = users.actor_from_row(
        users.get_user(fresh_db, users.create_user(fresh_db, admin, "agent1", "客服", "agent", "password-123"))
    )
    with pytest.raises(PermissionDenied):
        merchants.list_projects(fresh_db, agent)


def test_trainer_and_qa_read_but_do_not_write_projects(fresh_db, admin):
    project_id = merchants.create_project(fresh_db, admin, merchants.create_merchant(fresh_db, admin, MERCHANT), "售前")
    trainer = users.actor_from_row(
        users.get_user(fresh_db, users.create_user(fresh_db, admin, "tr", "培训", "trainer", "password-123"))
    )
    assert merchants.get_project(fresh_db, trainer, project_id)
    with pytest.raises(PermissionDenied):
        gate.change_status(fresh_db, trainer, project_id, "signed")


def test_home_summary_counts_statuses_and_drafts(demo_db):
    db, _ = demo_db
    from tests.conftest import actor_of

    summary = merchants.home_summary(db, actor_of(db, "manager"))
    assert sum(summary["by_status"].values()) == len(summary["projects"]) == 6
    assert summary["by_status"]["live"] == 2
    assert len(summary["drafts"]) == 2  # the negotiating draft and the re-opened draft
