"""AppTest runs of the billing pages on the demo firm (quotes in every status, two contracts, three months of
invoices, one overdue)."""

from __future__ import annotations

from datetime import timedelta

from core.billing import contracts, invoices, payments, quotes
from core.kernel import config
from core.kernel.months import recent_months
from tests.app_pages.helpers import logged_in, open_page
from tests.conftest import actor_of


def _button(at, label: str):
    """The last button with that label (the quotes page draws the draft's edit form before the new-quote form)."""
    return [b for b in at.button if b.label == label][-1]


def _table(at, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_manager_makes_a_quote_sends_it_and_records_the_acceptance(demo_db):
    db, _ = demo_db
    manager = actor_of(db, "manager")
    before = len(quotes.list_quotes(db, manager))
    at = open_page(logged_in("manager"), "app_pages/quotes.py")
    assert not at.exception, at.exception
    assert at.title[0].value == "报价"
    assert len(_table(at, "有效期至")) == before
    digital = db.execute(
        "SELECT p.id FROM projects p JOIN merchants m ON m.id = p.merchant_id WHERE m.name = '数码先锋'"
    ).fetchone()[0]
    at.selectbox(key="new_quote_project").select(digital).run()
    _button(at, "保存为草稿").click().run()
    assert not at.exception, at.exception
    assert any("报价草稿已保存" in s.value for s in at.success)
    newest = quotes.list_quotes(db, manager)[0]
    assert len(quotes.list_quotes(db, manager)) == before + 1 and newest["status"] == "draft"
    at.selectbox(key="quote_pick").select(newest["id"]).run()
    at.button(key="quote_send").click().run()
    assert quotes.get_quote(db, manager, newest["id"])["status"] == "sent"
    assert at.button(key="quote_accept").disabled  # not before the merchant's answer is confirmed
    at.checkbox(key=f"quote_sure_{newest['id']}").check().run()
    at.button(key="quote_accept").click().run()
    assert not at.exception, at.exception
    assert quotes.get_quote(db, manager, newest["id"])["status"] == "accepted"


def test_a_bad_quote_request_is_refused_in_chinese_and_nothing_is_saved(demo_db):
    db, _ = demo_db
    before = db["billing_quotes"].count
    at = open_page(logged_in("manager"), "app_pages/quotes.py")
    hours = [t for t in at.text_input if t.label.startswith("服务结束")][-1]
    hours.input("25:00")  # form values go in with the submit, in one run
    _button(at, "保存为草稿").click().run()
    assert any("未保存" in e.value and "服务结束时间" in e.value for e in at.error)
    assert db["billing_quotes"].count == before


def test_manager_bills_a_month_and_approves_a_draft(demo_db):
    db, _ = demo_db
    manager = actor_of(db, "manager")
    month = recent_months(13)[1]
    at = open_page(logged_in("manager"), "app_pages/billing.py")
    assert not at.exception, at.exception
    at.selectbox(key="billing_month").select(month).run()
    draft = next(i for i in invoices.list_invoices(db, manager, month=month) if i["status"] == "draft")
    at.button(key="run_billing").click().run()
    assert not at.exception, at.exception
    assert any("已核算" in s.value for s in at.success)
    at.selectbox(key=f"invoice_pick_month_{month}").select(draft["id"]).run()
    assert any(e.label.startswith("坐席费") for e in at.expander)
    prefix = f"month_{month}"
    assert at.button(key=f"{prefix}_approve_{draft['id']}").disabled
    at.checkbox(key=f"{prefix}_approve_sure_{draft['id']}").check().run()
    at.button(key=f"{prefix}_approve_{draft['id']}").click().run()
    assert not at.exception, at.exception
    assert invoices.get_invoice(db, manager, draft["id"])["status"] == "approved"


def test_the_director_records_the_payment_of_the_overdue_invoice(demo_db):
    db, _ = demo_db
    admin = actor_of(db, "admin")
    [late] = payments.overdue_invoices(db, admin)
    at = open_page(logged_in("admin"), "app_pages/billing.py")
    at.checkbox(key="invoice_overdue_only").check().run()
    assert any("逾期" in e.value for e in at.error)
    _button(at, "登记收款").click().run()
    assert not at.exception, at.exception
    paid = invoices.get_invoice(db, admin, late["id"])
    assert paid["status"] == "paid" and paid["paid"] == late["total"]
    assert payments.overdue_invoices(db, admin) == []


def test_the_manager_does_not_record_payments(demo_db):
    at = open_page(logged_in("manager"), "app_pages/billing.py")
    at.checkbox(key="invoice_overdue_only").check().run()
    assert not any(b.label == "登记收款" for b in at.button)
    assert any("客服总监" in c.value for c in at.caption)


def test_receivables_show_the_overdue_merchant(demo_db):
    at = open_page(logged_in("admin"), "app_pages/receivables.py")
    assert not at.exception, at.exception
    table = _table(at, "最长逾期天数")
    assert table[table["最长逾期天数"] > 0]["商家"].tolist() == ["美妆小铺"]
    assert len(_table(at, "到期日")) == 1


def test_a_merchant_sees_only_its_own_issued_invoices_quotes_and_contract(demo_db):
    db, _ = demo_db
    at = open_page(logged_in("merchant"), "app_pages/billing.py")
    assert not at.exception, at.exception
    table = _table(at, "应收合计")
    assert set(table["商家"]) == {"优品家居旗舰店"} and set(table["状态"]) <= {"已开具", "已付款"}
    assert not [b for b in at.button if b.label in ("审核并锁定", "开具给商家", "登记收款", "重新核算")]
    at = open_page(logged_in("merchant"), "app_pages/quotes.py")
    assert set(_table(at, "有效期至")["商家"]) == {"优品家居旗舰店"}
    assert "草稿" not in set(_table(at, "有效期至")["状态"])
    assert not [b for b in at.button if b.label in ("保存为草稿", "标记为已发送给商家")]
    at = open_page(logged_in("merchant"), "app_pages/contracts.py")
    assert _table(at, "合同编号")["商家"].tolist() == ["优品家居旗舰店"]
    assert not at.expander or not any("补充协议" in e.label for e in at.expander)


def test_a_merchant_without_a_contract_sees_empty_states_and_its_sent_quote(demo_db):
    at = open_page(logged_in("merchant2"), "app_pages/billing.py")
    assert not at.exception, at.exception
    assert any("暂无账单" in i.value for i in at.info)
    at = open_page(logged_in("merchant2"), "app_pages/quotes.py")
    assert set(_table(at, "有效期至")["商家"]) == {"鲜果坊"}


def test_manager_makes_a_contract_from_an_accepted_quote_and_amends_it(demo_db):
    db, _ = demo_db
    manager = actor_of(db, "manager")
    sent = next(q for q in quotes.list_quotes(db, manager, status="sent") if q["merchant_name"] == "潮流服饰")
    quotes.accept_quote(db, manager, sent["id"])
    at = open_page(logged_in("manager"), "app_pages/contracts.py")
    assert not at.exception, at.exception
    _button(at, "生成合同").click().run()
    assert not at.exception, at.exception
    assert any("合同已生成" in s.value for s in at.success)
    contract = next(c for c in contracts.list_contracts(db, manager) if c["merchant_name"] == "潮流服饰")
    at.selectbox(key="contract_pick").select(contract["id"]).run()
    next(d for d in at.date_input if d.label == "生效日期").set_value(config.today() + timedelta(days=5))
    seats = next(n for n in at.number_input if n.label == "坐席数")
    seats.set_value(seats.value + 1)
    next(t for t in at.text_input if t.label.startswith("变更说明")).input("加席")
    _button(at, "保存补充协议").click().run()
    assert not at.exception, at.exception
    assert len(contracts.get_contract(db, manager, contract["id"])["terms_history"]) == 2
