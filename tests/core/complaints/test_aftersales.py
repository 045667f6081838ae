"""After-sales registers: reissues and the warehouse export, cashbacks and their settlement, cases and their
checklists."""

from __future__ import annotations

from datetime import date

import pytest

from core.complaints import aftersales
from core.kernel import excel
from core.kernel.errors import NotFound, ValidationError
from core.kernel.permissions import PermissionDenied
from tests.core.qa.test_qa_support import firm  # noqa: F401  (a fixture)

DAY = date(2026, 11, 23)
ROW = {"order_no": "2611230001", "buyer_id": "tb_a", "items": "收纳盒 ×1", "reason": "missing_item", "note": ""}


def keys(caught) -> set[tuple[str, str]]:
    return {(e.field, e.key) for e in caught.value.errors}


def test_an_incomplete_reissue_is_logged_and_flagged_with_what_it_lacks(firm):
    row_id = aftersales.add_reissue(firm.db, firm.agent_user, firm.project, {**ROW, "items": "", "reason": ""}, day=DAY)
    row = aftersales.list_reissues(firm.db, firm.qa, day=DAY)[0]
    assert row["id"] == row_id and row["missing"] == ["items", "reason"] and not row["complete"]


def test_a_reissue_row_is_validated_field_by_field(firm):
    with pytest.raises(ValidationError) as caught:
        aftersales.add_reissue(
            firm.db,
            firm.qa,
            firm.project,
            {"order_no": "", "buyer_id": "", "items": "x" * 2001, "reason": "lost"},
            day=DAY,
        )
    assert keys(caught) == {
        ("reissue.order_no", "err.as.identify"),
        ("reissue.items", "err.too_long"),
        ("reissue.reason", "err.invalid_choice"),
    }
    assert firm.db["reissues"].count == 0


def test_the_warehouse_file_holds_the_days_complete_rows_only(firm):
    complete = aftersales.add_reissue(firm.db, firm.qa, firm.project, ROW, day=DAY)
    incomplete = aftersales.add_reissue(
        firm.db, firm.qa, firm.project, {**ROW, "order_no": "2611230002", "items": ""}, day=DAY
    )
    aftersales.add_reissue(firm.db, firm.qa, firm.project, {**ROW, "order_no": "=HYPERLINK(1)"}, day=date(2026, 11, 22))
    aftersales.add_reissue(firm.db, firm.qa, firm.other_project, ROW, day=DAY)
    export = aftersales.warehouse_export(
        firm.db, firm.qa, firm.project, DAY, reason_labels={"missing_item": "少发漏发"}
    )
    assert [r["id"] for r in export["complete"]] == [complete]
    assert [r["id"] for r in export["incomplete"]] == [incomplete]
    sheet = excel.read_table(export["xlsx"], "x.xlsx")
    assert sheet.to_dict("records") == [
        {"订单号": "2611230001", "买家ID": "tb_a", "补发商品": "收纳盒 ×1", "补发原因": "少发漏发", "备注": ""}
    ]
    aftersales.update_reissue(firm.db, firm.qa, incomplete, {**ROW, "order_no": "2611230002"})
    assert len(aftersales.warehouse_export(firm.db, firm.qa, firm.project, DAY)["complete"]) == 2


def test_register_rows_stay_within_the_projects_one_may_work_on(firm):
    with pytest.raises(PermissionDenied):
        aftersales.add_reissue(firm.db, firm.agent_user, firm.other_project, ROW)  # 小美 is not on that team
    other = aftersales.add_reissue(firm.db, firm.qa, firm.other_project, ROW)
    with pytest.raises(NotFound):
        aftersales.update_reissue(firm.db, firm.agent_user, other, ROW)
    with pytest.raises(PermissionDenied):
        aftersales.add_reissue(firm.db, firm.merchant, firm.project, ROW)  # merchants read only
    assert aftersales.list_reissues(firm.db, firm.merchant2) and not aftersales.list_reissues(firm.db, firm.merchant)


