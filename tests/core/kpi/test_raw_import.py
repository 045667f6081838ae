"""Raw chat logs and order exports in the layouts people have (shared/spec/platform-exports.md):
each file is built here in its layout; mapping, sender counts, hand-computed KPI cells, templates."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.kernel.errors import ValidationError
from core.kpi import raw_import, raw_store, templates
from core.projects import merchants
from tests.conftest import SAMPLES

SCRAPER_HEADERS = ["会话ID", "买家(昵称)", "客服(账号)", "发送时间", "发送方", "消息内容", "消息类型"]


@pytest.fixture
def project(fresh_db, admin):
    merchant_id = merchants.create_merchant(fresh_db, admin, {"name": "样例店铺", "platform": "taobao"})
    return merchants.create_project(fresh_db, admin, merchant_id, "售前")


def csv_bytes(
    headers: list[str], rows: list[list[str]], encoding: str = "utf-8", sep: str = ",", newline: str = "\n"
) -> bytes:
    lines = [sep.join(headers), *(sep.join(r) for r in rows)]
    return (newline.join(lines) + newline).encode(encoding)


def xlsx_bytes(headers: list[str], rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def scraper_rows() -> list[list[str]]:
    # tb001: asks at 09:00:00, robot answers at 09:00:05, the agent at 09:00:20; a system line; a second
    # question answered after 40 s
    return [
        ["s1", "tb001", "店铺:小美", "2026-11-02 09:00:00", "买家", "在吗", "文本"],
        ["s1", "tb001", "店铺:小美", "2026-11-02 09:00:05", "机器人", "您好，有什么可以帮您", "文本"],
        ["s1", "tb001", "店铺:小美", "2026-11-02 09:00:20", "客服", "在的亲", "文本"],
        ["s1", "tb001", "店铺:小美", "2026-11-02 09:01:00", "系统", "由 服务助手 转交给 店铺:小美", "系统"],
        ["s1", "tb001", "店铺:小美", "2026-11-02 09:02:00", "买家", "这个有货吗", "文本"],
        ["s1", "tb001", "店铺:小美", "2026-11-02 09:02:40", "客服", "有的", "文本"],
    ]


def agent_day(db, project_id, agent="店铺:小美", day="2026-11-02") -> dict:
    return next(
        db.query(
            "SELECT * FROM kpi_agent_daily WHERE project_id = ? AND agent = ? AND day = ?", [project_id, agent, day]
        )
    )


def test_a_scraped_gb18030_log_maps_itself_counts_senders_and_shows_the_unused_columns(fresh_db, admin, project):
    data = csv_bytes(SCRAPER_HEADERS, scraper_rows(), encoding="gb18030", newline="\r\n")
    layout = raw_store.raw_layout(fresh_db, admin, project, raw_import.KIND_MESSAGES, data, "chat.csv")
    assert layout.cells.encoding == "gb18030" and layout.source == "proposed"
    assert layout.mapping == {
        "会话ID": None,
        "买家(昵称)": "buyer",
        "客服(账号)": "agent",
        "发送时间": "time",
        "发送方": "sender",
        "消息内容": "content",
        "消息类型": None,
    }
    assert layout.unused() == ["会话ID", "消息类型"]
    assert layout.class_counts["buyer"] == 2 and layout.class_counts["agent"] == 2
    assert layout.class_counts["robot"] == 1 and layout.class_counts["system"] == 1
    assert (
        layout.class_counts["counted_auto"] == 1 and layout.class_counts["counted_agent"] == 2
    )  # robot → auto by default
    assert layout.ok and not layout.unmapped


def test_robot_replies_count_as_automatic_by_default_and_as_the_agents_when_chosen(fresh_db, admin, project):
    data = csv_bytes(SCRAPER_HEADERS, scraper_rows())
    layout = raw_store.raw_layout(fresh_db, admin, project, raw_import.KIND_MESSAGES, data, "chat.csv")
    preview = raw_store.preview_raw(fresh_db, admin, project, data, "chat.csv", messages_layout=layout)
    assert preview.sender_counts == {"buyer": 2, "agent": 2, "auto": 1, "system": 1}
    raw_store.import_raw(fresh_db, admin, project, preview)
    row = agent_day(fresh_db, project)
    # waits 09:00:00 (answered by the agent at 09:00:20: 20 s) and 09:02:00 (40 s): one fast of two
    assert (row["consultations"], row["waits"], row["fast_replies"]) == (1, 2, 1)
    assert row["avg_response_s"] == pytest.approx(30.0) and row["first_response_s"] == pytest.approx(20.0)
    robot_human = raw_import.with_choices(layout, options={"robot_as": "agent"})
    assert robot_human.class_counts["counted_agent"] == 3
    preview = raw_store.preview_raw(fresh_db, admin, project, data, "chat.csv", messages_layout=robot_human)
    raw_store.import_raw(fresh_db, admin, project, preview)
    row = agent_day(fresh_db, project)
    # the robot's reply at 09:00:05 now answers the first question in 5 s: both waits (5 s, 40 s) → one fast
    assert row["first_response_s"] == pytest.approx(5.0) and row["avg_response_s"] == pytest.approx(22.5)


def test_an_unmapped_sender_value_refuses_the_import_with_counts_until_it_is_mapped_or_ignored(
    fresh_db, admin, project
):
    rows = [
        *scraper_rows(),
        ["s1", "tb001", "店铺:小美", "2026-11-02 09:03:00", "撤回", "X 撤回了一条消息", "系统"],
        ["s1", "tb001", "店铺:小美", "2026-11-02 09:03:01", "撤回", "X 撤回了一条消息", "系统"],
    ]
    data = csv_bytes(SCRAPER_HEADERS, rows)
    layout = raw_store.raw_layout(fresh_db, admin, project, raw_import.KIND_MESSAGES, data, "chat.csv")
    assert layout.unmapped == {"撤回": 2} and not layout.ok
    with pytest.raises(ValidationError) as refused:
        raw_store.preview_raw(fresh_db, admin, project, data, "chat.csv", messages_layout=layout)
    reasons = [e.params["reason"] for e in refused.value.errors]
    assert reasons == ["value '撤回' (2 rows) is not mapped"]
    assert raw_store.translate_reason(reasons[0]).startswith("值 '撤回'（2行）尚未指定含义")
    ignored = raw_import.with_choices(layout, options={"sender_map": {"撤回": "ignore"}})
    preview = raw_store.preview_raw(fresh_db, admin, project, data, "chat.csv", messages_layout=ignored)
    assert len(preview.messages) == 6  # the two ignored rows are left out, nothing else


def test_a_hand_mapped_layout_is_saved_and_maps_itself_the_second_time(fresh_db, admin, project):
    headers = ["cid", "who", "nick", "staff", "stamp", "txt"]
    rows = [
        ["1", "C", "tb9", "店铺:阿杰", "2026-11-02 10:00:00", "hi"],
        ["1", "S", "tb9", "店铺:阿杰", "2026-11-02 10:00:10", "hello"],
    ]
    data = csv_bytes(headers, rows)
    layout = raw_store.raw_layout(fresh_db, admin, project, raw_import.KIND_MESSAGES, data, "export.csv")
    assert layout.missing  # nothing there is a known wording
    layout = raw_import.with_choices(
        layout,
        {"who": "sender", "nick": "buyer", "staff": "agent", "stamp": "time", "txt": "content"},
        {"sender_map": {"C": "buyer", "S": "agent"}},
    )
    assert layout.ok and layout.source == "user" and layout.unused() == ["cid"]
    raw_store.import_raw(
        fresh_db,
        admin,
        project,
        raw_store.preview_raw(fresh_db, admin, project, data, "export.csv", messages_layout=layout),
    )
    again = raw_store.raw_layout(
        fresh_db,
        admin,
        project,
        raw_import.KIND_MESSAGES,
        csv_bytes(list(reversed(headers)), [list(reversed(r)) for r in rows]),
        "export2.csv",
    )
    assert again.source == "template" and again.template_name == "export.csv" and again.ok
    assert again.mapping["who"] == "sender" and again.unused() == ["cid"]
    assert [t["kind"] for t in templates.list_templates(fresh_db, admin, project)] == ["raw_messages"]
    assert agent_day(fresh_db, project, agent="店铺:阿杰")["first_response_s"] == pytest.approx(10.0)


def test_utf16_tab_separated_with_separate_date_and_time_columns(fresh_db, admin, project):
    headers = ["日期", "时间", "买家", "客服", "发送方", "内容"]
    rows = [
        ["2026-11-03", "08:59:50", "tb7", "店铺:cc", "买家", "早"],
        ["2026-11-03", "09:00:10", "tb7", "店铺:cc", "客服", "早上好"],
        ["2026-11-03", "09:05", "tb7", "店铺:cc", "买家", "发货了吗"],
        ["2026-11-03", "09:05:30", "tb7", "店铺:cc", "客服", "发了"],
    ]
    data = b"\xff\xfe" + csv_bytes(headers, rows, encoding="utf-16-le", sep="\t", newline="\r\n")
    layout = raw_store.raw_layout(fresh_db, admin, project, raw_import.KIND_MESSAGES, data, "chat.txt")
    assert layout.cells.encoding == "utf-16"
    assert layout.mapping["日期"] == "date" and layout.mapping["时间"] == "clock" and layout.ok
    preview = raw_store.preview_raw(fresh_db, admin, project, data, "chat.txt", messages_layout=layout)
    raw_store.import_raw(fresh_db, admin, project, preview)
    row = agent_day(fresh_db, project, agent="店铺:cc", day="2026-11-03")
    # waits 08:59:50 (answered in 20 s) and 09:05 read as 09:05:00 (30 s: exactly 30 counts as fast)
    assert (row["waits"], row["fast_replies"]) == (2, 2) and row["first_response_s"] == pytest.approx(20.0)
    assert row["avg_response_s"] == pytest.approx(25.0)


def test_pdd_socket_records_in_xlsx_with_roles_and_automatic_reply_flags(fresh_db, admin, project):
    headers = ["from.role", "buyer_id", "mall_cs_id", "ts", "content", "is_aut", "type", "msg_id"]
    base = int(dt.datetime(2026, 11, 4, 10, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp())
    rows = [
        ["user", "u1", "水密码客服小樱", str(base), "在吗", "0", "1", "m1"],
        ["mall_cs", "u1", "水密码客服小樱", str(base + 2), "亲，欢迎光临", "1", "1", "m2"],
        ["mall_cs", "u1", "水密码客服小樱", str(base + 45), "在的", "0", "1", "m3"],
        ["system", "u1", "水密码客服小樱", str(base + 50), "会话已转接", "0", "31", "m4"],
    ]
    data = xlsx_bytes(headers, rows)
    layout = raw_store.raw_layout(fresh_db, admin, project, raw_import.KIND_MESSAGES, data, "pdd.xlsx")
    assert (
        layout.mapping["from.role"] == "sender"
        and layout.mapping["is_aut"] == "auto_flag"
        and layout.mapping["ts"] == "time"
    )
    assert layout.mapping["buyer_id"] == "buyer" and layout.mapping["mall_cs_id"] == "agent"
    assert layout.class_counts["counted_auto"] == 1 and layout.class_counts["counted_agent"] == 1
    assert layout.unused() == ["type", "msg_id"]
    preview = raw_store.preview_raw(fresh_db, admin, project, data, "pdd.xlsx", messages_layout=layout)
    assert preview.sender_counts == {"buyer": 1, "auto": 1, "agent": 1, "system": 1}
    assert str(preview.messages["time"].iloc[0]) == "2026-11-04 10:00:00"  # epoch seconds shown in China time
    raw_store.import_raw(fresh_db, admin, project, preview)
    row = agent_day(fresh_db, project, agent="水密码客服小樱", day="2026-11-04")
    assert (row["waits"], row["fast_replies"]) == (1, 0) and row["first_response_s"] == pytest.approx(45.0)


def taobao_orders(rows: list[list[str]]) -> bytes:
    headers = [
        "订单编号",
        "买家会员名",
        "买家应付货款",
        "买家应付邮费",
        "总金额",
        "买家实际支付金额",
        "订单状态",
        "买家留言",
        "收货人姓名",
        "联系手机",
        "订单创建时间",
        "订单付款时间 ",
        "宝贝标题 ",
        "宝贝种类 ",
        "宝贝总数量",
        "店铺名称",
        "订单关闭原因",
    ]
    body = []
    for order_id, buyer, paid_amount, status, created, paid, items, reason in rows:
        body.append(
            [
                f'="{order_id}"',
                buyer,
                paid_amount,
                "0.00",
                paid_amount,
                paid_amount,
                status,
                "",
                "张三",
                "'13800138000",
                created,
                paid,
                "宝贝",
                "1",
                items,
                "数码先锋",
                reason,
            ]
        )
    return csv_bytes(headers, body, encoding="gbk", newline="\r\n")


def test_taobao_exportorderlist_gbk_with_quoted_numbers_statuses_and_refunds(fresh_db, admin, project):
    chats = csv_bytes(SCRAPER_HEADERS, scraper_rows())
    orders = taobao_orders(
        [
            [
                "3912384756012345678",
                "tb001",
                "199.00",
                "交易成功",
                "2026-11-02 09:10:00",
                "2026-11-02 09:11:00",
                "2",
                "订单未关闭",
            ],
            [
                "3912384756012345679",
                "tb001",
                "50.00",
                "交易关闭",
                "2026-11-02 09:20:00",
                "2026-11-02 09:21:00",
                "1",
                "退款",
            ],
            ["3912384756012345680", "tb001", "80.00", "交易关闭", "2026-11-02 09:30:00", "", "1", "买家未付款"],
            ["3912384756012345681", "tb001", "30.00", "等待买家付款", "2026-11-02 09:40:00", "", "1", "订单未关闭"],
            [
                "3912384756012345682",
                "tb001",
                "20.00",
                "卖家已发货，等待买家确认",
                "2026-11-02 09:50:00",
                "2026-11-02 09:51:00",
                "1",
                "订单未关闭",
            ],
        ]
    )
    layout = raw_store.raw_layout(
        fresh_db, admin, project, raw_import.KIND_ORDERS, orders, "ExportOrderList202611030930.csv"
    )
    assert layout.cells.encoding == "gb18030"
    assert (
        layout.mapping["订单付款时间 "] == "paid_at"
        and layout.mapping["订单编号"] == "order_id"
        and layout.mapping["买家会员名"] == "buyer"
    )
    assert (
        layout.mapping["买家实际支付金额"] == "amount"
        and layout.mapping["宝贝总数量"] == "items"
        and layout.mapping["订单关闭原因"] == "close_reason"
    )
    assert "联系手机" in layout.unused() and "总金额" in layout.unused()
    assert {r["value"]: r["class"] for r in layout.value_counts} == {
        "交易成功": "completed",
        "交易关闭": "cancelled",
        "等待买家付款": "unpaid",
        "卖家已发货，等待买家确认": "shipped",
    }
    preview = raw_store.preview_raw(
        fresh_db, admin, project, chats, "chat.csv", orders, "ExportOrderList202611030930.csv", orders_layout=layout
    )
    got = preview.orders.set_index("order_id")
    assert list(got.index) == [f"39123847560123456{n}" for n in (78, 79, 80, 81, 82)]  # ="…" unwrapped
    assert list(got["status"]) == ["completed", "refunded", "cancelled", "unpaid", "shipped"]
    raw_store.import_raw(fresh_db, admin, project, preview)
    row = agent_day(fresh_db, project)
    # valid: 199 (2 items), the refunded 50 (a refunded order still converts), 20: sales 269, items 4
    assert (row["converted"], row["sales"], row["items"]) == (1, 269.0, 4)


def test_a_taobao_xlsx_item_export_is_one_order_per_main_order(fresh_db, admin, project):
    headers = [
        "子订单编号",
        "主订单编号",
        "商品标题",
        "商品价格",
        "购买数量",
        "订单状态",
        "买家实付金额",
        "退款状态",
        "退款金额",
        "订单创建时间",
        "订单付款时间",
        "买家会员名",
    ]
    rows = [
        [
            "A1",
            "M1",
            "壶",
            "100",
            1,
            "交易成功",
            "100.00",
            "",
            "",
            "2026-11-02 09:10:00",
            "2026-11-02 09:11:00",
            "tb001",
        ],
        [
            "A2",
            "M1",
            "杯",
            "25",
            2,
            "交易成功",
            "50.00",
            "退款成功",
            "50.00",
            "2026-11-02 09:10:00",
            "2026-11-02 09:11:00",
            "tb001",
        ],
        [
            "B1",
            "M2",
            "茶",
            "30",
            1,
            "交易关闭",
            "30.00",
            "退款成功",
            "30.00",
            "2026-11-02 09:30:00",
            "2026-11-02 09:31:00",
            "tb001",
        ],
    ]
    data = xlsx_bytes(headers, rows)
    layout = raw_store.raw_layout(fresh_db, admin, project, raw_import.KIND_ORDERS, data, "items.xlsx")
    assert (
        layout.mapping["主订单编号"] == "main_order_id"
        and layout.mapping["子订单编号"] is None
        and "per_main_order" in layout.notes
    )
    frame, _ = raw_import.orders_frame(layout)
    assert frame[["order_id", "amount", "items", "status"]].values.tolist() == [
        ["M1", "150.00", "3", "completed"],
        ["M2", "30.00", "1", "refunded"],
    ]


def test_pdd_orders_bom_and_tabs_without_buyer_find_their_buyer_through_the_quoted_order_number(
    fresh_db, admin, project
):
    headers = [
        "商品",
        "订单号",
        "订单状态",
        "商品总价(元)",
        "邮费(元)",
        "用户实付金额(元)",
        "商家实收金额(元)",
        "商品数量(件)",
        "发货时间",
        "确认收货时间",
        "商品id",
        "售后状态",
        "快递单号",
        "订单成交时间",
    ]
    rows = [
        [
            "茶\t",
            "261104-123456789012345\t",
            "已发货，待收货\t",
            "99.00",
            "0",
            "99.00",
            "97.00",
            "1",
            "2026-11-04 12:00:00\t",
            "\t",
            "5551\t",
            "无售后或售后取消\t",
            "\t",
            "2026-11-04 10:05:00\t",
        ],
        [
            "壶\t",
            "261104-999999999999999\t",
            "待发货\t",
            "50.00",
            "0",
            "50.00",
            "49.00",
            "1",
            "\t",
            "\t",
            "5552\t",
            "退款成功\t",
            "\t",
            "2026-11-04 10:06:00\t",
        ],
    ]
    orders = b"\xef\xbb\xbf" + csv_bytes(headers, rows)
    chat_headers = ["买家", "客服", "发送时间", "发送方", "消息内容"]
    chats = csv_bytes(
        chat_headers,
        [
            ["u1", "小樱", "2026-11-04 10:00:00", "买家", "我的订单 261104-123456789012345 什么时候发货"],
            ["u1", "小樱", "2026-11-04 10:00:20", "客服", "今天发"],
        ],
    )
    layout = raw_store.raw_layout(fresh_db, admin, project, raw_import.KIND_ORDERS, orders, "pdd_orders.csv")
    assert layout.cells.encoding == "utf-8-sig" and layout.column("buyer") is None and "no_buyer" in layout.notes
    assert (
        layout.mapping["订单成交时间"] == "created_at"
        and layout.mapping["售后状态"] == "refund_status"
        and "paid_from_created" in layout.notes
    )
    preview = raw_store.preview_raw(
        fresh_db, admin, project, chats, "chat.csv", orders, "pdd_orders.csv", orders_layout=layout
    )
    assert preview.orders_from_chats == 1 and preview.orders_without_buyer == 1
    assert preview.orders[["order_id", "buyer", "status"]].values.tolist() == [
        ["261104-123456789012345", "u1", "shipped"]
    ]
    raw_store.import_raw(fresh_db, admin, project, preview)
    row = agent_day(fresh_db, project, agent="小樱", day="2026-11-04")
    assert (row["converted"], row["sales"]) == (1, 99.0)


def test_the_canonical_samples_import_with_no_mapping_work(fresh_db, admin, project):
    m, o = (SAMPLES / "messages.csv").read_bytes(), (SAMPLES / "orders.csv").read_bytes()
    assert raw_store.raw_layout(fresh_db, admin, project, raw_import.KIND_MESSAGES, m, "messages.csv").canonical
    assert raw_store.raw_layout(fresh_db, admin, project, raw_import.KIND_ORDERS, o, "orders.csv").canonical
    preview = raw_store.preview_raw(fresh_db, admin, project, m, "messages.csv", o, "orders.csv")
    assert preview.messages_layout is None and len(preview.messages) == 3003 and len(preview.orders) == 117
    raw_store.import_raw(fresh_db, admin, project, preview)
    assert templates.list_templates(fresh_db, admin, project) == []  # nothing to remember for our own format


def test_a_bad_row_of_a_mapped_file_is_named_by_its_row_in_the_file(fresh_db, admin, project):
    rows = scraper_rows()
    rows[3] = ["s1", "tb001", "店铺:小美", "2026-11-02 25:01:00", "系统", "x", "系统"]
    data = csv_bytes(SCRAPER_HEADERS, rows)
    with pytest.raises(ValidationError) as refused:
        raw_store.preview_raw(fresh_db, admin, project, data, "chat.csv")
    assert [(e.field, e.params["reason"]) for e in refused.value.errors] == [
        ("row 5: chat.csv", "time: '2026-11-02 25:01:00' is not a valid date and time")
    ]


def test_scraped_page_text_with_names_as_sender_uses_the_name_rule(fresh_db, admin, project):
    headers = ["时间", "买家", "客服", "发送者", "内容"]
    rows = []
    for i in range(30):
        buyer = f"tb{i:03d}"
        rows.append([f"2026-11-05 10:{i:02d}:00", buyer, "店铺:小美", buyer, "问"])
        rows.append([f"2026-11-05 10:{i:02d}:10", buyer, "店铺:小美", "店铺:小美", "答"])
    rows.append(["2026-11-05 11:00:00", "tb000", "店铺:小美", "服务助手", "由 服务助手 转交给 店铺:小美"])
    data = csv_bytes(headers, rows)
    layout = raw_store.raw_layout(fresh_db, admin, project, raw_import.KIND_MESSAGES, data, "page.csv")
    assert layout.options["sender_names"] and layout.ok
    assert {r["value"]: (r["count"], r["class"]) for r in layout.value_counts} == {
        "<agent>": (30, "agent"),
        "<buyer>": (30, "buyer"),
        "服务助手": (1, "system"),
    }
    preview = raw_store.preview_raw(fresh_db, admin, project, data, "page.csv", messages_layout=layout)
    assert preview.sender_counts == {"buyer": 30, "agent": 30, "system": 1}


def test_layout_proposals_read_header_wordings_with_brackets_and_spaces():
    mapping = raw_import.propose_mapping(
        raw_import.KIND_ORDERS, ["订单号 ", "用户实付金额（元）", "商品数量(件)", "订单状态", "订单成交时间"]
    )
    assert mapping == {
        "订单号 ": "order_id",
        "用户实付金额（元）": "amount",
        "商品数量(件)": "items",
        "订单状态": "status",
        "订单成交时间": "created_at",
    }
    assert raw_import.propose_sender(" MALL_CS ") == "agent" and raw_import.propose_sender("智能辅助") == "robot"
    assert raw_import.propose_status("买家已付款,等待卖家发货") == "paid"
    assert pd.isna(raw_import.propose_sender("撤回")) or raw_import.propose_sender("撤回") is None


def test_a_header_only_order_export_is_no_orders_not_a_crash(fresh_db, admin, project):
    chats = csv_bytes(SCRAPER_HEADERS, scraper_rows())
    orders = taobao_orders([])
    preview = raw_store.preview_raw(
        fresh_db, admin, project, chats, "chat.csv", orders, "ExportOrderList202611030930.csv"
    )
    assert preview.orders is not None and len(preview.orders) == 0


CELL = st.one_of(
    st.sampled_from(
        [
            "",
            "\t",
            "买家",
            "客服",
            "机器人",
            "系统",
            "tb1",
            "店铺:小美",
            "2026-11-02 09:00:00",
            "09:00",
            "2026/11/2",
            '="123"',
            "'138",
            "交易成功",
            "交易关闭",
            "退款成功",
            "1.5",
            "-",
            "x,y",
            '"q"',
        ]
    ),
    st.text(max_size=6),
)
HEADER = st.sampled_from(
    [
        "买家(昵称)",
        "客服(账号)",
        "发送时间",
        "发送方",
        "消息内容",
        "日期",
        "时间",
        "is_aut",
        "会话ID",
        "订单编号",
        "订单状态",
        "买家实际支付金额",
        "订单创建时间",
        "主订单编号",
        "售后状态",
        "x",
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    headers=st.lists(HEADER, min_size=1, max_size=6, unique=True),
    cells=st.lists(st.lists(CELL, min_size=6, max_size=6), max_size=5),
    encoding=st.sampled_from(["utf-8", "gb18030", "utf-16"]),
    as_orders=st.booleans(),
)
def test_any_file_in_any_layout_is_read_or_refused_with_reasons_never_a_crash(
    fresh_db, admin, project, headers, cells, encoding, as_orders
):
    rows = [
        [c.replace(",", " ").replace("\n", " ").replace("\r", " ").replace('"', "") for c in r[: len(headers)]]
        for r in cells
    ]
    data = csv_bytes(headers, rows, encoding=encoding)
    chats = csv_bytes(SCRAPER_HEADERS, scraper_rows())
    try:
        if as_orders:
            raw_store.preview_raw(fresh_db, admin, project, chats, "chat.csv", data, "orders.csv")
        else:
            raw_store.preview_raw(fresh_db, admin, project, data, "chat.csv")
    except ValidationError as exc:
        assert exc.errors and all(e.key == "kpi.err.row" and e.params["reason"] for e in exc.errors)
