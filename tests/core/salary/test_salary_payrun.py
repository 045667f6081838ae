"""The pay run: draft, approval that locks the figures, reopening by the admin, pending KPI figures,
who sees which statement, the month-to-date estimate."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from decimal import Decimal

import pytest

from core.kernel import audit, config
from core.kernel.errors import NotFound, ValidationError
from core.kernel.months import month_bounds, month_of
from core.kernel.permissions import PermissionDenied
from core.salary import attendance, exports, payrun, schemes
from tests.core.salary.test_salary_support import (
    MONTH,
    kpi_row,
    payfirm,  # noqa: F401  (a fixture)
    simple_scheme,
    user,
)

# --- the run: draft, approval, locking, reopening -------------------------------------------------------------------


def test_approving_locks_the_figures_whatever_the_data_does_later(payfirm):
    f = payfirm
    kpi_row(f.db, f.p1, "2026-09-01", "优品:小美", sales=150000.00, avg_response_s=40.0)
    run_id = payrun.run_month(f.db, f.manager, MONTH)
    payrun.approve_run(f.db, f.manager, run_id)
    before = payrun.get_statement(f.db, f.manager, run_id, f.a)
    kpi_row(f.db, f.p1, "2026-09-02", "优品:小美", sales=50000.00)
    attendance.set_day(f.db, f.manager, f.a, date(2026, 9, 3), "absent")
    schemes.save_version(f.db, f.manager, f.simple, simple_scheme(performance_amount=5000.0))
    after = payrun.get_statement(f.db, f.manager, run_id, f.a)
    assert after["total"] == before["total"] == Decimal("5075.00") and after["lines"] == before["lines"]
    with pytest.raises(ValidationError) as caught:
        payrun.run_month(f.db, f.manager, MONTH)
    assert caught.value.errors[0].key == "err.salary.locked"


def test_the_store_itself_refuses_to_change_lines_of_an_approved_run(payfirm):
    f = payfirm
    run_id = payrun.run_month(f.db, f.manager, MONTH)
    payrun.approve_run(f.db, f.manager, run_id)
    for statement in (
        "UPDATE pay_lines SET amount = 1 WHERE run_id = ?",
        "DELETE FROM pay_lines WHERE run_id = ?",
        "UPDATE pay_statements SET total = 1 WHERE run_id = ?",
        "DELETE FROM pay_statements WHERE run_id = ?",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="locked"):
            f.db.execute(statement, [run_id])


def test_a_draft_is_recomputed_from_the_latest_data(payfirm):
    f = payfirm
    run_id = payrun.run_month(f.db, f.manager, MONTH)
    assert payrun.get_statement(f.db, f.manager, run_id, f.a)["commission"] == Decimal("0.00")
    kpi_row(f.db, f.p1, "2026-09-01", "优品:小美", sales=150000.00)
    assert payrun.run_month(f.db, f.manager, MONTH) == run_id
    assert payrun.get_statement(f.db, f.manager, run_id, f.a)["commission"] == Decimal("900.00")
    assert payrun.get_run(f.db, f.manager, MONTH)["computations"] == 2


def test_only_the_admin_reopens_a_locked_month_with_a_reason_in_the_audit_log(payfirm):
    f = payfirm
    run_id = payrun.run_month(f.db, f.manager, MONTH)
    payrun.approve_run(f.db, f.manager, run_id)
    with pytest.raises(PermissionDenied):
        payrun.reopen_run(f.db, f.manager, run_id, "想改")
    with pytest.raises(ValidationError) as caught:
        payrun.reopen_run(f.db, f.admin, run_id, "  ")
    assert caught.value.errors[0].key == "err.required"
    payrun.reopen_run(f.db, f.admin, run_id, "补交请假条")
    assert payrun.get_run(f.db, f.manager, MONTH)["status"] == "draft"
    logged = audit.search(f.db, f.admin, entity="pay_run")
    assert logged[0]["action"] == "reopen" and json.loads(logged[0]["after"])["reason"] == "补交请假条"
    assert json.loads(logged[0]["before"])["status"] == "approved"
    assert [e["action"] for e in payrun.get_run(f.db, f.manager, MONTH)["events"]] == ["reopen", "approve", "run"]
    kpi_row(f.db, f.p1, "2026-09-01", "优品:小美", sales=150000.00)
    payrun.run_month(f.db, f.manager, MONTH)  # a reopened month can be run again
    assert payrun.get_statement(f.db, f.manager, run_id, f.a)["commission"] == Decimal("900.00")


def test_a_month_is_approved_only_once_it_is_over_and_run_only_once_it_began(payfirm):
    f = payfirm
    this_month = month_of(config.today())
    run_id = payrun.run_month(f.db, f.manager, this_month)
    with pytest.raises(ValidationError) as caught:
        payrun.approve_run(f.db, f.manager, run_id)
    assert caught.value.errors[0].key == "err.salary.month_not_over"
    next_month = month_of(month_bounds(this_month)[1] + timedelta(days=1))
    with pytest.raises(ValidationError) as caught:
        payrun.run_month(f.db, f.manager, next_month)
    assert caught.value.errors[0].key == "err.salary.month_future"
    with pytest.raises(ValidationError):
        payrun.run_month(f.db, f.manager, "2026-13")


def test_running_and_approving_are_audited(payfirm):
    f = payfirm
    run_id = payrun.run_month(f.db, f.manager, MONTH)
    payrun.approve_run(f.db, f.manager, run_id)
    assert [r["action"] for r in audit.search(f.db, f.admin, entity="pay_run")] == ["approve", "run"]


# --- who sees what ----------------------------------------------------------------------------------------------------


def test_an_agent_reads_only_its_own_statements_of_approved_months(payfirm):
    f = payfirm
    run_id = payrun.run_month(f.db, f.manager, MONTH)
    with pytest.raises(PermissionDenied):
        payrun.get_statement(f.db, f.agent_user, run_id, f.a)  # a draft is not the agent's yet
    assert payrun.my_statements(f.db, f.agent_user) == []
    payrun.approve_run(f.db, f.manager, run_id)
    assert payrun.get_statement(f.db, f.agent_user, run_id, f.a)["agent_name"] == "小美"
    with pytest.raises(PermissionDenied):
        payrun.get_statement(f.db, f.agent_user, run_id, f.b)  # another agent's statement
    assert [s["month"] for s in payrun.my_statements(f.db, f.agent_user)] == [MONTH]
    assert [s["month"] for s in payrun.my_statements(f.db, f.other_agent_user)] == [MONTH]
    for refused in (
        lambda: payrun.run_statements(f.db, f.agent_user, run_id),
        lambda: payrun.list_runs(f.db, f.agent_user),
        lambda: exports.payroll_frames(f.db, f.agent_user, run_id),
    ):
        with pytest.raises(PermissionDenied):
            refused()


def test_merchants_trainers_and_qa_never_see_pay(payfirm):
    f = payfirm
    run_id = payrun.run_month(f.db, f.manager, MONTH)
    payrun.approve_run(f.db, f.manager, run_id)
    inspector = user(f.db, f.admin, "inspector", "qa")
    for actor in (f.merchant, f.trainer, inspector):
        for refused in (
            lambda: payrun.get_statement(f.db, actor, run_id, f.a),
            lambda: payrun.list_runs(f.db, actor),
            lambda: payrun.run_month(f.db, actor, MONTH),
            lambda: payrun.month_to_date(f.db, actor, f.a),
            lambda: payrun.my_statements(f.db, actor),
        ):
            with pytest.raises(PermissionDenied):
                refused()


def test_only_managers_and_the_admin_run_and_approve(payfirm):
    f = payfirm
    with pytest.raises(PermissionDenied):
        payrun.run_month(f.db, f.agent_user, MONTH)
    run_id = payrun.run_month(f.db, f.admin, MONTH)
    with pytest.raises(PermissionDenied):
        payrun.approve_run(f.db, f.agent_user, run_id)
    with pytest.raises(NotFound):
        payrun.get_statement(f.db, f.manager, run_id + 1, f.a)


def test_the_month_to_date_estimate_is_the_agents_own_and_stored_nowhere(payfirm):
    f = payfirm
    today = config.today()
    estimate = payrun.month_to_date(f.db, f.agent_user)
    assert estimate["agent_id"] == f.a and estimate["status"] == "estimate" and estimate["end"] == today.isoformat()
    elapsed, month_days = today.day, month_bounds(month_of(today))[1].day
    assert estimate["base"] == (Decimal(3000) * elapsed / month_days).quantize(Decimal("0.01"))
    with pytest.raises(PermissionDenied):
        payrun.month_to_date(f.db, f.agent_user, f.b)
    assert payrun.month_to_date(f.db, f.manager, f.b)["agent_id"] == f.b
    assert f.db["pay_runs"].count == 0


def test_a_pay_run_using_a_pending_kpi_figure_says_so_before_it_can_be_approved(payfirm):
    f = payfirm
    kpi_row(f.db, f.p1, "2026-09-01", "优品:小美", sales=150000.00, avg_response_s=40.0)
    f.db["kpi_shop_daily"].insert(
        {
            "project_id": f.p1,
            "day": "2026-09-03",
            "source": "summary",
            "settings": "{}",
            "extra": '{"pending": ["sales"]}',
            "computed_at": "2026-10-01 00:00:00",
        },
        replace=True,
    )
    run_id = payrun.run_month(f.db, f.manager, MONTH)
    assert payrun.pending_kpi_days(f.db, f.manager, MONTH) == ["2026-09-03"]
    with pytest.raises(ValidationError) as refused:
        payrun.approve_run(f.db, f.manager, run_id)
    assert [e.key for e in refused.value.errors] == ["err.pending_figures"]
    payrun.approve_run(f.db, f.manager, run_id, accept_pending=True)
    assert f.db.execute("SELECT status FROM pay_runs WHERE id = ?", [run_id]).fetchone()[0] == "approved"


def test_a_draft_run_of_a_month_that_is_over_is_on_the_approvers_home_alerts_until_approved(payfirm):
    from core.overview import home

    f = payfirm
    this_month = month_of(config.today())
    payrun.run_month(f.db, f.manager, this_month)  # cannot be approved yet: no alert
    run_id = payrun.run_month(f.db, f.manager, MONTH)
    waiting = [a for a in home.alerts(f.db, f.manager) if a["kind"] == "pay_run"]
    assert [a["month"] for a in waiting] == [MONTH]
    assert [r["month"] for r in payrun.runs_waiting_approval(f.db, f.manager)] == [MONTH]
    with pytest.raises(PermissionDenied):
        payrun.runs_waiting_approval(f.db, f.agent_user)
    payrun.approve_run(f.db, f.manager, run_id, accept_pending=True)
    assert not [a for a in home.alerts(f.db, f.manager) if a["kind"] == "pay_run"]
