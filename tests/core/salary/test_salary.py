"""Monthly pay runs with hand-computed months: every line, its explanation, missing targets, project changes,
deductions, limits, locking, access."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from core.complaints import complaints
from core.kernel import audit, config
from core.kernel.errors import NotFound, ValidationError
from core.kernel.months import month_bounds, month_of
from core.kernel.permissions import PermissionDenied
from core.qa import reviews
from core.salary import attendance, explain, exports, payrun, schemes
from core.salary.charts import chart_frame, kpi_moves, month_over_month
from core.salary.sources import composite_indices
from core.salary.statement import compute_month
from core.team import exams
from tests.core.qa.test_qa_support import best, default_card
from tests.core.salary.test_salary_support import MONTH, amounts, kpi_row, lines_of, payfirm, simple_scheme, user  # noqa: F401


def statement_of(f, agent_id: int, month: str = MONTH) -> dict:
    return next(s for s in compute_month(f.db, month) if s["agent_id"] == agent_id)


def run_and_read(f, agent_id: int) -> dict:
    run_id = payrun.run_month(f.db, f.manager, MONTH)
    return payrun.get_statement(f.db, f.manager, run_id, agent_id)


# --- a full month, line by line ---------------------------------------------------------------------------------


def test_a_full_month_base_tiered_commission_performance_and_grade_bonus(payfirm):
    f = payfirm
    kpi_row(f.db, f.p1, "2026-09-01", "优品:小美", sales=150000.00, avg_response_s=40.0)
    s = run_and_read(f, f.a)
    assert amounts(s, "base") == ["3000.00"]  # 3000 × 30 / 30
    assert amounts(s, "commission") == ["900.00"]  # 100000 × 0.5 % + 50000 × 0.8 %
    assert amounts(s, "performance") == ["975.00"]  # 1000 × 30/30 × 97.5 / 100
    assert s["kpi_score"] == Decimal("97.50")  # 0.5 × 120 (capped 120 %) + 0.5 × 75 (30 s / 40 s)
    assert s["grade"] == "gold" and amounts(s, "bonus") == ["200.00"]
    assert s["total"] == Decimal("5075.00") == sum(line["amount"] for line in s["lines"])
    assert s["sales"] == Decimal("150000.00")


def test_a_lower_is_better_kpi_scores_target_over_actual(payfirm):
    f = payfirm
    kpi_row(f.db, f.p1, "2026-09-01", "优品:小美", sales=90000.00, avg_response_s=40.0)
    performance = lines_of(statement_of(f, f.a), "performance")[0]
    table = performance["explanation"]["tables"][0]
    response = next(row for row in table["rows"] if row[0] == "@salary.kpi.avg_response_s")
    assert response[1:7] == [
        "40.0 s",
        "30.0 s",
        "@salary.source.order_confirmation",
        "@salary.dir.lower",
        "75.00%",
        "75.00%",
    ]
    assert response[8] == "75.00"
    sales = next(row for row in table["rows"] if row[0] == "@salary.kpi.sales")
    assert sales[2] == "90,000.00" and sales[3] == "@salary.source.scheme_prorated" and sales[5] == "100.00%"


def test_achievement_is_capped_at_the_schemes_setting(payfirm):
    f = payfirm
    schemes.save_version(f.db, f.manager, f.simple, simple_scheme(achievement_cap=1.5))
    kpi_row(f.db, f.p1, "2026-09-01", "优品:小美", sales=180000.00, avg_response_s=60.0)
    s = statement_of(f, f.a)
    assert s["kpi_score"] == Decimal("100.00")  # 0.5 × 150 (200 % capped at 150 %) + 0.5 × 50 = 100
    schemes.save_version(f.db, f.manager, f.simple, simple_scheme())
    assert statement_of(f, f.a)["kpi_score"] == Decimal("85.00")  # 0.5 × 120 + 0.5 × 50


def test_sales_of_several_days_are_summed_exactly_to_the_tier_boundary(payfirm):
    f = payfirm
    for day, sales in (("2026-09-01", 33333.33), ("2026-09-02", 33333.33), ("2026-09-03", 33333.34)):
        kpi_row(f.db, f.p1, day, "优品:小美", sales=sales)
    s = statement_of(f, f.a)
    assert s["sales"] == Decimal("100000.00") and amounts(s, "commission") == ["500.00"]
    commission = lines_of(s, "commission")[0]["explanation"]
    assert commission["calc"] == "100,000.00 × 0.50% = 500.00"
    assert [row[0] for row in commission["tables"][1]["rows"]] == [
        "2026-09-01",
        "2026-09-02",
        "2026-09-03",
    ]  # the sales behind it


def test_an_agent_without_kpi_data_gets_zero_points_said_so_never_hidden(payfirm):
    f = payfirm
    s = statement_of(f, f.a)
    performance = lines_of(s, "performance")[0]
    assert s["kpi_score"] == Decimal("0.00") and amounts(s, "performance") == ["0.00"]
    assert all(row[1] == "@salary.no_data" for row in performance["explanation"]["tables"][0]["rows"])


def test_every_line_opens_to_formula_calculation_inputs_and_result(payfirm):
    f = payfirm
    kpi_row(f.db, f.p1, "2026-09-01", "优品:小美", sales=150000.00, avg_response_s=40.0)
    s = run_and_read(f, f.a)
    for line in s["lines"]:
        explanation = line["explanation"]
        assert (
            explanation["formula"].startswith("salary.f.")
            and explanation["calc"]
            and explanation["result"] == f"{line['amount']:,.2f}"
        )
    base = lines_of(s, "base")[0]["explanation"]
    assert base["calc"] == "3,000.00 × 30 / 30 = 3,000.00"
    assert {"label": "salary.in.scheme", "value": "simple v1", "params": {}} in base["inputs"]
    assert lines_of(s, "performance")[0]["explanation"]["calc"] == "1,000.00 × 30 / 30 × 97.50 / 100 = 975.00"


# --- missing targets ---------------------------------------------------------------------------------------------


def test_a_missing_target_stops_the_run_naming_the_kpi_agent_and_project(payfirm):
    f = payfirm
    schemes.save_version(
        f.db,
        f.manager,
        f.simple,
        simple_scheme(
            kpis=[
                {"kpi": "sales", "weight": 0.5, "target": 90000.0, "scoring": "linear"},
                {"kpi": "effective_reply_rate", "weight": 0.5, "target": None, "scoring": "linear"},
            ]
        ),
    )  # no order-confirmation target exists
    kpi_row(f.db, f.p1, "2026-09-01", "优品:小美", sales=1000.0)
    with pytest.raises(ValidationError) as caught:
        payrun.run_month(f.db, f.manager, MONTH)
    errors = {(e.field, e.params["agent"]) for e in caught.value.errors}
    assert ("salary.kpi.effective_reply_rate", "小美") in errors and (
        "salary.kpi.effective_reply_rate",
        "阿杰",
    ) in errors
    first = caught.value.errors[0]
    assert (
        first.key == "err.salary.missing_target"
        and first.params["scheme"] == "simple"
        and "优品家居" in first.params["project"]
    )
    assert f.db["pay_runs"].count == 0 and f.db["pay_lines"].count == 0  # nothing half-written


def test_a_project_without_a_confirmed_order_confirmation_has_no_targets_to_fall_back_on(payfirm):
    f = payfirm
    from core.agents import directory
    from core.projects import merchants

    merchant_id = merchants.create_merchant(f.db, f.admin, {"name": "潮流服饰", "platform": "taobao"})
    bare = merchants.create_project(f.db, f.admin, merchant_id, "售前")
    c = directory.create_agent(
        f.db, f.admin, {"name": "晓晓", "employee_no": "KF3", "status": "online", "base_salary": 3000}
    )
    directory.assign(f.db, f.admin, bare, c, "online", "day", date(2026, 8, 1), "潮流:晓晓")
    with pytest.raises(ValidationError) as caught:
        compute_month(f.db, MONTH)
    assert [(e.field, e.params["agent"]) for e in caught.value.errors] == [("salary.kpi.avg_response_s", "晓晓")]


def test_no_scheme_for_an_agent_is_an_error_not_a_zero(payfirm):
    f = payfirm
    f.db.execute("DELETE FROM salary_scheme_assignments")
    with pytest.raises(ValidationError) as caught:
        compute_month(f.db, MONTH)
    assert {e.key for e in caught.value.errors} == {"err.salary.no_scheme"}
    assert {e.params["agent"] for e in caught.value.errors} == {"小美", "阿杰"}


# --- changing project mid-month ----------------------------------------------------------------------------------


def test_an_agent_who_changed_project_mid_month_is_paid_by_each_projects_scheme_for_its_days(payfirm):
    f = payfirm
    beauty = schemes.create_scheme(
        f.db,
        f.manager,
        "beauty",
        simple_scheme(
            commission_mode="flat",
            commission_rate=0.01,
            performance_amount=600.0,
            kpis=[{"kpi": "sales", "weight": 1.0, "target": 30000.0, "scoring": "linear"}],
        ),
    )
    schemes.assign(f.db, f.manager, beauty, date(2026, 9, 1), project_id=f.p2)
    kpi_row(f.db, f.p1, "2026-09-05", "优品:阿杰", sales=20000.00, avg_response_s=30.0)
    kpi_row(f.db, f.p1, "2026-09-15", "优品:阿杰", sales=5000.00)  # after the move: not P1's to pay
    kpi_row(f.db, f.p2, "2026-09-20", "美妆:阿杰", sales=10000.00)
    s = run_and_read(f, f.b)
    assert [s_["days"] for s_ in s["summary"]["segments"]] == [10, 20]
    assert amounts(s, "base") == ["1000.00", "2000.00"]  # 3000 × 10/30, 3000 × 20/30
    assert amounts(s, "commission") == ["100.00", "100.00"]  # 20000 × 0.5 % (tiers), 10000 × 1 % (flat)
    # P1: sales target 90000 × 10/30 = 30000 → 66.67 %; response 30/30 = 100 % → score 83.33;
    # 1000 × 10/30 × 83.33 % = 277.77
    # P2: sales target 30000 × 20/30 = 20000 → 50 %; score 50; 600 × 20/30 × 50 % = 200.00
    assert amounts(s, "performance") == ["277.77", "200.00"]
    assert [seg["score"] for seg in s["summary"]["segments"]] == ["83.33", "50.00"]
    assert s["kpi_score"] == Decimal("61.11")  # (10 × 83.33 + 20 × 50) / 30
    assert s["grade"] is None and s["total"] == Decimal("3677.77")
    assert [line["label_params"]["project"] for line in lines_of(s, "base")] == ["优品家居 · 售前", "美妆小铺 · 售前"]
    assert lines_of(s, "performance")[1]["explanation"]["inputs"][3]["value"] == "beauty v1"


def test_an_agents_own_scheme_wins_over_the_project_and_the_company_from_its_date(payfirm):
    f = payfirm
    own = schemes.create_scheme(f.db, f.manager, "senior", simple_scheme(base_amount=4500.0))
    schemes.assign(f.db, f.manager, own, date(2026, 9, 16), agent_id=f.a)
    s = statement_of(f, f.a)
    assert amounts(s, "base") == [
        "1500.00",
        "2250.00",
    ]  # 3000 × 15/30 (roster, company scheme), then 4500 × 15/30 (own scheme)


# --- deductions ---------------------------------------------------------------------------------------------------


def _complaint_against(f, agent_id: int, project_id: int, when: datetime) -> str:
    qa_user = user(f.db, f.admin, f"qa{when:%d%H%M}", "qa")
    complaint_id = complaints.log_complaint(
        f.db,
        qa_user,
        {
            "project_id": project_id,
            "channel": "chat",
            "buyer_id": "tb_1",
            "category": "service_attitude",
            "description": "态度差",
            "severity": "medium",
            "concerns_agent": True,
            "agent_id": agent_id,
        },
        now=when,
    )
    complaints.set_responsibility(f.db, f.manager, complaint_id, True, "客服态度问题", now=when + timedelta(hours=1))
    return complaints.get_complaint(f.db, f.admin, complaint_id)["number"]


def test_each_deduction_is_a_line_naming_its_cause(payfirm):
    f = payfirm
    number = _complaint_against(f, f.a, f.p1, datetime(2026, 9, 12, 10, 0))
    inspector = user(f.db, f.admin, "inspector", "qa")
    card = default_card(f.db)
    review = reviews.record_review(
        f.db,
        inspector,
        {"project_id": f.p1, "agent_id": f.a, "chat_buyer_id": "tb_9", "chat_date": "2026-09-15"},
        best(card, **{"与买家争吵或嘲讽买家": 0}),
        now=datetime(2026, 9, 16, 9, 0),
    )
    attendance.save_days(
        f.db,
        f.manager,
        f.a,
        [
            {"day": "2026-09-03", "status": "absent", "shift": "day"},
            {"day": "2026-09-04", "shift": "day", "check_in": "08:45"},  # after 08:30: late
            {"day": "2026-09-05", "status": "leave", "shift": "day"},  # leave costs 0 in this scheme: no line
        ],
    )
    s = run_and_read(f, f.a)
    deductions = lines_of(s, "deduction")
    assert [(d["label"], d["ref"], f"{d['amount']:.2f}") for d in deductions] == [
        ("salary.line.complaint", number, "-50.00"),
        ("salary.line.critical", f"QA#{review}", "-100.00"),
        ("salary.line.absence", "2026-09-03", "-100.00"),
        ("salary.line.late", "2026-09-04", "-20.00"),
    ]
    assert deductions[0]["label_params"] == {"number": number, "day": "2026-09-12"}
    critical_inputs = {i["label"]: i["value"] for i in deductions[1]["explanation"]["inputs"]}
    assert (
        critical_inputs["salary.in.chat_date"] == "2026-09-15" and "争吵" in critical_inputs["salary.in.failed_items"]
    )
    late_inputs = {i["label"]: i["value"] for i in deductions[3]["explanation"]["inputs"]}
    assert late_inputs["salary.in.check_in"] == "08:45" and late_inputs["salary.in.shift"] == "08:30–16:00"
    assert s["deduction"] == Decimal("-270.00")


def test_a_complaint_the_supervisor_cleared_costs_nothing(payfirm):
    f = payfirm
    qa_user = user(f.db, f.admin, "inspector", "qa")
    complaint_id = complaints.log_complaint(
        f.db,
        qa_user,
        {
            "project_id": f.p1,
            "channel": "chat",
            "buyer_id": "tb_1",
            "category": "service_attitude",
            "description": "态度差",
            "severity": "low",
            "concerns_agent": True,
            "agent_id": f.a,
        },
        now=datetime(2026, 9, 12, 10, 0),
    )
    complaints.set_responsibility(f.db, f.manager, complaint_id, False, "买家误会", now=datetime(2026, 9, 12, 12, 0))
    assert lines_of(statement_of(f, f.a), "deduction") == []


def test_deduction_cap_floor_and_cap_are_adjustment_lines_saying_why(payfirm):
    f = payfirm
    attendance.save_days(
        f.db, f.manager, f.a, [{"day": f"2026-09-0{d}", "status": "absent", "shift": "day"} for d in (1, 2, 3)]
    )
    schemes.save_version(f.db, f.manager, f.simple, simple_scheme(deduction_cap=150.0, total_floor=3500.0))
    s = statement_of(f, f.a)
    adjustments = lines_of(s, "adjustment")
    assert [(a["label"], f"{a['amount']:.2f}") for a in adjustments] == [
        ("salary.line.deduction_cap", "150.00"),  # 300 deducted, cap 150: 150 back
        ("salary.line.floor", "650.00"),  # 3000 − 150 = 2850 → floor 3500
    ]
    assert adjustments[0]["explanation"]["calc"] == "300.00 − 150.00 = 150.00"
    assert s["total"] == Decimal("3500.00")
    schemes.save_version(f.db, f.manager, f.simple, simple_scheme(total_cap=2000.0))
    s = statement_of(f, f.a)
    assert [(a["label"], f"{a['amount']:.2f}") for a in lines_of(s, "adjustment")] == [("salary.line.cap", "-700.00")]
    assert s["total"] == Decimal("2000.00")


# --- composite indices ----------------------------------------------------------------------------------------------


def test_composite_indices_follow_the_kpi_spec():
    data = schemes.default_scheme() | {"complaint_coefficient": 5.0, "absence_coefficient": 5.0}
    found = composite_indices(data, Decimal(80), Decimal(90), 1, 2, Decimal(1000), Decimal(999))
    assert found["service_quality_index"]["value"] == Decimal(80)  # (80 + 90) / 2 − 1 × 5
    assert found["training_index"]["value"] == Decimal(70)  # 80 − 2 × 5
    assert found["volume_index"]["value"] == Decimal(1)  # (1000 − 1) / 999
    assert composite_indices(data, None, Decimal(90), 0, 0, None, Decimal(1))["service_quality_index"]["value"] is None


def test_a_composite_index_as_a_scheme_input_uses_exams_reviews_and_complaints(payfirm):
    f = payfirm
    exams.record_exam(
        f.db,
        f.admin,
        {
            "agent_id": f.a,
            "project_id": None,
            "exam_type": "written",
            "score": 80,
            "max_score": 100,
            "exam_date": date(2026, 8, 20),
        },
    )
    inspector = user(f.db, f.admin, "inspector", "qa")
    reviews.record_review(
        f.db,
        inspector,
        {"project_id": f.p1, "agent_id": f.a, "chat_buyer_id": "tb_9", "chat_date": "2026-09-15"},
        best(default_card(f.db)),
        now=datetime(2026, 9, 16, 9, 0),
    )  # 100 points
    schemes.save_version(
        f.db,
        f.manager,
        f.simple,
        simple_scheme(kpis=[{"kpi": "service_quality_index", "weight": 1.0, "target": 80.0, "scoring": "linear"}]),
    )
    s = statement_of(f, f.a)
    assert s["kpi_score"] == Decimal("100.00")  # (80 + 100) / 2 = 90 against 80: 112.5 points, bounded at 100
    assert s["summary"]["indices"]["service_quality_index"]["value"] == "90.0000"
    assert s["summary"]["indices"]["training_index"]["value"] == "80.0000"


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


# --- exports and charts ----------------------------------------------------------------------------------------------


def test_payroll_sheet_has_one_row_per_agent_and_every_line_with_its_calculation(payfirm):
    f = payfirm
    kpi_row(f.db, f.p1, "2026-09-01", "优品:小美", sales=150000.00, avg_response_s=40.0)
    run_id = payrun.run_month(f.db, f.manager, MONTH)
    sheets = exports.payroll_frames(f.db, f.manager, run_id, "zh")
    payroll, detail = list(sheets.values())
    assert list(payroll["姓名" if "姓名" in payroll else "客服"]) == ["小美", "阿杰"]
    assert payroll.loc[0, "应发合计"] == 5075.00
    assert "100,000.00 × 0.50% + 50,000.00 × 0.80% = 900.00" in list(detail["计算过程"])
    assert list(sheets)[0] == "工资表 2026-09 草稿"


def test_the_printable_statement_escapes_every_value(payfirm):
    f = payfirm
    from core.agents import directory

    directory.update_agent(f.db, f.admin, f.a, {"name": "<script>alert(1)</script>"})
    run_id = payrun.run_month(f.db, f.manager, MONTH)
    page = exports.statement_html(payrun.get_statement(f.db, f.manager, run_id, f.a), "zh")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "应发合计" in page and "@page" in page and "非最终工资" in page


def test_month_over_month_and_the_kpi_that_moved_pay_most(payfirm):
    f = payfirm
    kpi_row(f.db, f.p1, "2026-08-10", "优品:小美", sales=45000.00, avg_response_s=30.0)
    kpi_row(f.db, f.p1, "2026-09-10", "优品:小美", sales=90000.00, avg_response_s=30.0)
    payrun.run_month(f.db, f.manager, "2026-08")
    run_id = payrun.run_month(f.db, f.manager, MONTH)
    moves = month_over_month(f.db, f.manager, run_id)
    mine = moves[moves["agent"] == "小美"].iloc[0]
    # August: score 0.5 × 50 + 0.5 × 100 = 75 → perf 750, commission 225;
    # September: 100 → 1000 + 200 gold, commission 450
    assert (mine["previous"], mine["total"], mine["change"]) == (3975.00, 4650.00, 675.00)
    kpis = kpi_moves(f.db, f.manager, run_id)
    row = kpis[kpis["agent"] == "小美"].iloc[0]
    assert row["kpi"] == "sales" and row["change"] == 250.00  # 500 of 750 → 500 of 1000 ... sales share 250 → 500
    frame = chart_frame(f.db, f.manager, run_id)
    assert set(frame["project"]) == {"优品家居 · 售前", "美妆小铺 · 售前"}


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


# --- what a statement's figures mean (statement_notes) -------------------------------------------------------------


def note(notes: list[dict], key: str) -> dict:
    return next(n for n in notes if n["key"] == key)


def test_days_on_duty_are_calendar_days_on_a_team_said_so_beside_the_attended_shifts(payfirm):
    f = payfirm
    s = statement_of(f, f.b)  # on P1 to 09-10, then P2: 10 + 20 calendar days
    days = note(explain.statement_notes(f.db, s), "salary.note.days")
    assert days["params"] == {"days": 30, "month_days": 30, "start": "2026-09-01", "end": "2026-09-30"}
    text = explain.note_text(days, "zh")
    assert (
        text.startswith("在岗 30/30 天：2026-09-01 至 2026-09-30 在项目团队中的日历天数（含休息日）")
        and "出勤天数" in text
    )
    estimate = payrun.month_to_date(f.db, f.agent_user, today=date(2026, 9, 3))
    days = note(explain.statement_notes(f.db, estimate), "salary.note.days_estimate")
    assert days["params"] == {"days": 3, "month_days": 30, "start": "2026-09-01", "end": "2026-09-03"}
    assert "在岗 3/30 天：本月 2026-09-01 至今天（2026-09-03）" in explain.note_text(days, "zh")


def test_a_missing_index_says_which_input_is_missing_and_that_an_unweighed_one_changes_no_pay(payfirm):
    f = payfirm
    exams.record_exam(
        f.db,
        f.admin,
        {
            "agent_id": f.a,
            "project_id": None,
            "exam_type": "written",
            "score": 80,
            "max_score": 100,
            "exam_date": date(2026, 8, 20),
        },
    )
    s = statement_of(f, f.a)  # an exam, no QA review: the service quality index (exam + QA) / 2 has no figure
    missing = [n for n in explain.statement_notes(f.db, s) if n["key"] == "salary.note.index_missing"]
    assert [(n["params"]["index_key"], n["params"]["missing"], n["params"]["effect"]["key"]) for n in missing] == [
        ("salary.kpi.service_quality_index", ["salary.note.missing.qa_score"], "salary.note.effect_not_weighed")
    ]
    assert (
        explain.note_text(missing[0], "zh")
        == "服务质量指标无数据：本月还没有质检评分。本方案不考核此指标，它不影响本月工资。"
    )
    s = statement_of(f, f.b)  # no exam at all: both exam-based indices, each naming what is missing
    missing = {
        n["params"]["index_key"]: n["params"]["missing"]
        for n in explain.statement_notes(f.db, s)
        if n["key"] == "salary.note.index_missing"
    }
    assert missing == {
        "salary.kpi.service_quality_index": ["salary.note.missing.exam_score", "salary.note.missing.qa_score"],
        "salary.kpi.training_index": ["salary.note.missing.exam_score"],
    }


def test_a_missing_index_the_scheme_weighs_scores_zero_at_its_weight(payfirm):
    f = payfirm
    schemes.save_version(
        f.db,
        f.manager,
        f.simple,
        simple_scheme(
            kpis=[
                {"kpi": "sales", "weight": 0.75, "target": 90000.0, "scoring": "linear"},
                {"kpi": "service_quality_index", "weight": 0.25, "target": 80.0, "scoring": "linear"},
            ]
        ),
    )
    s = statement_of(f, f.a)
    missing = {
        n["params"]["index_key"]: n for n in explain.statement_notes(f.db, s) if n["key"] == "salary.note.index_missing"
    }
    weighed = missing["salary.kpi.service_quality_index"]["params"]["effect"]
    assert weighed == {"key": "salary.note.effect_weighed", "params": {"weight": "25%"}}
    assert "按 25% 的权重考核此指标，无数据按0分计入KPI得分" in explain.note_text(
        missing["salary.kpi.service_quality_index"], "zh"
    )


def test_the_grade_note_says_what_the_grade_depends_on_and_why_there_is_none(payfirm):
    f = payfirm
    s = statement_of(f, f.a)  # no KPI data: score 0, below bronze 70
    grade = note(explain.statement_notes(f.db, s), "salary.note.no_grade")
    assert grade["params"] == {"score": "0.00", "gold": "90", "silver": "80", "bronze": "70"}
    assert explain.note_text(grade, "zh") == (
        "未定级：等级按本月KPI得分评定（金牌 ≥ 90、银牌 ≥ 80、铜牌 ≥ 70），KPI得分 0.00 低于铜牌线 70，"
        "所以没有等级和等级奖金。"
    )
    kpi_row(f.db, f.p1, "2026-09-01", "优品:小美", sales=150000.00, avg_response_s=40.0)
    s = run_and_read(f, f.a)  # 97.5 points: gold
    notes = explain.statement_notes(f.db, s)
    assert note(notes, "salary.note.grade")["params"] == {
        "score": "97.50",
        "grade_key": "salary.grade.gold",
        "limit": "90",
        "gold": "90",
        "silver": "80",
        "bronze": "70",
    }
    assert explain.note_text(note(notes, "salary.note.grade"), "zh").startswith("等级金牌：KPI得分 97.50 ≥ 金牌线 90")
    assert not [n for n in notes if n["key"] == "salary.note.grade_estimate"]
    # a statement stored before the thresholds were kept with it reads them from its scheme version
    older = {**s, "summary": {k: v for k, v in s["summary"].items() if k != "grading"}}
    assert explain.statement_notes(f.db, older) == notes
    estimate = payrun.month_to_date(f.db, f.agent_user, today=date(2026, 9, 3))
    assert note(explain.statement_notes(f.db, estimate), "salary.note.grade_estimate")