@pytest.mark.parametrize(
    "amount,key",
    [
        ("0", "err.as.amount_range"),
        ("-3", "err.as.amount_range"),
        ("1000.01", "err.as.amount_range"),
        ("3.005", "err.as.amount"),
        ("abc", "err.as.amount"),
        ("nan", "err.as.amount"),
    ],
)
def test_a_cashback_amount_is_yuan_above_zero_with_two_decimals_at_most(firm, amount, key):
    with pytest.raises(ValidationError) as caught:
        aftersales.add_cashback(
            firm.db,
            firm.qa,
            firm.project,
            {"order_no": "1", "buyer_id": "b", "amount": amount, "reason": "compensation"},
        )
    assert keys(caught) == {("cashback.amount", key)}


def test_a_good_review_cashback_is_paid_once_per_order_compensation_may_repeat(firm):
    first = {"order_no": "26112300", "buyer_id": "tb_a", "amount": "3.00", "reason": "good_review"}
    aftersales.add_cashback(firm.db, firm.qa, firm.project, first)
    with pytest.raises(ValidationError) as caught:
        aftersales.add_cashback(firm.db, firm.qa, firm.project, first)
    assert keys(caught) == {("cashback.order_no", "err.as.duplicate_cashback")}
    for _ in range(2):
        aftersales.add_cashback(firm.db, firm.qa, firm.project, {**first, "reason": "compensation", "amount": 10})
    assert aftersales.cashback_totals(aftersales.list_cashbacks(firm.db, firm.qa)) == {"to_pay": 23.0, "paid": 0.0}


def test_a_cashback_is_settled_once_by_a_manager(firm):
    cashback_id = aftersales.add_cashback(
        firm.db,
        firm.agent_user,
        firm.project,
        {"order_no": "1", "buyer_id": "b", "amount": "5.50", "reason": "compensation"},
    )
    for actor in (firm.agent_user, firm.qa, firm.merchant):
        with pytest.raises(PermissionDenied):
            aftersales.settle_cashback(firm.db, actor, cashback_id)
    aftersales.settle_cashback(firm.db, firm.manager, cashback_id, "店主已转账")
    row = aftersales.list_cashbacks(firm.db, firm.merchant)[0]
    assert row["status"] == "paid" and row["paid_by_name"] == "MGR" and row["amount"] == 5.5
    with pytest.raises(ValidationError) as caught:
        aftersales.settle_cashback(firm.db, firm.manager, cashback_id)
    assert keys(caught) == {("cashback.status", "err.as.already_paid")}


def test_an_after_sales_case_is_done_only_when_every_handling_step_is_ticked(firm):
    case_id = aftersales.open_case(firm.db, firm.qa, firm.project, {"case_type": "transit_damage", "order_no": "1"})
    assert aftersales.steps_of("transit_damage") == [f"as.step.transit_damage.{n}" for n in (1, 2, 3, 4)]
    aftersales.set_steps(firm.db, firm.qa, case_id, [1, 3])
    with pytest.raises(ValidationError) as caught:
        aftersales.close_case(firm.db, firm.qa, case_id)
    assert caught.value.errors[0].key == "err.as.steps_open" and caught.value.errors[0].params == {"n": 2}
    with pytest.raises(ValidationError):
        aftersales.set_steps(firm.db, firm.qa, case_id, [5])
    aftersales.set_steps(firm.db, firm.qa, case_id, [4, 2, 1, 3, 3])
    aftersales.close_case(firm.db, firm.qa, case_id)
    case = aftersales.list_cases(firm.db, firm.qa, firm.project)[0]
    assert case["status"] == "done" and case["steps_done"] == [1, 2, 3, 4] and case["done_at"]
    with pytest.raises(ValidationError) as caught:
        aftersales.set_steps(firm.db, firm.qa, case_id, [])
    assert caught.value.errors[0].key == "err.as.case_done"


def test_a_case_needs_a_known_type_and_an_order_or_buyer(firm):
    with pytest.raises(ValidationError) as caught:
        aftersales.open_case(firm.db, firm.qa, firm.project, {"case_type": "lost_parcel"})
    assert keys(caught) == {("as_case.case_type", "err.invalid_choice"), ("as_case.order_no", "err.as.identify")}
