"""Fuzzing (hypothesis) of every import parser and form validator of the app (issue 9).

Random files and random field values (Chinese, emoji, spreadsheet formulas, huge and negative
numbers, NaN, empty, None, wrong types, dates out of range) go into each parser, validator and
write entry point of core. Each test asserts the two promises of the requirement:

* nothing but the app's own refusal escapes: a parser returns its result or raises its documented
  error (`ValidationError` carrying `FieldError`s, `KpiInputError` for the chat-log engine,
  `ValueError("<reason>")` for `excel.read_table`); a validator returns its list of errors;
  never a KeyError, TypeError, OverflowError, sqlite3 error and the like;
* no partial row: a refused write leaves the database exactly as it was (no transaction left
  open and no commit seen by a second connection), and an accepted one stored everything it
  reported (the import's counts equal the rows stored).

The database is a private copy of the seeded demo firm (`demo_db`), shared by the examples of one
test; every example checks its own before/after.
"""

from __future__ import annotations

import csv
import io
import math
import sqlite3
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from core.kb import phrases
from core.kernel import excel, uploads
from core.kernel.errors import FieldError, ValidationError
from core.kernel.permissions import Actor
from core.kpi import engine, raw_store, summary_store
from core.projects import faq
from core.qa import reviews, scorecards, scoring
from tests.conftest import actor_of

FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
FUZZ_SLOW = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

# --- strategies --------------------------------------------------------------------------------------

NASTY_TEXT = (
    "",
    " ",
    "  \t ",
    "\n",
    "中文问题",
    "亲，欢迎光临～",
    "😀🔥",
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2",
    "@SUM(A1)",
    "'=1+1",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "1e400",
    "9" * 30,
    "-5",
    "0",
    "0.5",
    "1,234",
    "12%",
    "150%",
    "None",
    "null",
    "True",
    "2026-02-30",
    "9999-12-31",
    "0001-01-01",
    "1900-01-01 00:00:00",
    "2026-05-03 10:00:00",
    "24:00",
    "25:61",
    "08:30",
    "\x00",
    "\ufeff",
    "a" * 600,
    "店铺:小美",
    "/fh",
    "<script>alert(1)</script>",
    "Robert'); DROP TABLE users;--",
)
TEXT = st.one_of(st.sampled_from(NASTY_TEXT), st.text(max_size=30))
NUMBERS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, -1, 10**20, 2**63, -(2**63) - 1, 0.1, 1e308, float("nan"), float("inf"), float("-inf")]),
)
DATES = st.one_of(
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
    st.sampled_from([date(1, 1, 1), date(9999, 12, 31), date(1970, 1, 1)]),
)
# any scalar a form widget, an edited table cell or a careless caller might hand over
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    NUMBERS,
    TEXT,
    DATES,
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
)
CELLS = st.one_of(TEXT, NUMBERS.map(str), DATES.map(str))
# ids as a form hands them over: an existing one, one that does not exist, or nonsense (ids stay in SQLite's range)
BAD_IDS = st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1), st.floats(allow_nan=True), TEXT, st.booleans())


