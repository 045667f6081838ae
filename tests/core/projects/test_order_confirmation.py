"""The order confirmation: drafts, validation on confirm, frozen versions, comparison, go-live."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import pytest

from core.kernel import config, uploads, workdays
from core.kernel.errors import ValidationError
from core.projects import merchants
from core.projects import order_confirmation as oc


@pytest.fixture
def project(fresh_db, admin):
    merchant_id = merchants.create_merchant(fresh_db, admin, {"name": "鲜果坊", "platform": "pinduoduo"})
    return merchants.create_project(fresh_db, admin, merchant_id, "售前")


def complete_form(**changes):
    data = {
        **oc.default_data("pinduoduo"),
        "company_name": "鲜果坊有限公司",
        "contact_name": "刘女士",
        "contact_phone": "13800000000",
        "liaison": "刘女士",
        "agents_required": 5,
        "target_daily_inquiries": 2000,
        "target_first_response_s": 10,
        "target_avg_response_s": 25,
        "target_response_30s_rate": 0.85,
        "target_conversion_rate": 0.25,
        "target_aov": 88.5,
        "target_satisfaction": 0.95,
        "materials_submitted": True,
        "materials_complete": True,
        "golive_committed_date": (config.today() + timedelta(days=10)).isoformat(),
    }
    data.update(changes)
    return data


def error_keys(exc):
    return {(e.field, e.key) for e in exc.errors}


def test_a_draft_saves_with_required_fields_missing(fresh_db, admin, project):
    oc.save_draft(fresh_db, admin, project, {"company_name": "鲜果坊"})
    current = oc.current(fresh_db, admin, project)
    assert current["status"] == "draft" and current["version"] == 1
    assert current["data"]["company_name"] == "鲜果坊"


def test_a_rate_of_140_percent_is_refused_even_in_a_draft(fresh_db, admin, project):
    with pytest.raises(ValidationError) as caught:
        oc.save_draft(fresh_db, admin, project, {"target_response_30s_rate": oc.percent_to_fraction(140)})
    assert ("target_response_30s_rate", "err.rate_range") in error_keys(caught.value)
    assert fresh_db["order_confirmations"].count == 0


def test_confirm_names_every_missing_required_field(fresh_db, admin, project):
    with pytest.raises(ValidationError) as caught:
        oc.confirm(fresh_db, admin, project, {})
    missing = {f for f, k in error_keys(caught.value) if k == "err.required"}
    assert missing == {f.name for f in oc.FIELDS if f.required}
    assert fresh_db["order_confirmations"].count == 0


def test_ranges_times_and_agents_are_checked(fresh_db, admin, project):
    bad = complete_form(
        agents_required=0,
        target_avg_response_s=0,
        target_aov=-1,
        kpi_window_start="25:00",
        service_hours_start="23:00",
        service_hours_end="08:00",
    )
    with pytest.raises(ValidationError) as caught:
        oc.confirm(fresh_db, admin, project, bad)
    assert {
        ("agents_required", "err.min"),
        ("target_avg_response_s", "err.positive"),
        ("target_aov", "err.positive"),
        ("kpi_window_start", "err.time_format"),
        ("service_hours_end", "err.end_before_start"),
    } <= error_keys(caught.value)


def test_a_golive_date_in_the_past_is_refused(fresh_db, admin, project):
    with pytest.raises(ValidationError) as caught:
        oc.confirm(
            fresh_db,
            admin,
            project,
            complete_form(golive_committed_date=(config.today() - timedelta(days=1)).isoformat()),
        )
    assert ("golive_committed_date", "err.date_past") in error_keys(caught.value)


def test_incomplete_materials_need_the_missing_list_and_a_date(fresh_db, admin, project):
    with pytest.raises(ValidationError) as caught:
        oc.confirm(fresh_db, admin, project, complete_form(materials_complete=False))
    assert {
        ("materials_missing", "err.required_when_incomplete"),
        ("materials_due_date", "err.required_when_incomplete"),
    } <= error_keys(caught.value)


def test_overlong_text_is_refused(fresh_db, admin, project):
    with pytest.raises(ValidationError) as caught:
        oc.save_draft(fresh_db, admin, project, {"other_requests": "长" * (oc.MAX_LONG_TEXT + 1)})
    assert ("other_requests", "err.too_long") in error_keys(caught.value)


def test_confirm_freezes_the_version_and_an_edit_starts_a_new_one(fresh_db, admin, project):
    oc.save_draft(fresh_db, admin, project, complete_form(agents_required=3))
    oc.confirm(fresh_db, admin, project, complete_form(agents_required=5))
    assert [(v["version"], v["status"]) for v in oc.versions(fresh_db, admin, project)] == [(1, "confirmed")]
    with pytest.raises(sqlite3.IntegrityError):  # the store itself refuses to change a confirmed row
        fresh_db.execute("UPDATE order_confirmations SET data = '{}' WHERE version = 1")
    oc.save_draft(fresh_db, admin, project, complete_form(agents_required=7))
    versions = oc.versions(fresh_db, admin, project)
    assert [(v["version"], v["status"]) for v in versions] == [(2, "draft"), (1, "confirmed")]
    assert oc.latest_confirmed(fresh_db, admin, project)["data"]["agents_required"] == 5
    rows = oc.compare(fresh_db, admin, project, 1, 2)
    changed = [(r["field"], r["a"], r["b"]) for r in rows if r["changed"]]
    assert changed == [("agents_required", 5, 7)]


def test_kpi_settings_follow_the_confirmed_version(fresh_db, admin, project):
    assert oc.kpi_settings(fresh_db, project) == {
        "window_start": "08:00",
        "window_end": "23:00",
        "fast_threshold_s": 30,
        "response_unit": "message",
        "attribution_days": 1,
    }
    oc.confirm(
        fresh_db,
        admin,
        project,
        complete_form(kpi_response_unit="turn", kpi_attribution_days="0", kpi_window_start="09:00"),
    )
    settings = oc.kpi_settings(fresh_db, project)
    assert (
        settings["response_unit"] == "turn"
        and settings["attribution_days"] == 0
        and settings["window_start"] == "09:00"
    )


def test_taobao_family_defaults_to_turn_unit():
    assert oc.default_data("taobao")["kpi_response_unit"] == "turn"
    assert oc.default_data("pinduoduo")["kpi_response_unit"] == "message"


def test_golive_proposal_counts_working_days_with_swapped_days():
    # Confirmed Wed 2026-09-30: 1-7 Oct are the National Day holiday; Thu 8, Fri 9 and the
    # swapped working Saturday 10 Oct are the three working days.
    proposal, warnings = oc.golive_proposal(date(2026, 9, 30), None)
    assert proposal == date(2026, 10, 10) and warnings == []


def test_golive_sooner_than_three_working_days_is_warned(fresh_db):
    proposal, warnings = oc.golive_proposal(date(2026, 11, 2), date(2026, 11, 4))  # Mon → Wed is 2 working days
    assert proposal == date(2026, 11, 5)
    assert [w.key for w in warnings] == ["warn.golive_too_soon"]
    proposal, warnings = oc.golive_proposal(date(2026, 11, 2), date(2026, 11, 12))
    assert proposal == date(2026, 11, 12) and warnings == []


def test_golive_skips_the_admins_extra_days_off():
    proposal, _ = oc.golive_proposal(date(2026, 11, 2), None, frozenset({date(2026, 11, 4)}))
    assert proposal == date(2026, 11, 6)


def test_working_days_work_for_years_without_published_calendar():
    assert workdays.add_working_days(date(2029, 12, 28), 3) > date(2029, 12, 28)


def test_merchant_qa_standard_needs_an_upload(fresh_db, admin, project):
    with pytest.raises(ValidationError) as caught:
        oc.confirm(fresh_db, admin, project, complete_form(qa_standard="merchant"))
    assert ("qa_standard", "err.qa_upload_required") in error_keys(caught.value)
    upload_id = uploads.store(fresh_db, admin, b"%PDF-1.4 standard", "标准.pdf", "application/pdf")
    oc.confirm(fresh_db, admin, project, complete_form(qa_standard="merchant"), upload_id)
    assert oc.latest_confirmed(fresh_db, admin, project)["qa_standard_upload_id"] == upload_id


def test_merchant_reads_its_confirmation_but_cannot_write(fresh_db, admin, project):
    from core.accounts import users
    from core.kernel.permissions import PermissionDenied

    merchant_id = merchants.get_project(fresh_db, admin, project)["merchant_id"]
    shop = users.actor_from_row(
        users.get_user(
            fresh_db, users.create_user(fresh_db, admin, "shop", "店", "merchant", "password-123", merchant_id)
        )
    )
    oc.confirm(fresh_db, admin, project, complete_form())
    assert oc.latest_confirmed(fresh_db, shop, project)["version"] == 1
    with pytest.raises(PermissionDenied):
        oc.save_draft(fresh_db, shop, project, complete_form())


def test_display_value_formats_storage_units():
    t = lambda key: key  # noqa: E731
    assert oc.display_value(oc.FIELDS_BY_NAME["target_response_30s_rate"], 0.853, t) == "85.3%"
    assert oc.display_value(oc.FIELDS_BY_NAME["target_aov"], 1234.5, t) == "¥1,234.50"
    assert oc.display_value(oc.FIELDS_BY_NAME["golive_requested_date"], None, t) == "—"