def csv_bytes(rows: list[list[Any]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode(encoding, errors="replace")


def xlsx_safe(value: Any) -> Any:
    """openpyxl refuses control characters in a cell; a spreadsheet could not hold them either."""
    if isinstance(value, str):
        return "".join(ch for ch in value if ch >= " " or ch in "\t\n\r")
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append([xlsx_safe(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@st.composite
def table_files(draw, headers: list[str], cells: st.SearchStrategy = CELLS, max_rows: int = 6) -> tuple[bytes, str]:
    """A random file: raw bytes, or a CSV (UTF-8, BOM or GBK) or XLSX table with known and random headers."""
    kind = draw(st.sampled_from(["bytes", "csv", "csv", "csv", "xlsx"]))
    if kind == "bytes":
        return draw(st.binary(max_size=400)), draw(
            st.sampled_from(["a.csv", "a.xlsx", "a.xls", "a.txt", "a", "", "../../x.csv"])
        )
    header = draw(st.lists(st.one_of(st.sampled_from(headers), TEXT), min_size=1, max_size=len(headers) + 2))
    width = len(header)
    body = draw(st.lists(st.lists(cells, min_size=0, max_size=width + 1), max_size=max_rows))
    if kind == "csv":
        encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
        return csv_bytes([header, *body], encoding), draw(st.sampled_from(["f.csv", "F.CSV", "导入.csv"]))
    return xlsx_bytes([header, *body]), "f.xlsx"


# --- the database ------------------------------------------------------------------------------------


class Watch:
    """Sees every commit to the database file from a second connection (PRAGMA data_version)."""

    def __init__(self, db) -> None:
        self.db = db
        path = db.conn.execute("PRAGMA database_list").fetchone()[2]
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.version = self._version()

    def _version(self) -> int:
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def mark(self) -> None:
        self.version = self._version()

    def assert_unchanged(self) -> None:
        assert not self.db.conn.in_transaction, "a refused write left its transaction open"
        assert self._version() == self.version, "a refused write committed something"

    def assert_changed(self) -> None:
        assert not self.db.conn.in_transaction
        assert self._version() != self.version

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def firm(demo_db):
    """(db, actors by username, the live demo project, a watch on the database file)."""
    db, _logins = demo_db
    names = ("admin", "manager", "trainer", "qa", "agent", "merchant")
    actors = {name: actor_of(db, name) for name in names}
    project = db.execute("SELECT id FROM projects WHERE name = '优品家居旗舰店-售前客服'").fetchone()[0]
    watch = Watch(db)
    yield db, actors, project, watch
    watch.close()


def check_errors(errors: list[FieldError]) -> None:
    """A validator's error list: FieldErrors with text fields and a catalogue key."""
    assert isinstance(errors, list)
    for error in errors:
        assert isinstance(error, FieldError)
        assert isinstance(error.field, str) and isinstance(error.key, str) and error.key
        assert isinstance(error.params, dict)


def refused_or(call: Callable[[], Any], watch: Watch) -> tuple[bool, Any]:
    """Run a write; a refusal must be a ValidationError that changed nothing. (accepted, result)."""
    watch.mark()
    try:
        result = call()
    except ValidationError as exc:
        assert exc.errors, "a ValidationError without any field error"
        check_errors(exc.errors)
        watch.assert_unchanged()
        return False, exc
    assert not watch.db.conn.in_transaction
    return True, result


def count(db, sql: str, params: list | tuple = ()) -> int:
    return db.execute(sql, list(params)).fetchone()[0]


# --- excel.read_table ------------------------------------------------------------------------------------

READ_TABLE_REASONS = {"empty", "type", "encoding", "unreadable"}


@FUZZ
@given(file=table_files(["问题", "答案", "a", "b"]))
@example(file=(b'a\n""\n,\n', "f.csv"))
@example(file=(b"\n\n", "f.csv"))
def test_read_table_returns_text_cells_or_a_short_reason(file):
    data, name = file
    try:
        frame = excel.read_table(data, name)
    except ValueError as exc:
        assert exc.args and exc.args[0] in READ_TABLE_REASONS, repr(exc)
        return
    assert isinstance(frame, pd.DataFrame)
    assert all(isinstance(c, str) for c in frame.columns)
    assert all(isinstance(v, str) for v in frame.to_numpy().ravel().tolist())


# --- uploads.validate / store -------------------------------------------------------------------------


@FUZZ
@given(
    data=st.binary(max_size=64),
    name=st.one_of(
        TEXT,
        st.sampled_from(
            [
                "a.pdf",
                "../../etc/passwd",
                "..\\..\\x.exe",
                "x.PDF",
                ".",
                "..",
                "a.",
                ".pdf",
                "/",
                "合同.docx",
                "a.pdf\x00.exe",
            ]
        ),
    ),
)
def test_upload_validate_gives_a_safe_name_or_field_errors(data, name):
    try:
        clean = uploads.validate(data, name, max_bytes=32)
    except ValidationError as exc:
        check_errors(exc.errors)
        assert {e.field for e in exc.errors} == {"file"}
        return
    assert clean and "/" not in clean and "\\" not in clean and clean not in (".", "..")
    assert 0 < len(data) <= 32
    assert clean.rsplit(".", 1)[-1].lower() in uploads.DEFAULT_ALLOWED_EXTENSIONS


@FUZZ
@given(data=st.binary(max_size=64), name=st.one_of(TEXT, st.sampled_from(["a.pdf", "../x.png", "x.exe"])))
def test_upload_store_writes_one_complete_row_or_nothing(firm, data, name):
    db, actors, _project, watch = firm
    before = count(db, "SELECT COUNT(*) FROM uploads")
    accepted, upload_id = refused_or(lambda: uploads.store(db, actors["manager"], data, name, max_bytes=32), watch)
    if accepted:
        row, content = uploads.read_bytes(db, upload_id)
        assert content == data and row["size"] == len(data) and row["original_name"] == uploads.safe_display_name(name)
        assert count(db, "SELECT COUNT(*) FROM uploads") == before + 1


# --- FAQ import ---------------------------------------------------------------------------------------

FAQ_HEADERS = ["问题", "答案/话术", "question", "answer", "答案", "话术"]


@FUZZ
@given(file=table_files(FAQ_HEADERS))
def test_faq_import_lands_whole_or_not_at_all(firm, file):
    db, actors, project, watch = firm
    data, name = file
    try:
        items = faq.parse_import(data, name)
    except ValidationError as exc:
        check_errors(exc.errors)
        items = None
    accepted, changed = refused_or(lambda: faq.import_xlsx(db, actors["manager"], project, data, name), watch)
    assert accepted == (items is not None)
    if accepted:
        stored = {r["question"]: r["answer"] for r in faq.list_items(db, actors["manager"], project)}
        assert all(stored.get(i["question"]) == i["answer"] for i in items)
        assert 0 <= changed <= len(items)


# --- quick phrases import ------------------------------------------------------------------------------

PHRASE_HEADERS = ["分组", "快捷编码", "短语内容", "group", "shortcut", "text", "快捷码", "内容"]
PHRASE_CELLS = st.one_of(CELLS, st.sampled_from(["/fh", "FH", "/a_1", "/kd", "/发货", "亲，48小时内发货", "物流"]))


@FUZZ
@given(file=table_files(PHRASE_HEADERS, PHRASE_CELLS), replace=st.booleans())
def test_phrase_import_lands_whole_or_not_at_all(firm, file, replace):
    db, actors, project, watch = firm
    data, name = file
    try:
        items = phrases.parse_import(data, name)
    except ValidationError as exc:
        check_errors(exc.errors)
        items = None
    accepted, counts = refused_or(
        lambda: phrases.import_file(db, actors["manager"], project, data, name, replace=replace), watch
    )
    assert accepted == (items is not None)
    if accepted:
        assert counts["added"] + counts["updated"] + counts["unchanged"] == len(items)
        stored = {p["shortcut"]: p for p in phrases.list_phrases(db, actors["manager"], project)}
        for item in items:
            assert (stored[item["shortcut"]]["group_name"], stored[item["shortcut"]]["text"]) == (
                item["group_name"],
                item["text"],
            )
        if replace:
            assert set(stored) == {i["shortcut"] for i in items}


@pytest.mark.parametrize(
    "parse, header",
    [
        (phrases.parse_import, "快捷编码,短语内容,shortcut\n/fh,亲，48小时内发货,/kd\n"),
        (faq.parse_import, "问题,答案,话术\n能拍的都有货吗,有,没有\n"),
        (scorecards.parse_scorecard_table, "类别,评分项,评分方式,项目\n服务,态度,5,礼貌\n"),
    ],
    ids=["phrases", "faq", "scorecard"],
)
def test_two_columns_for_one_field_are_refused_not_silently_dropped(parse, header):
    with pytest.raises(ValidationError) as exc:
        parse(header.encode(), "f.csv")
    assert [(e.field, e.key) for e in exc.value.errors] == [("file", "err.duplicate_columns")]


# --- QA scorecard table --------------------------------------------------------------------------------

SCORECARD_HEADERS = ["类别", "评分项", "评分方式", "类型", "权重", "加分", "红线", "可不适用", "说明"]
SCORECARD_CELLS = st.one_of(
    CELLS, st.sampled_from(["服务态度", "3分", "5", "pass/fail", "加分", "标准", "是", "否", "20", "0.5"])
)


@FUZZ
@given(file=table_files(SCORECARD_HEADERS, SCORECARD_CELLS, max_rows=4))
def test_scorecard_table_import_saves_every_item_or_nothing(firm, file):
    db, actors, project, watch = firm
    data, name = file
    try:
        items = scorecards.parse_scorecard_table(data, name)
    except ValidationError as exc:
        check_errors(exc.errors)
        return
    assert isinstance(items, list)
    accepted, card_id = refused_or(
        lambda: scorecards.save_scorecard(db, actors["qa"], project, "商家标准", items, source="merchant"), watch
    )
    if accepted:
        assert count(db, "SELECT COUNT(*) FROM qa_scorecard_items WHERE scorecard_id = ?", [card_id]) == len(items)
        assert scorecards.effective_scorecard_id(db, project) == card_id


# --- chat KPI engine: raw chat logs and orders ------------------------------------------------------------

TIMES = st.one_of(
    st.datetimes(min_value=datetime(2026, 4, 1), max_value=datetime(2026, 6, 30)).map(
        lambda t: t.strftime("%Y-%m-%d %H:%M:%S")
    ),
    st.datetimes(min_value=datetime(2026, 4, 1), max_value=datetime(2026, 6, 30)).map(
        lambda t: t.strftime("%Y-%m-%d %H:%M:%S")
    ),
    st.sampled_from(
        [
            "0001-01-01 00:00:00",
            "9999-12-31 23:59:59",
            "1677-09-21 00:12:43",
            "2262-04-11 23:47:17",
            "2026-02-30 10:00:00",
            "2026-05-03",
            "2026/05/03 10:00:00",
            "2026-05-03T10:00:00+08:00",
            "",
        ]
    ),
    CELLS,
)
MESSAGE_CELLS = {
    "time": TIMES,
    "buyer": st.one_of(st.sampled_from(["tb_buyer1", "买家2", "😀"]), CELLS),
    "agent": st.one_of(st.sampled_from(["优品家居:小美", "小美", "阿杰", "陌生人"]), CELLS),
    "sender": st.one_of(st.sampled_from(["buyer", "agent", "auto", "system", "BUYER ", "Agent"]), CELLS),
    "content": CELLS,
}
ORDER_CELLS = {
    "order_id": st.one_of(st.integers(0, 50).map(str), CELLS),
    "buyer": st.one_of(st.sampled_from(["tb_buyer1", "买家2"]), CELLS),
    "created_at": TIMES,
    "paid_at": TIMES,
    "amount": st.one_of(
        st.sampled_from(["12.50", "0", "99999999999999999999999999", "9" * 400, "-1", "1e400", ".5"]), CELLS
    ),
    "items": st.one_of(st.sampled_from(["1", "0", "99999999999999999999999999", "-1", "1.5"]), CELLS),
    "status": st.one_of(
        st.sampled_from(["paid", "shipped", "completed", "refunded", "cancelled", "unpaid", "PAID"]), CELLS
    ),
}


@st.composite
def engine_files(draw, cells: dict[str, st.SearchStrategy], max_rows: int = 5) -> tuple[bytes, str]:
    """A chat-log or order file: mostly the right columns (sometimes one missing or a stray one), random rows."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=300)), draw(st.sampled_from(["m.csv", "m.xlsx", "m"]))
    columns = [c for c in cells if draw(st.integers(0, 14)) > 0]
    if draw(st.booleans()):
        columns.append(draw(st.sampled_from([" Time ", "TIME", "extra", "content", "备注"])))
    columns = draw(st.permutations(columns))
    rows = draw(
        st.lists(
            st.fixed_dictionaries({c: cells.get(c.strip().lower(), CELLS) for c in columns}),
            min_size=0,
            max_size=max_rows,
        )
    )
    table = [list(columns), *[[r[c] for c in columns] for r in rows]]
    if draw(st.integers(0, 4)) == 0:
        return xlsx_bytes(table), "m.xlsx"
    return csv_bytes(table, draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))), "m.csv"


ORDER_HEADER = b"order_id,buyer,created_at,paid_at,amount,items,status\n"


def MESSAGES_AT(time: str) -> bytes:  # noqa: N802 - reads like a constant in the examples
    """A two-message chat at `time` of the demo's agent 小美."""
    return f"time,buyer,agent,sender\n{time},b1,小美,buyer\n{time},b1,小美,agent\n".encode()


@FUZZ
@given(file=engine_files(MESSAGE_CELLS))
def test_read_messages_returns_a_clean_frame_or_row_errors(file):
    data, name = file
    try:
        frame = engine.read_messages(data, name)
    except engine.KpiInputError as exc:
        assert exc.errors and all(isinstance(r, int) and r >= 1 and isinstance(m, str) for r, m in exc.errors)
        return
    assert list(frame.columns) == ["time", "buyer", "agent", "sender", "content"]
    assert len(frame) > 0
    assert frame["time"].notna().all()
    assert set(frame["sender"]) <= set(engine.SENDERS)
    assert (frame["buyer"] != "").all() and (frame["agent"] != "").all()


@FUZZ
@given(file=engine_files(ORDER_CELLS))
@example(file=(ORDER_HEADER + b"1,b,2026-05-03 10:00:00,,1,99999999999999999999999999,paid\n", "o.csv"))
@example(file=(ORDER_HEADER + b"1,b,2026-05-03 10:00:00,," + b"9" * 400 + b",1,paid\n", "o.csv"))
def test_read_orders_returns_a_clean_frame_or_row_errors(file):
    data, name = file
    try:
        frame = engine.read_orders(data, name)
    except engine.KpiInputError as exc:
        assert exc.errors and all(isinstance(r, int) and r >= 1 and isinstance(m, str) for r, m in exc.errors)
        return
    assert list(frame.columns) == ["order_id", "buyer", "created_at", "paid_at", "amount", "items", "status"]
    assert frame["order_id"].is_unique and (frame["order_id"] != "").all()
    assert all(math.isfinite(a) and a >= 0 for a in frame["amount"])
    assert (frame["items"] >= 0).all()
    assert set(frame["status"]) <= set(engine.ORDER_STATUSES)


@FUZZ_SLOW
@given(messages=engine_files(MESSAGE_CELLS), orders=st.one_of(st.none(), engine_files(ORDER_CELLS, max_rows=3)))
@example(messages=(MESSAGES_AT("0001-01-01 00:00:00"), "m.csv"), orders=None)
@example(messages=(MESSAGES_AT("9999-12-31 23:59:59"), "m.csv"), orders=None)
@example(messages=(MESSAGES_AT("2026-05-03 10:00:00"), "m.csv"), orders=None)
@example(
    messages=(MESSAGES_AT("2026-05-03 10:00:00"), "m.csv"),
    orders=(ORDER_HEADER + b"1,b1,2026-05-03 10:01:00,9999-01-01 00:00:00,10,1,paid\n", "o.csv"),
)
def test_raw_chat_import_stores_every_message_or_nothing(firm, messages, orders):
    db, actors, project, watch = firm
    manager = actors["manager"]
    watch.mark()
    try:
        preview = raw_store.preview_raw(
            db, manager, project, messages[0], messages[1], orders[0] if orders else None, orders[1] if orders else None
        )
    except ValidationError as exc:
        check_errors(exc.errors)
        watch.assert_unchanged()
        return
    watch.assert_unchanged()  # a preview never writes
    accepted, import_id = refused_or(lambda: raw_store.import_raw(db, manager, project, preview), watch)
    if accepted:
        day_from, day_to = preview.date_from.isoformat(), preview.date_to.isoformat()
        stored = count(
            db,
            "SELECT COUNT(*) FROM chat_messages WHERE project_id = ? AND day BETWEEN ? AND ?",
            [project, day_from, day_to],
        )
        assert stored == len(preview.messages)
        assert count(db, "SELECT COUNT(*) FROM chat_messages WHERE import_id = ?", [import_id]) == len(preview.messages)
        row = db.execute("SELECT messages, orders FROM kpi_imports WHERE id = ?", [import_id]).fetchone()
        assert row == (len(preview.messages), 0 if preview.orders is None else len(preview.orders))
        if preview.orders is not None:
            for order_id in preview.orders["order_id"]:
                assert (
                    count(
                        db,
                        "SELECT COUNT(*) FROM chat_orders WHERE project_id = ? AND order_id = ?",
                        [project, order_id],
                    )
                    == 1
                )


# --- platform summary import (read_summary itself is fuzzed in test_summary_import.py) -----------------------

SUMMARY_HEADERS = [
    "日期",
    "客服账号",
    "客服",
    "咨询人数",
    "30秒应答率",
    "平均响应时长",
    "首响时长(人维度)",
    "销售额(万元)",
    "满意度",
    "客件数",
    "接待人数",
    "询单转化率",
]
SUMMARY_CELLS = st.one_of(
    CELLS,
    st.sampled_from(
        ["2026-05-03", "2026/5/4", "20260505", "优品家居:小美", "阿杰", "12", "84.5%", "1分20秒", "1.2万", "0.35"]
    ),
)


SUMMARY_OK = [
    ["日期", "客服账号", "咨询人数", "30秒应答率", "平均响应时长"],
    ["2026-11-02", "优品家居:小美", "12", "84.5%", "20"],
    ["2026-11-03", "阿杰", "1,234", "0.5", "1分20秒"],
]


@FUZZ_SLOW
@given(file=table_files(SUMMARY_HEADERS, SUMMARY_CELLS, max_rows=5))
@example(file=(csv_bytes(SUMMARY_OK), "s.csv"))
@example(file=(xlsx_bytes(SUMMARY_OK), "s.xlsx"))
@example(file=(csv_bytes([*SUMMARY_OK, ["9999-12-31", "阿杰", "1", "", ""]]), "s.csv"))
@example(file=(csv_bytes([*SUMMARY_OK, SUMMARY_OK[1]]), "s.csv"))  # a duplicate day and agent
def test_summary_import_stores_every_row_or_nothing(firm, file):
    db, actors, project, watch = firm
    data, name = file
    manager = actors["manager"]
    watch.mark()
    preview = summary_store.preview_summary(db, manager, project, data, name)
    watch.assert_unchanged()
    accepted, import_id = refused_or(lambda: summary_store.import_summary(db, manager, project, preview), watch)
    assert accepted == (preview.ok and len(preview.parsed.rows) > 0)
    if accepted:
        rows = preview.parsed.rows
        # every row is kept as the platform's figures; our daily rows take it only on days without raw-log figures
        assert count(db, "SELECT COUNT(*) FROM platform_agent_daily WHERE import_id = ?", [import_id]) == len(rows)
        assert count(db, "SELECT rows FROM kpi_imports WHERE id = ?", [import_id]) == len(rows)
        raw_days = set(preview.raw_days)
        summary_rows = rows[[d.isoformat() not in raw_days for d in rows["date"]]]
        assert count(db, "SELECT COUNT(*) FROM kpi_agent_daily WHERE import_id = ?", [import_id]) == len(summary_rows)
        days = {d.isoformat() for d in summary_rows["date"]}
        assert count(db, "SELECT COUNT(*) FROM kpi_shop_daily WHERE import_id = ?", [import_id]) == len(days)


# --- form validators and the writes behind them ------------------------------------------------------------

PAST_DATES = st.dates(min_value=date(2026, 8, 20), max_value=date(2026, 11, 30))


# fields holding the id a picker chose: fuzzed with BAD_IDS
# (an id beyond SQLite's integer range cannot come from a picker)
ID_FIELDS = {"agent_id", "project_id", "owner_id", "swap_agent_id", "source_material_id", "merchant_id"}


def mostly(valid: st.SearchStrategy, anything: st.SearchStrategy = VALUES) -> st.SearchStrategy:
    """A field value: a valid one three times in four, anything at all otherwise."""
    return st.one_of(valid, valid, valid, anything)


@st.composite
def form(draw, fields: dict[str, st.SearchStrategy]) -> dict[str, Any]:
    """A form's data: every field valid, then up to three of them dropped or replaced by anything,
    sometimes a stray key.

    Spoiling one field of an otherwise valid form is what finds a field the validator forgot.
    """
    data = {key: draw(strategy) for key, strategy in fields.items()}
    for key in draw(st.lists(st.sampled_from(sorted(fields)), max_size=3, unique=True)):
        if draw(st.integers(0, 4)) == 0:
            del data[key]
        else:
            data[key] = draw(BAD_IDS if key in ID_FIELDS else VALUES)
    if draw(st.integers(0, 9)) == 0:
        data["stray"] = draw(VALUES)
    return data


# --- order confirmation ---


def oc_value(f) -> st.SearchStrategy:
    from core.projects import order_confirmation as oc

    kinds = {
        "text": st.text(min_size=1, max_size=20),
        "long_text": st.text(max_size=40),
        "int": st.integers(1, 5000),
        "seconds": st.floats(1, 600),
        "money": st.floats(1, 5000),
        "rate": st.floats(0, 1),
        "choice": st.sampled_from(f.choices or ("x",)),
        "bool": st.booleans(),
        "date": st.dates(min_value=date(2027, 1, 1), max_value=date(2027, 12, 31)).map(date.isoformat),
        "time": st.sampled_from(["08:00", "09:30", "12:00", "22:00", "23:59"]),
    }
    assert f.kind in kinds and oc.FIELDS_BY_NAME[f.name] is f
    return kinds[f.kind]


def oc_forms() -> st.SearchStrategy:
    from core.projects import order_confirmation as oc

    return form({f.name: oc_value(f) for f in oc.FIELDS})


@FUZZ
@given(data=oc_forms(), confirming=st.booleans())
@example(data={"agents_required": float("inf"), "target_aov": "1e400"}, confirming=True)
def test_order_confirmation_validate_returns_field_errors(data, confirming):
    from core.projects import order_confirmation as oc

    check_errors(oc.validate(oc.normalise(data), confirming=confirming, today=date(2026, 12, 1)))


@FUZZ
@given(data=oc_forms(), confirming=st.booleans())
@example(data={"kpi_fast_threshold_s": "30.5"}, confirming=False)
@example(data={"agents_required": float("inf")}, confirming=False)
@example(data={"target_aov": float("nan")}, confirming=False)
def test_order_confirmation_save_stores_the_whole_form_or_nothing(firm, data, confirming):
    from core.projects import order_confirmation as oc

    db, actors, _project, watch = firm
    project = db.execute("SELECT id FROM projects WHERE name = '数码先锋-售前客服'").fetchone()[
        0
    ]  # only a draft so far
    save = oc.confirm if confirming else oc.save_draft
    accepted, row_id = refused_or(lambda: save(db, actors["manager"], project, data), watch)
    if accepted:
        stored = oc.current(db, actors["manager"], project)
        assert stored is not None and stored["id"] == row_id
        assert stored["status"] == ("confirmed" if confirming else "draft")
        assert set(oc.FIELDS_BY_NAME) <= set(stored["data"])
        for f in oc.FIELDS:
            value = stored["data"][f.name]
            if f.kind in ("int", "seconds", "money", "rate") and value is not None:
                assert not isinstance(value, bool) and math.isfinite(float(value)), (f.name, value)
        if confirming:  # what a confirmed version agrees on must be usable by the KPI engine
            engine.KpiSettings(**oc.kpi_settings(db, project))


# --- merchants ---

MERCHANT_FORM = form(
    {
        "name": st.text(min_size=1, max_size=20),
        "platform": st.sampled_from(["taobao", "tmall", "pinduoduo", "jd", "douyin"]),
        "shop_name": TEXT,
        "category": TEXT,
        "contact_name": TEXT,
        "contact_phone": TEXT,
        "notes": TEXT,
        "current_presales_agents": st.integers(0, 50),
        "avg_daily_inquiries": st.integers(0, 100_000),
        "promotion_frequency": st.sampled_from(["none", "monthly", "biweekly", "weekly", "big_sales_only"]),
    }
)


@FUZZ
@given(data=MERCHANT_FORM)
@example(data={"name": "巨量", "platform": "jd", "current_presales_agents": 10**30})
def test_create_merchant_stores_a_complete_row_or_nothing(firm, data):
    from core.projects import merchants

    db, actors, _project, watch = firm
    accepted, merchant_id = refused_or(lambda: merchants.create_merchant(db, actors["manager"], data), watch)
    if accepted:
        row = merchants.get_merchant(db, actors["manager"], merchant_id)
        assert row["name"] == str(data["name"]).strip() and row["platform"] == data["platform"]
        assert 0 <= row["current_presales_agents"] and 0 <= row["avg_daily_inquiries"]


# --- users ---


@FUZZ
@given(
    username=st.one_of(st.from_regex(r"[A-Za-z][a-z0-9_]{2,15}", fullmatch=True), TEXT),
    display_name=st.one_of(TEXT, st.text(min_size=1)),
    role=st.one_of(st.sampled_from(["admin", "manager", "trainer", "qa", "agent", "merchant"]), TEXT),
    password=st.one_of(st.text(min_size=0, max_size=80), st.sampled_from(["password-123", "😀" * 30, "短"])),
    merchant_id=st.one_of(st.just(1), BAD_IDS),
)
def test_create_user_stores_a_complete_account_or_nothing(firm, username, display_name, role, password, merchant_id):
    from core.accounts import users

    db, actors, _project, watch = firm
    accepted, user_id = refused_or(
        lambda: users.create_user(db, actors["admin"], username, display_name, role, password, merchant_id), watch
    )
    if accepted:
        row = users.get_user(db, user_id)
        assert row["username"] == username.strip().lower() and row["role"] == role
        stored_hash = db.execute("SELECT password_hash FROM users WHERE id = ?", [user_id]).fetchone()[0]
        assert users.check_password(password, stored_hash)
        assert (row["merchant_id"] is not None) == (role == "merchant")


# --- salary schemes ---


def salary_default() -> dict[str, Any]:
    from core.salary import schemes

    return schemes.default_scheme()


SCHEME_NUMBER = st.one_of(st.floats(0, 5000), st.integers(0, 5000))


@st.composite
def scheme_forms(draw):
    from core.salary import schemes

    data = schemes.default_scheme()
    for key in draw(st.lists(st.sampled_from(sorted(data)), max_size=4, unique=True)):
        data[key] = draw(VALUES)
    for key in ("commission_tiers", "kpis", "score_tiers"):
        if draw(st.integers(0, 3)) == 0:
            data[key] = draw(
                st.lists(
                    st.dictionaries(
                        st.sampled_from(["from", "rate", "kpi", "weight", "target", "scoring", "points"]),
                        st.one_of(SCHEME_NUMBER, VALUES),
                        max_size=5,
                    ),
                    max_size=3,
                )
            )
    return data


@FUZZ
@given(data=scheme_forms(), name=st.one_of(TEXT, st.text(min_size=1, max_size=20)))
@example(data={**salary_default(), "score_tiers": 5}, name="方案")
@example(data={**salary_default(), "kpis": [3]}, name="方案")
def test_salary_scheme_validate_and_create_store_a_whole_scheme_or_nothing(firm, data, name):
    from core.salary import schemes

    db, actors, _project, watch = firm
    clean, errors = schemes.validate(data)
    check_errors(errors)
    assert isinstance(clean, dict)
    accepted, scheme_id = refused_or(lambda: schemes.create_scheme(db, actors["manager"], name, data), watch)
    if accepted:
        assert not errors
        stored = schemes.latest(db, scheme_id)
        assert stored is not None


# --- after-sales ---


@FUZZ
@given(value=st.one_of(VALUES, st.sampled_from(["12.50", "1E+400", "9" * 40, "0.001", "-3", "sNaN", "1,000", " 8 "])))
def test_parse_amount_gives_a_two_decimal_amount_or_none(value):
    from decimal import Decimal

    from core.complaints import aftersales

    amount = aftersales.parse_amount(value)
    assert amount is None or (
        isinstance(amount, Decimal) and amount.is_finite() and amount == amount.quantize(Decimal("0.01"))
    )


AS_TEXT = st.one_of(st.text(min_size=1, max_size=20), TEXT)


@FUZZ
@given(
    kind=st.sampled_from(["cashback", "reissue", "case"]),
    data=form(
        {
            "order_no": AS_TEXT,
            "buyer_id": AS_TEXT,
            "note": TEXT,
            "items": TEXT,
            "description": TEXT,
            "amount": st.sampled_from(["5", "12.5", "999.99", 20]),
            "reason": st.sampled_from(["good_review", "compensation", "missing_item", "quality"]),
            "case_type": st.sampled_from(["quality", "late_delivery", "missing_item"]),
        }
    ),
)
@example(kind="cashback", data={"order_no": "1", "buyer_id": "b", "amount": 1e26, "reason": "compensation"})
def test_aftersales_logging_stores_a_whole_row_or_nothing(firm, kind, data):
    from core.complaints import aftersales

    db, actors, project, watch = firm
    add, table = {
        "cashback": (aftersales.add_cashback, "cashbacks"),
        "reissue": (aftersales.add_reissue, "reissues"),
        "case": (aftersales.open_case, "aftersales_cases"),
    }[kind]
    before = count(db, f"SELECT COUNT(*) FROM {table}")
    accepted, row_id = refused_or(lambda: add(db, actors["agent"], project, data), watch)
    if accepted:
        assert count(db, f"SELECT COUNT(*) FROM {table}") == before + 1
        row = db.execute(f"SELECT * FROM {table} WHERE id = ?", [row_id]).fetchone()
        assert row is not None


# --- attendance ---


@FUZZ
@given(
    text=st.one_of(
        st.none(), TEXT, st.sampled_from(["08:41", "8:41", "24:00", "23:59", "08:61", " 09:00 ", "０８:３０"])
    )
)
def test_parse_check_in_gives_a_time_none_or_value_error(text):
    from datetime import time

    from core.salary import attendance

    try:
        result = attendance.parse_check_in(text)
    except ValueError:
        return
    assert result is None or isinstance(result, time)


ATTENDANCE_DAY = form(
    {
        "day": st.one_of(PAST_DATES, PAST_DATES.map(date.isoformat)),
        "status": st.sampled_from(["present", "late", "absent", "leave", "rest", None]),
        "shift": st.sampled_from(["day", "night"]),
        "check_in": st.sampled_from(["08:00", "09:15", "", None]),
        "note": TEXT,
    }
)


@FUZZ
@given(records=st.lists(ATTENDANCE_DAY, min_size=1, max_size=4))
@example(records=[{"day": datetime(2026, 11, 3, 9), "status": "present"}])
def test_attendance_save_days_stores_every_day_or_none(firm, records):
    from core.salary import attendance

    db, actors, _project, watch = firm
    accepted, _changed = refused_or(lambda: attendance.save_days(db, actors["manager"], 1, records), watch)
    if accepted:
        assert count(db, "SELECT COUNT(*) FROM attendance WHERE length(day) != 10") == 0  # dates, never datetimes
        for record in records:
            day = record["day"] if isinstance(record["day"], date) else date.fromisoformat(record["day"])
            day = day.date() if isinstance(day, datetime) else day
            row = db.execute(
                "SELECT status, shift FROM attendance WHERE agent_id = 1 AND day = ?", [day.isoformat()]
            ).fetchone()
            assert row is not None and row[0] in attendance.STATUSES and row[1] in attendance.SHIFTS


# --- training: upload settings and exams ---


@FUZZ
@given(
    text=st.one_of(TEXT, st.sampled_from([".pdf, DOCX xlsx", "pdf，png；mp4", "exe..", "a" * 11, "", "中文"])),
    max_mb=st.one_of(st.integers(1, 60), VALUES),
)
def test_training_upload_settings_parse_and_save_whole_or_not_at_all(firm, text, max_mb):
    db, actors, _project, watch = firm
    extensions, errors = uploads.parse_extensions(text)
    check_errors(errors)
    assert all(uploads.EXTENSION_PATTERN.match(e) for e in extensions) and len(set(extensions)) == len(extensions)
    accepted, _ = refused_or(lambda: uploads.set_upload_settings(db, actors["admin"], text, max_mb), watch)
    if accepted:
        assert not errors
        assert uploads.allowed_extensions(db) == extensions and uploads.max_upload_mb(db) == max_mb


@FUZZ
@given(
    data=form(
        {
            "agent_id": st.sampled_from([1, 3, 5]),
            "project_id": st.sampled_from([None, 1]),
            "exam_type": st.sampled_from(["written", "simulation", "merchant", "mystery_shopper"]),
            "score": st.floats(0, 100),
            "max_score": st.just(100),
            "exam_date": PAST_DATES,
            "examiner": TEXT,
            "notes": TEXT,
        }
    )
)
@example(data={"agent_id": 1, "exam_type": "written", "score": float("nan"), "max_score": 100})
@example(data={"agent_id": 1, "exam_type": "written", "score": 50, "max_score": float("inf")})
@example(data={"agent_id": 1, "exam_type": "written", "score": "1e400", "max_score": "1e400"})
@example(data={"agent_id": 1, "project_id": "", "exam_type": "written", "score": 50, "max_score": 100})
@example(data={"agent_id": 1, "project_id": 999, "exam_type": "written", "score": 50, "max_score": 100})
@example(data={"agent_id": 1, "project_id": 1e30, "exam_type": "written", "score": 50, "max_score": 100})
@example(
    data={"agent_id": 1, "exam_type": "written", "score": 50, "max_score": 100, "exam_date": datetime(2026, 11, 3, 10)}
)
def test_record_exam_stores_a_valid_score_or_nothing(firm, data):
    from core.team import exams

    db, actors, _project, watch = firm
    accepted, exam_id = refused_or(lambda: exams.record_exam(db, actors["trainer"], data), watch)
    if accepted:
        row = db.execute("SELECT score, max_score, passed FROM exams WHERE id = ?", [exam_id]).fetchone()
        assert row is not None and math.isfinite(row[0]) and math.isfinite(row[1]) and 0 <= row[0] <= row[1]


# --- complaints ---

COMPLAINT_FORM = form(
    {
        "project_id": st.just(1),
        "channel": st.sampled_from(["chat", "phone", "platform", "merchant"]),
        "category": st.sampled_from(["service_attitude", "wrong_answer", "logistics", "other"]),
        "severity": st.sampled_from(["low", "medium", "high"]),
        "buyer_id": st.text(min_size=1, max_size=10),
        "order_no": TEXT,
        "description": st.text(min_size=1, max_size=30),
        "concerns_agent": st.booleans(),
        "agent_id": st.sampled_from([1, 3]),
        "chat_date": PAST_DATES,
        "promised_at": st.one_of(
            st.none(),
            st.sampled_from(["2027-01-01 10:00:00", "2027-01-01T10:00:00+08:00", "2020-01-01", "明天"]),
            st.datetimes(min_value=datetime(2027, 1, 1)),
        ),
    }
)


@FUZZ
@given(
    data=COMPLAINT_FORM, action=mostly(st.sampled_from(["start", "escalate", "resolve", "close", "reopen"])), note=TEXT
)
@example(
    data={
        "project_id": 1,
        "channel": "chat",
        "category": "other",
        "severity": "low",
        "buyer_id": "b",
        "description": "d",
        "promised_at": "2027-01-01T10:00:00+08:00",
    },
    action="start",
    note="",
)
@example(
    data={
        "project_id": 0,
        "channel": "chat",
        "category": "other",
        "severity": "low",
        "buyer_id": "b",
        "description": "d",
    },
    action=None,
    note="",
)
def test_complaint_log_and_advance_write_whole_steps_or_nothing(firm, data, action, note):
    from core.complaints import complaints

    db, actors, _project, watch = firm
    qa_user = actors["qa"]
    accepted, complaint_id = refused_or(
        lambda: complaints.log_complaint(db, qa_user, data, now=datetime(2026, 12, 1, 9)), watch
    )
    if not accepted:
        return
    row = complaints.get_complaint(db, qa_user, complaint_id)
    assert row["number"] and row["status"] in complaints.OPEN_STATUSES and row["promised_at"] > "2026-12-01 09:00:00"
    if data.get("concerns_agent") and row["chat_date"]:
        assert row["review_id"] is not None
    if not isinstance(action, str):
        return
    accepted, status = refused_or(lambda: complaints.advance(db, actors["manager"], complaint_id, action, note), watch)
    if accepted:
        assert complaints.get_complaint(db, qa_user, complaint_id)["status"] == status


# --- QA reviews ---


@st.composite
def review_inputs(draw, db):
    card = scorecards.load_card(db, scorecards.effective_scorecard_id(db, 1))
    ratings: dict[Any, Any] = {}
    for item in card.items:
        low, high = scoring.SCALES[item.scale]
        choice = draw(st.integers(0, 9))
        if choice < 8:
            ratings[item.id] = draw(st.integers(low, high))
        elif choice == 8:
            ratings[item.id] = draw(VALUES)
    if draw(st.integers(0, 9)) == 0:
        ratings[draw(st.one_of(st.integers(), TEXT))] = draw(VALUES)
    data = draw(
        form(
            {
                "project_id": st.just(1),
                "agent_id": st.sampled_from([1, 3]),
                "chat_buyer_id": st.text(min_size=1, max_size=10),
                "chat_date": PAST_DATES,
                "transcript": TEXT,
                "comment": TEXT,
                "case_type": st.sampled_from([None, "", "problem", "excellent"]),
            }
        )
    )
    return data, ratings


def test_qa_review_of_a_project_that_does_not_exist_is_refused_not_a_foreign_key_error(firm):
    db, actors, _project, watch = firm
    accepted, exc = refused_or(
        lambda: reviews.record_review(
            db, actors["qa"], {"project_id": 0, "agent_id": 1, "chat_buyer_id": "b", "chat_date": date(2026, 11, 2)}, {}
        ),
        watch,
    )
    assert not accepted and [(e.field, e.key) for e in exc.errors] == [("qa.project", "err.invalid_choice")]


@FUZZ
@given(data=st.data())
def test_qa_review_recording_stores_every_rating_or_nothing(firm, data):
    db, actors, _project, watch = firm
    form_data, ratings = data.draw(review_inputs(db))
    accepted, review_id = refused_or(lambda: reviews.record_review(db, actors["qa"], form_data, ratings), watch)
    if accepted:
        card = scorecards.load_card(db, scorecards.effective_scorecard_id(db, 1))
        assert count(db, "SELECT COUNT(*) FROM qa_review_items WHERE review_id = ?", [review_id]) == len(card.items)
        score = db.execute("SELECT score FROM qa_reviews WHERE id = ?", [review_id]).fetchone()[0]
        assert score is not None and 0 <= score <= 100 + card.bonus_cap


# --- roster: cell edits, leave and swap requests ---

CELL = form(
    {
        "agent_id": st.sampled_from([1, 3, 5]),
        "day": st.one_of(
            st.dates(min_value=date(2026, 12, 1), max_value=date(2026, 12, 31)),
            st.sampled_from(["2026-12-05", "2026-13-01", "昨天"]),
        ),
        "shift": st.sampled_from(["day", "night", "rest", "leave", "", None]),
    }
)


@FUZZ
@given(cells=st.lists(CELL, min_size=1, max_size=4))
@example(cells=[{"agent_id": 1, "day": datetime(2026, 12, 5, 9), "shift": "day"}])
def test_roster_cell_edits_land_whole_or_not_at_all(firm, cells):
    from core.schedule import shifts

    db, actors, project, watch = firm
    accepted, _changed = refused_or(lambda: shifts.save_cells(db, actors["manager"], project, cells), watch)
    if accepted:
        assert count(db, "SELECT COUNT(*) FROM roster_entries WHERE length(day) != 10") == 0  # dates, never datetimes
        last: dict[tuple, Any] = {}
        for cell in cells:
            day = cell["day"] if isinstance(cell["day"], date) else date.fromisoformat(str(cell["day"]))
            day = day.date() if isinstance(day, datetime) else day
            last[(cell["agent_id"], day.isoformat())] = cell.get("shift") or None
        for (agent_id, day), shift in last.items():
            row = db.execute(
                "SELECT shift FROM roster_entries WHERE project_id = ? AND agent_id = ? AND day = ?",
                [project, agent_id, day],
            ).fetchone()
            assert (row[0] if row else None) == shift


ROSTER_SETTINGS = form(
    {
        "day_start": st.sampled_from(["08:30", "09:00"]),
        "day_end": st.sampled_from(["16:00", "17:30"]),
        "night_start": st.sampled_from(["16:00", "17:00"]),
        "night_end": st.sampled_from(["23:30", "23:59"]),
        "required_day": st.integers(0, 500),
        "required_night": st.integers(0, 500),
        "aht_s": st.floats(1, 7200),
        "concurrency": st.integers(1, 10),
        "shrinkage": st.floats(0, 0.9),
        "max_occupancy": st.floats(0.1, 1),
    }
)


@FUZZ
@given(values=ROSTER_SETTINGS)
def test_roster_settings_save_whole_or_not_at_all(firm, values):
    from core.schedule import shift_settings

    db, actors, project, watch = firm
    check_errors(shift_settings.settings_errors(values))
    accepted, _ = refused_or(lambda: shift_settings.save_settings(db, actors["manager"], project, values), watch)
    if accepted:
        stored = shift_settings.settings(db, actors["manager"], project)
        assert stored["required_day"] == int(values["required_day"]) and stored["concurrency"] == int(
            values["concurrency"]
        )
        assert math.isfinite(stored["aht_s"]) and math.isfinite(stored["shrinkage"])


PROMO_DAYS = st.dates(min_value=date(2026, 11, 1), max_value=date(2027, 2, 1))


@FUZZ
@given(
    values=form(
        {
            "name": st.text(min_size=1, max_size=20),
            "start_day": PROMO_DAYS,
            "end_day": PROMO_DAYS,
            "announced_on": PROMO_DAYS,
            "expected_rise": st.one_of(st.none(), st.floats(0, 5)),
            "note": TEXT,
        }
    )
)
@example(
    values={
        "name": "双12",
        "start_day": datetime(2026, 12, 12, 0),
        "end_day": date(2026, 12, 13),
        "announced_on": date(2026, 12, 1),
    }
)
def test_promotion_is_recorded_whole_or_not_at_all(firm, values):
    from core.schedule import promotions

    db, actors, project, watch = firm
    check_errors(promotions.promotion_errors(values))
    accepted, promo_id = refused_or(lambda: promotions.add_promotion(db, actors["manager"], project, values), watch)
    if accepted:
        row = db.execute("SELECT start_day, end_day, announced_on FROM promotions WHERE id = ?", [promo_id]).fetchone()
        assert all(len(day) == 10 for day in row) and row[0] <= row[1] and row[2] <= row[0]


REQUEST_DAYS = st.one_of(st.dates(min_value=date(2026, 11, 25), max_value=date(2027, 3, 1)), VALUES)


@FUZZ
@given(
    kind=st.sampled_from(["leave", "swap"]),
    day=REQUEST_DAYS,
    end_day=REQUEST_DAYS,
    swap_agent=st.one_of(st.sampled_from([3, 5, 7]), BAD_IDS),
    reason=st.one_of(st.text(min_size=1, max_size=20), TEXT),
)
@example(kind="leave", day=datetime(2026, 12, 20, 9), end_day=date(2026, 12, 21), swap_agent=None, reason="家里有事")
def test_leave_and_swap_requests_store_one_whole_request_or_nothing(firm, kind, day, end_day, swap_agent, reason):
    from core.schedule import shift_requests

    db, actors, project, watch = firm
    agent = actors["agent"]
    if kind == "leave":
        call = lambda: shift_requests.request_leave(db, agent, project, day, end_day, reason)  # noqa: E731
    else:
        call = lambda: shift_requests.request_swap(db, agent, project, day, swap_agent, reason)  # noqa: E731
    accepted, request_id = refused_or(call, watch)
    if accepted:
        row = db.execute("SELECT kind, day, end_day, status FROM shift_requests WHERE id = ?", [request_id]).fetchone()
        assert row[0] == kind and row[3] == "pending" and row[1] <= row[2]


@FUZZ
@given(
    start=st.one_of(TEXT, st.sampled_from(["08:00", "8:00", "24:00", "00:00", "23:59", "12:60"])),
    end=st.one_of(TEXT, st.sampled_from(["22:00", "00:00", "7:30"])),
)
def test_billing_service_hours_gives_hours_of_a_day_or_value_error(start, end):
    from decimal import Decimal

    from core.billing import rules

    try:
        hours = rules.service_hours(start, end)
        night = rules.night_hours(start, end)
    except (TypeError, ValueError):  # what quotes.request_errors turns into err.time_format
        return
    assert isinstance(hours, Decimal) and 0 < hours <= 24 and 0 <= night <= hours


# --- knowledge base articles and memos ---


@FUZZ
@given(
    data=form(
        {
            "title": st.text(min_size=1, max_size=20),
            "body": st.text(min_size=1, max_size=50),
            "category": st.sampled_from(["product", "logistics", "faq"]),
            "tags": st.one_of(TEXT, st.lists(TEXT, max_size=3)),
            "skus": TEXT,
            "owner_id": st.sampled_from([None, 2]),
            "review_by": st.one_of(st.none(), DATES),
            "source_material_id": st.none(),
            "note": TEXT,
        }
    )
)
def test_kb_article_save_stores_a_whole_article_or_nothing(firm, data):
    from core.kb import articles

    db, actors, project, watch = firm
    accepted, article_id = refused_or(lambda: articles.create_article(db, actors["manager"], project, data), watch)
    if accepted:
        article = articles.get_article(db, actors["manager"], article_id)
        assert article["title"] == str(data["title"]).strip() and article["version"] == 1
        assert count(db, "SELECT COUNT(*) FROM kb_article_versions WHERE article_id = ?", [article_id]) == 1


@FUZZ
@given(
    text=st.one_of(st.text(min_size=1, max_size=30), TEXT),
    kind=mostly(st.sampled_from(["question", "idea"])),
    chat_ref=TEXT,
)
def test_memo_note_stores_a_whole_memo_or_nothing(firm, text, kind, chat_ref):
    from core.kb import memos

    db, actors, project, watch = firm
    accepted, memo_id = refused_or(lambda: memos.note(db, actors["agent"], project, text, kind, chat_ref), watch)
    if accepted:
        memo = memos.get_memo(db, actors["agent"], memo_id)
        assert memo["text"] == text.strip() and memo["kind"] == kind


# --- billing: price lists, quotes, contracts, payments, credits ---


@st.composite
def price_lists(draw):
    from core.billing import quotes, rules

    data = quotes.default_prices()
    for _ in range(draw(st.integers(0, 3))):
        key = draw(
            st.sampled_from(
                [
                    "seat_prices",
                    "night_surcharge",
                    "weekend_surcharge",
                    "commission_rate",
                    "minimum_fee",
                    "seat_daily_capacity",
                    "validity_days",
                    "term_discounts",
                ]
            )
        )
        if key == "seat_prices":
            data["seat_prices"][draw(st.sampled_from(list(rules.SERVICE_TYPES)))][
                str(draw(st.sampled_from(list(rules.HOURS_BANDS))))
            ] = draw(VALUES)
        elif key == "term_discounts":
            data[key] = draw(st.lists(st.fixed_dictionaries({"months": VALUES, "rate": VALUES}), max_size=3))
        else:
            data[key] = draw(VALUES)
    return data


@FUZZ
@given(data=price_lists())
def test_price_list_save_stores_a_whole_price_list_or_nothing(firm, data):
    from core.billing import quotes

    db, actors, _project, watch = firm
    check_errors(quotes.price_errors(data))
    accepted, list_id = refused_or(lambda: quotes.save_price_list(db, actors["admin"], data, date(2030, 1, 1)), watch)
    if accepted:
        assert not quotes.price_errors(data)
        stored = quotes.price_list_on(db, date(2030, 1, 2))
        assert stored["id"] == list_id
        assert all(
            math.isfinite(v) and v > 0 for bands in stored["data"]["seat_prices"].values() for v in bands.values()
        )


QUOTE_OK = {
    "category": "家居",
    "current_presales_agents": 1,
    "avg_daily_inquiries": 300,
    "promotion_frequency": "none",
    "service_type": "presales",
    "hours_start": "08:00",
    "hours_end": "22:00",
    "weekends": False,
    "term_months": 3,
    "seats": None,
}
QUOTE_REQUEST = form(
    {
        "category": TEXT,
        "current_presales_agents": st.integers(0, 20),
        "avg_daily_inquiries": st.integers(1, 50_000),
        "promotion_frequency": st.sampled_from(["none", "weekly", "big_sales_only"]),
        "service_type": st.sampled_from(["presales", "aftersales"]),
        "hours_start": st.sampled_from(["08:00", "09:30", "22:00"]),
        "hours_end": st.sampled_from(["17:00", "23:59", "00:00"]),
        "weekends": st.booleans(),
        "term_months": st.integers(1, 60),
        "seats": st.one_of(st.none(), st.integers(1, 500)),
    }
)


@FUZZ
@given(request=QUOTE_REQUEST, valid_until=st.one_of(st.none(), DATES, VALUES), note=TEXT)
@example(request={**QUOTE_OK, "current_presales_agents": "abc"}, valid_until=None, note="")
@example(request={**QUOTE_OK, "avg_daily_inquiries": 10**30}, valid_until=None, note="")
@example(request=QUOTE_OK, valid_until=datetime(2027, 1, 1, 12), note="")
def test_quote_preview_and_create_store_a_whole_quote_or_nothing(firm, request, valid_until, note):
    from core.billing import quotes

    db, actors, project, watch = firm
    manager = actors["manager"]
    watch.mark()
    try:
        proposal = quotes.preview(db, manager, project, request, today=date(2026, 12, 1))
    except ValidationError as exc:
        check_errors(exc.errors)
        proposal = None
    watch.assert_unchanged()
    accepted, quote_id = refused_or(
        lambda: quotes.create_quote(db, manager, project, request, valid_until, note, today=date(2026, 12, 1)), watch
    )
    if proposal is None:
        assert not accepted
    if accepted:
        quote = quotes.get_quote(db, manager, quote_id)
        assert (
            quote["status"] == "draft" and math.isfinite(float(quote["monthly_total"])) and quote["monthly_total"] >= 0
        )


def _accepted_quote(db, admin: Actor, manager: Actor) -> int:
    """An accepted quote of a project without a contract: 鲜果坊's sent quote first, then a new project's each time."""
    from core.billing import quotes
    from core.projects import merchants

    free = db.execute("""SELECT q.id FROM billing_quotes q WHERE q.status = 'accepted'
                         AND NOT EXISTS (SELECT 1 FROM billing_contracts c
                                         WHERE c.project_id = q.project_id)""").fetchone()
    if free:
        return free[0]
    sent = db.execute("SELECT id FROM billing_quotes WHERE project_id = 2 AND status = 'sent'").fetchone()
    if sent:
        quote_id = sent[0]
    else:
        n = count(db, "SELECT COUNT(*) FROM projects") + 1
        project_id = merchants.create_project(db, admin, 2, f"鲜果坊-售后{n}", manager.id)
        quote_id = quotes.create_quote(db, manager, project_id, QUOTE_OK, today=date(2026, 11, 1))
        quotes.send_quote(db, manager, quote_id, today=date(2026, 11, 1))
    quotes.accept_quote(db, manager, quote_id, today=date(2026, 11, 1))
    return quote_id


@FUZZ
@given(
    start=st.one_of(st.dates(min_value=date(2026, 12, 1), max_value=date(2027, 6, 1)), VALUES),
    end=st.one_of(st.dates(min_value=date(2027, 1, 1), max_value=date(2028, 6, 1)), VALUES),
    terms=mostly(st.sampled_from(["prepaid", "postpaid"])),
    days=st.one_of(st.none(), st.integers(0, 90), VALUES),
    mode=st.one_of(st.none(), st.sampled_from(["gradual", "full"]), VALUES),
    plan=TEXT,
    rebates=st.one_of(
        st.none(),
        st.lists(
            st.fixed_dictionaries(
                {
                    "kpi": mostly(st.sampled_from(["response_30s_rate", "conversion_rate", "avg_response_s"])),
                    "rate": mostly(st.floats(0.01, 0.5)),
                }
            ),
            max_size=2,
        ),
    ),
)
@example(
    start=datetime(2027, 1, 1, 9), end=date(2027, 12, 31), terms="prepaid", days=None, mode=None, plan="", rebates=None
)
def test_contract_creation_stores_a_whole_contract_or_nothing(firm, start, end, terms, days, mode, plan, rebates):
    from core.billing import contracts

    db, actors, _project, watch = firm
    manager = actors["manager"]
    quote_id = _accepted_quote(db, actors["admin"], manager)
    project_id = db.execute("SELECT project_id FROM billing_quotes WHERE id = ?", [quote_id]).fetchone()[0]
    assume(isinstance(plan, str))
    accepted, contract_id = refused_or(
        lambda: contracts.create_contract(db, manager, quote_id, start, end, terms, days, mode, plan, rebates), watch
    )
    if accepted:
        contract = contracts.get_contract(db, manager, contract_id)
        assert contract["project_id"] == project_id
        assert count(db, "SELECT COUNT(*) FROM billing_contract_terms WHERE contract_id = ?", [contract_id]) == 1
        assert contracts.terms_on(db, manager, contract_id, start)["rebates"] == (rebates or [])


AMEND_CHANGES = st.dictionaries(
    st.sampled_from(
        [
            "seats",
            "service_type",
            "hours_start",
            "hours_end",
            "weekends",
            "seat_price",
            "night_surcharge",
            "discount",
            "commission_rate",
            "minimum_fee",
            "bogus",
        ]
    ),
    st.one_of(st.integers(1, 20), st.floats(0, 0.9), st.sampled_from(["presales", "08:00", "25:00"]), VALUES),
    max_size=3,
)


@FUZZ
@given(
    effective_from=st.one_of(st.dates(min_value=date(2026, 9, 1), max_value=date(2027, 12, 31)), VALUES),
    changes=AMEND_CHANGES,
    note=st.one_of(st.text(min_size=1, max_size=20), TEXT),
)
@example(effective_from=datetime(2026, 12, 15, 9), changes={"seats": 3}, note="加人")
def test_contract_amendment_stores_whole_terms_or_nothing(firm, effective_from, changes, note):
    from core.billing import contracts

    db, actors, _project, watch = firm
    manager = actors["manager"]
    contract_id = db.execute("SELECT id FROM billing_contracts WHERE project_id = 1").fetchone()[0]
    accepted, row_id = refused_or(
        lambda: contracts.amend(db, manager, contract_id, effective_from, changes, note), watch
    )
    if accepted:
        day = effective_from.date() if isinstance(effective_from, datetime) else effective_from
        terms = contracts.terms_on(db, manager, contract_id, day)
        for key, value in changes.items():
            assert terms[key] == value
        stored = db.execute("SELECT effective_from FROM billing_contract_terms WHERE id = ?", [row_id]).fetchone()
        assert stored == (day.isoformat(),)


@FUZZ
@given(
    paid_on=st.one_of(st.dates(min_value=date(2026, 10, 25), max_value=date(2026, 12, 5)), VALUES),
    amount=st.one_of(
        st.sampled_from(["100", "0.01", "252715.23", "252715.24", "1e3", "NaN", "sNaN", "Infinity", "-1"]), VALUES
    ),
    note=st.one_of(st.none(), TEXT),
)
@example(paid_on=datetime(2026, 11, 20, 9), amount="100", note=None)
@example(paid_on=date(2026, 11, 20), amount="NaN", note=None)
def test_payment_recording_updates_the_invoice_whole_or_not_at_all(firm, paid_on, amount, note):
    from decimal import Decimal

    from core.billing import payments

    db, actors, _project, watch = firm
    invoice_id = 4  # the demo's issued, unpaid invoice
    before = db.execute(
        "SELECT status, paid_amount, payment_note FROM billing_invoices WHERE id = ?", [invoice_id]
    ).fetchone()
    assume(before[0] == "issued")
    accepted, _ = refused_or(
        lambda: payments.record_payment(
            db, actors["admin"], invoice_id, paid_on, amount, note or "", today=date(2026, 12, 1)
        ),
        watch,
    )
    if accepted:
        status, paid, _note = db.execute(
            "SELECT status, paid_amount, payment_note FROM billing_invoices WHERE id = ?", [invoice_id]
        ).fetchone()
        assert Decimal(str(paid)) == Decimal(str(before[1] or 0)) + Decimal(str(amount)).quantize(Decimal("0.01"))
        assert status in ("issued", "paid")
        db.execute(
            "UPDATE billing_invoices SET status = 'issued', paid_amount = NULL, paid_on = NULL, "
            "payment_note = ? WHERE id = ?",
            [before[2], invoice_id],
        )


@FUZZ
@given(
    month=st.one_of(st.sampled_from(["2027-01", "2026-13", "0000-01", "2026-1", "", "2026-12"]), TEXT),
    amount=st.one_of(st.sampled_from(["100", "0.005", "NaN", "Infinity", "-5", "1e30"]), VALUES),
    reason=st.one_of(st.text(min_size=1, max_size=10), TEXT),
)
@example(month="0000-01", amount="100", reason="补偿")
@example(month="2027-01", amount="Infinity", reason="补偿")
def test_credit_grant_stores_a_whole_credit_or_nothing(firm, month, amount, reason):
    from core.billing import invoices

    db, actors, project, watch = firm
    assume(isinstance(month, str) and isinstance(reason, str))
    accepted, credit_id = refused_or(
        lambda: invoices.add_credit(db, actors["manager"], project, month, amount, reason), watch
    )
    if accepted:
        row = db.execute("SELECT month, amount FROM billing_credits WHERE id = ?", [credit_id]).fetchone()
        assert row[0] == month and math.isfinite(row[1]) and row[1] > 0
