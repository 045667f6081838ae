"""Raw chat logs and order exports as people have them: read, map once, canonical frames out.

No platform exports chats; teams have scraped records, one row per message (`会话ID / 买家(昵称) /
客服(账号) / 发送时间 / 发送方 / 消息内容 / 消息类型`, or PDD socket records with `from.role` =
user / mall_cs / system and `is_aut` / `manual_reply`). Orders come as the backends write them:
Taobao's `ExportOrderList*.csv` (GBK, `="…"` order numbers, trailing spaces in headers, status
texts), its newer xlsx item exports (one row per item: aggregated per main order), PDD's order CSV
(UTF-8 BOM, tab-padded cells, 售后状态, no buyer column).

A `Layout` is one file read into cells (CSV in UTF-8 with or without BOM, GB18030/GBK or UTF-16,
comma or tab separated; or xlsx) with a mapping header → field (None = 未使用) and options:
which sender values mean buyer / agent / auto / robot / system / ignore, whether robot replies
count as the agent's (Douyin counts 智能辅助 as human) or as automatic (the default), which
status texts mean which canonical status. The mapping is proposed from common header wordings
and values, or taken from the project's saved template of that layout (core.kpi.templates,
kinds `raw_messages` / `raw_orders`), and the user can change any of it. Nothing is dropped in
silence: a sender or status value that is not mapped refuses the import (with counts) until it
is mapped or explicitly ignored.

`messages_frame` / `orders_frame` turn a layout into the canonical cells of shared/spec/kpi.md,
which core.kpi.engine validates (every reason as for our own format); core.kpi.raw_store stores them.
Our canonical format (time, buyer, agent, sender, content / order_id, buyer, created_at, …)
maps to itself with no work. No streamlit here.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from core.kpi import engine as kpi
from core.kpi.raw_cells import Cells, blank_cell, clean_text
from core.kpi.templates import normalise_header

KIND_MESSAGES = "raw_messages"


KIND_ORDERS = "raw_orders"


MESSAGE_FIELDS = ("time", "date", "clock", "buyer", "agent", "sender", "content", "auto_flag", "manual_flag")


ORDER_FIELDS = (
    "order_id",
    "main_order_id",
    "buyer",
    "created_at",
    "paid_at",
    "amount",
    "items",
    "status",
    "refund_status",
    "close_reason",
)


SENDER_CLASSES = ("buyer", "agent", "auto", "robot", "system", "ignore")


ROBOT_AS = ("auto", "agent")


ORDER_STATUS_CHOICES = (*kpi.ORDER_STATUSES, "ignore")


# header wordings → field, compared normalised (NFKC, no spaces, lower case), also without a bracketed part
MESSAGE_HEADERS: dict[str, tuple[str, ...]] = {
    "time": (
        "time",
        "发送时间",
        "消息时间",
        "时间",
        "聊天时间",
        "send_time",
        "sendtime",
        "timestamp",
        "ts",
        "msg_time",
        "created_at",
        "createtime",
    ),
    "date": ("date", "日期", "发送日期", "消息日期"),
    "clock": ("clock", "时刻", "发送时刻"),
    "buyer": (
        "buyer",
        "买家",
        "买家昵称",
        "买家账号",
        "买家会员名",
        "顾客",
        "客户",
        "用户",
        "buyer_nick",
        "buyer_id",
        "customer",
        "user",
        "from_uid",
        "uid",
        "访客",
    ),
    "agent": (
        "agent",
        "客服",
        "客服账号",
        "客服昵称",
        "客服名称",
        "子账号",
        "旺旺账号",
        "接待客服",
        "cs",
        "cs_id",
        "seller_nick",
        "mall_cs_id",
    ),
    "sender": (
        "sender",
        "发送方",
        "发送者",
        "发送人",
        "角色",
        "消息来源",
        "from.role",
        "from_role",
        "role",
        "sender_role",
    ),
    "content": ("content", "消息内容", "内容", "消息", "聊天内容", "message", "text", "msg", "msg_content"),
    "auto_flag": ("is_aut", "is_auto", "自动回复", "auto", "is_robot"),
    "manual_flag": ("manual_reply", "人工回复", "is_manual"),
}


ORDER_HEADERS: dict[str, tuple[str, ...]] = {
    "order_id": ("order_id", "订单编号", "订单号", "订单id", "子订单编号"),
    "main_order_id": ("主订单编号", "父订单编号", "main_order_id"),
    "buyer": ("buyer", "买家会员名", "买家昵称", "买家", "买家账号", "买家id", "用户名", "buyer_nick"),
    "created_at": ("created_at", "订单创建时间", "创建时间", "下单时间", "订单成交时间", "成交时间"),
    "paid_at": ("paid_at", "订单付款时间", "付款时间", "支付时间"),
    "amount": ("amount", "买家实际支付金额", "买家实付金额", "用户实付金额", "实付金额", "支付金额", "实收款"),
    "items": ("items", "宝贝总数量", "商品数量", "购买数量", "数量", "宝贝数量"),
    "status": ("status", "订单状态", "交易状态"),
    "refund_status": ("售后状态", "退款状态", "refund_status"),
    "close_reason": ("订单关闭原因", "关闭原因", "close_reason"),
}


REQUIRED = {KIND_MESSAGES: ("buyer", "agent", "sender"), KIND_ORDERS: ("order_id", "created_at", "amount", "status")}


SENDER_VALUES: dict[str, tuple[str, ...]] = {
    "buyer": ("buyer", "user", "买家", "顾客", "客户", "用户", "customer", "访客", "guest", "consumer"),
    "agent": (
        "agent",
        "mall_cs",
        "客服",
        "seller",
        "卖家",
        "cs",
        "人工",
        "人工客服",
        "staff",
        "商家",
        "human",
        "waiter",
    ),
    "auto": ("auto", "自动回复", "自动", "auto_reply", "autoreply", "自动应答"),
    "robot": ("robot", "机器人", "智能辅助", "bot", "ai", "智能客服", "机器人客服", "robot_reply", "小蜜", "店小蜜"),
    "system": ("system", "系统", "系统消息", "平台", "notice", "系统通知", "服务助手", "platform", "sys"),
}


# status texts of the backends → canonical status (shared/spec/kpi.md)
STATUS_VALUES: dict[str, str] = {
    "paid": "paid",
    "shipped": "shipped",
    "completed": "completed",
    "refunded": "refunded",
    "cancelled": "cancelled",
    "unpaid": "unpaid",
    "交易成功": "completed",
    "交易关闭": "cancelled",
    "卖家已发货，等待买家确认": "shipped",
    "买家已付款，等待卖家发货": "paid",
    "等待买家付款": "unpaid",
    "部分发货": "shipped",
    "卖家部分发货": "shipped",
    "交易完成": "completed",
    "已完成": "completed",
    "待发货": "paid",
    "已付款": "paid",
    "待成团": "paid",
    "已发货，待签收": "shipped",
    "已发货，待收货": "shipped",
    "已发货": "shipped",
    "待收货": "shipped",
    "已签收": "completed",
    "已收货": "completed",
    "已取消": "cancelled",
    "交易取消": "cancelled",
    "待支付": "unpaid",
    "待付款": "unpaid",
    "未支付": "unpaid",
    "未发货，退款成功": "refunded",
    "已发货，退款成功": "refunded",
    "退款成功": "refunded",
    "已退款": "refunded",
}


_TRUE = {"1", "true", "yes", "y", "t", "是", "√"}


_FALSE = {"0", "false", "no", "n", "f", "否"}


_BRACKETS = re.compile(r"[(（\[【].*?[)）\]】]")


_ORDER_TOKEN = r"[0-9][0-9\-]{8,}[0-9]"


def _norm_value(value: Any) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip().lower()


def _base(header: str) -> str:
    return normalise_header(_BRACKETS.sub("", unicodedata.normalize("NFKC", str(header))))


@dataclass
class Layout:
    """One file, its mapping and options, and what the mapping makes of it (for the preview)."""

    kind: str
    filename: str
    cells: Cells
    mapping: dict[str, str | None]  # header as written → field, None = 未使用
    options: dict[str, Any]
    source: str = "proposed"  # proposed | template | user | canonical
    template_id: int | None = None
    template_name: str | None = None
    value_counts: list[dict[str, Any]] = field(default_factory=list)  # sender / status values: value, count, class
    class_counts: dict[str, int] = field(default_factory=dict)
    unmapped: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def headers(self) -> list[str]:
        return self.cells.headers

    @property
    def canonical(self) -> bool:
        return self.source == "canonical"

    @property
    def ok(self) -> bool:
        return not self.missing and not self.unmapped

    def column(self, name: str) -> str | None:
        """The header mapped to a field, or None."""
        return next((h for h, f in self.mapping.items() if f == name), None)

    def unused(self) -> list[str]:
        return [h for h in self.headers if self.mapping.get(h) is None]


def propose_mapping(kind: str, headers: list[str], table: pd.DataFrame | None = None) -> dict[str, str | None]:
    """Header → field from common wordings (exact wording first, then without brackets); each field once."""
    wordings = MESSAGE_HEADERS if kind == KIND_MESSAGES else ORDER_HEADERS
    exact = {normalise_header(w): f for f, words in wordings.items() for w in words}
    loose = {_base(w): f for f, words in wordings.items() for w in words}
    mapping: dict[str, str | None] = {h: None for h in headers}
    taken: set[str] = set()
    for pass_ in ("exact", "loose"):
        for h in headers:
            if mapping[h] is not None:
                continue
            found = exact.get(normalise_header(h)) if pass_ == "exact" else loose.get(_base(h))
            if found and found not in taken:
                mapping[h] = found
                taken.add(found)
    if kind == KIND_MESSAGES and table is not None:
        # 日期 + 时间: a "time" column that holds only the time of day is the clock beside a date column
        time_h, date_h = (
            next((h for h, f in mapping.items() if f == "time"), None),
            next((h for h, f in mapping.items() if f == "date"), None),
        )
        if time_h and date_h and _looks_like_clock(table[time_h]):
            mapping[time_h] = "clock"
    if kind == KIND_ORDERS and "main_order_id" in taken:
        sub = next((h for h, f in mapping.items() if f == "order_id" and _base(h) == _base("子订单编号")), None)
        if sub:  # an item export: orders are its main orders
            mapping[sub] = None
    return mapping


def _looks_like_clock(col: pd.Series) -> bool:
    sample = [v for v in col.head(50).tolist() if not blank_cell(v)]
    return bool(sample) and all(
        isinstance(v, dt.time) or re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", str(v).strip()) for v in sample
    )


def propose_sender(value: str) -> str | None:
    """The class of a sender value from common wordings, or None (the user must say)."""
    v = _norm_value(value)
    for klass, words in SENDER_VALUES.items():
        if v in words:
            return klass
    return None


def propose_status(value: str) -> str | None:
    v = _norm_value(value).replace(",", "，")
    return STATUS_VALUES.get(v) or STATUS_VALUES.get(_norm_value(value))


def default_options(kind: str) -> dict[str, Any]:
    if kind == KIND_MESSAGES:
        return {"sender_map": {}, "robot_as": "auto", "sender_names": False}
    return {"status_map": {}}


def is_canonical(kind: str, headers: list[str]) -> bool:
    """Our own format: the canonical column names (any case, spaces ignored), nothing else needed."""
    names = {normalise_header(h) for h in headers if str(h).strip()}
    required = set(kpi.MESSAGE_COLUMNS if kind == KIND_MESSAGES else kpi.ORDER_COLUMNS)
    allowed = required | ({"content"} if kind == KIND_MESSAGES else set())
    return required <= names and names <= allowed


def build_layout(
    kind: str,
    filename: str,
    cells: Cells,
    template: dict | None = None,
    mapping: dict[str, str | None] | None = None,
    options: dict[str, Any] | None = None,
) -> Layout:
    """The layout of a read file: the user's mapping, else the saved template's, else a proposal."""
    if kind not in (KIND_MESSAGES, KIND_ORDERS):
        raise ValueError(kind)
    if mapping is not None:
        source = "user"
    elif template is not None:
        by_norm = {normalise_header(h): f for h, f in template["mapping"].items()}
        mapping = {h: by_norm.get(normalise_header(h)) for h in cells.headers}
        options = {**default_options(kind), **template.get("options", {}), **(options or {})}
        source = "template"
    elif is_canonical(kind, cells.headers):
        mapping = {h: normalise_header(h) for h in cells.headers}
        source = "canonical"
    else:
        mapping = propose_mapping(kind, cells.headers, cells.table)
        source = "proposed"
    mapping = {h: mapping.get(h) for h in cells.headers}
    layout = Layout(
        kind=kind,
        filename=filename,
        cells=cells,
        mapping=mapping,
        options={**default_options(kind), **(options or {})},
        source=source,
        template_id=template["id"] if template and source == "template" else None,
        template_name=template["name"] if template and source == "template" else None,
    )
    return analyse(layout)


def with_choices(
    layout: Layout, mapping: dict[str, str | None] | None = None, options: dict[str, Any] | None = None
) -> Layout:
    """The same file with the user's changes (a header's field, a value's class, robot_as, …)."""
    new_mapping = {**layout.mapping, **(mapping or {})}
    new_options = {**layout.options, **(options or {})}
    for key in ("sender_map", "status_map"):
        if options and key in options:
            new_options[key] = {**layout.options.get(key, {}), **options[key]}
    changed = new_mapping != layout.mapping or new_options != layout.options
    source = "user" if changed else layout.source
    return analyse(
        replace(
            layout,
            mapping=new_mapping,
            options=new_options,
            source=source,
            template_id=layout.template_id,
            template_name=layout.template_name,
        )
    )


def analyse(layout: Layout) -> Layout:
    """Fill in what the mapping makes of the file: missing fields, value counts, unmapped values, notes."""
    fields = [f for f in layout.mapping.values() if f]
    layout.missing = [
        f for f in REQUIRED[layout.kind] if f not in fields and not (f == "order_id" and "main_order_id" in fields)
    ]
    if layout.kind == KIND_MESSAGES and "time" not in fields and not {"date", "clock"} <= set(fields):
        layout.missing.insert(0, "time")
    dup = sorted({f for f in fields if fields.count(f) > 1})
    layout.notes = [f"duplicate:{f}" for f in dup]
    if dup:
        layout.missing += [f"once:{f}" for f in dup]
    layout.value_counts, layout.class_counts, layout.unmapped = [], {}, {}
    if layout.canonical:
        return layout
    if layout.kind == KIND_MESSAGES:
        _analyse_senders(layout)
    else:
        _analyse_statuses(layout)
    return layout


def _sender_classes(layout: Layout) -> tuple[pd.Series, pd.Series, np.ndarray] | None:
    """(class per row, sender value per row, rows classed by the name rule); class '' = not mapped."""
    column = layout.column("sender")
    if column is None:
        return None
    table = layout.cells.table
    values = clean_text(table[column])
    codes, uniques = pd.factorize(values)
    sender_map = {_norm_value(k): v for k, v in layout.options.get("sender_map", {}).items()}
    classes = np.array(
        [sender_map[_norm_value(u)] if _norm_value(u) in sender_map else (propose_sender(u) or "") for u in uniques]
        + [""],
        dtype=object,
    )
    klass = pd.Series(classes[codes], index=table.index, dtype=object)
    named = np.zeros(len(table), dtype=bool)
    if layout.options.get("sender_names"):
        open_rows = (klass == "").to_numpy().copy()
        for field_name in ("agent", "buyer"):
            source = layout.column(field_name)
            if source is not None and open_rows.any():
                same = open_rows & (values.to_numpy(dtype=object) == clean_text(table[source]).to_numpy(dtype=object))
                klass[same] = field_name
                named |= same
                open_rows &= ~same
    return klass, values, named


def _analyse_senders(layout: Layout) -> None:
    found = _sender_classes(layout)
    if found is None:
        return
    klass, values, named = found
    # a column of names (千牛 page text: the sender is the agent's or the buyer's name) → the name rule
    if (
        "sender_names" not in layout.options.get("set_by_user", [])
        and not layout.options.get("sender_names")
        and values.nunique() > 20
    ):
        trial = _sender_classes(replace(layout, options={**layout.options, "sender_names": True}))
        if trial is not None and trial[2].mean() > 0.5:
            layout.options["sender_names"] = True
            klass, values, named = trial
    grouped = (
        pd.DataFrame({"v": values[~named].astype(object), "c": klass[~named]})
        .groupby("v", sort=False)["c"]
        .agg(["first", "size"])
    )
    rows = [
        {"value": str(v), "count": int(n), "class": c or None}
        for v, c, n in zip(grouped.index, grouped["first"], grouped["size"])
    ]
    for side in ("agent", "buyer"):
        n = int((named & (klass == side).to_numpy()).sum())
        if n:
            rows.append({"value": f"<{side}>", "count": n, "class": side})
    rows.sort(key=lambda r: -r["count"])
    layout.value_counts = rows
    robot_as = layout.options.get("robot_as", "auto")
    final = _apply_flags(layout, klass.replace({"robot": robot_as}))
    layout.class_counts = {c: int(n) for c, n in klass.value_counts().items() if c}
    layout.class_counts["counted_agent"] = int((final == "agent").sum())
    layout.class_counts["counted_auto"] = int((final == "auto").sum())
    layout.unmapped = {str(v): int(n) for v, n in values[(klass == "").to_numpy()].value_counts().items()}


def _apply_flags(layout: Layout, klass: pd.Series) -> pd.Series:
    """is_aut / manual_reply: an agent message marked automatic is an automatic reply."""
    table = layout.cells.table
    out = klass.copy()
    agentish = out.isin(["agent"]).to_numpy()
    auto_h, manual_h = layout.column("auto_flag"), layout.column("manual_flag")
    if auto_h is not None:
        flag = clean_text(table[auto_h]).map(_norm_value).isin(_TRUE).to_numpy()
        out[agentish & flag] = "auto"
    if manual_h is not None:
        flag = clean_text(table[manual_h]).map(_norm_value).isin(_FALSE).to_numpy()
        out[agentish & flag] = "auto"
    return out


def _analyse_statuses(layout: Layout) -> None:
    column = layout.column("status")
    notes = layout.notes
    if layout.column("buyer") is None:
        notes.append("no_buyer")
    if layout.column("paid_at") is None:
        notes.append("paid_from_created")
    if layout.column("items") is None:
        notes.append("items_one")
    if layout.column("main_order_id") is not None:
        notes.append("per_main_order")
    if layout.column("close_reason") is not None or layout.column("refund_status") is not None:
        notes.append("refunds")
    if column is None:
        return
    values = clean_text(layout.cells.table[column])
    status_map = {_norm_value(k): v for k, v in layout.options.get("status_map", {}).items()}
    rows = []
    for value, n in values.value_counts().items():
        mapped = status_map.get(_norm_value(value)) or propose_status(value)
        rows.append({"value": value, "count": int(n), "class": mapped})
    layout.value_counts = rows
    layout.class_counts = {}
    for r in rows:
        if r["class"]:
            layout.class_counts[r["class"]] = layout.class_counts.get(r["class"], 0) + r["count"]
    layout.unmapped = {r["value"] or "(空)": r["count"] for r in rows if not r["class"]}


def _clock_text(col: pd.Series) -> pd.Series:
    """Time text completed to seconds ('09:15' → '09:15:00', '2026-11-02 09:15' → '… 09:15:00')."""
    return col.str.replace(r"^((?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}[ T])?\d{1,2}:\d{2})$", r"\1:00", regex=True)


def _times(table: pd.DataFrame, time_h: str | None, date_h: str | None, clock_h: str | None) -> pd.Series:
    """One timestamp cell per row: datetime cells as they are, text normalised for core.kpi.engine's parser."""
    if time_h is not None:
        col = table[time_h]
        if col.dtype == object and any(isinstance(v, dt.datetime) for v in col.head(20).tolist()):
            return pd.Series(
                [v if isinstance(v, dt.datetime) else ("" if blank_cell(v) else str(v).strip()) for v in col.tolist()],
                index=table.index,
                dtype=object,
            )
        text = clean_text(col)
        epoch = text.str.fullmatch(r"\d{10}|\d{13}")
        if epoch.any() and epoch.all():  # socket records: seconds or milliseconds since 1970, shown in China time
            seconds = text.astype("int64")
            seconds = seconds.where(text.str.len() == 10, seconds // 1000)
            local = pd.to_datetime(seconds, unit="s", utc=True).dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
            return local.dt.strftime("%Y-%m-%d %H:%M:%S")
        return _clock_text(
            text.str.replace(".", "-", regex=False) if text.str.fullmatch(r"\d{4}\.\d{1,2}\.\d{1,2}.*").all() else text
        )
    dates = [
        (
            v.date().isoformat()
            if isinstance(v, dt.datetime)
            else v.isoformat()
            if isinstance(v, dt.date)
            else ("" if blank_cell(v) else str(v).strip())
        )
        for v in table[date_h].tolist()
    ]
    clocks = [
        (v.strftime("%H:%M:%S") if isinstance(v, (dt.time, dt.datetime)) else ("" if blank_cell(v) else str(v).strip()))
        for v in table[clock_h].tolist()
    ]
    joined = pd.Series([f"{d} {c}" if d and c else "" for d, c in zip(dates, clocks)], index=table.index, dtype="str")
    return _clock_text(joined)


def messages_frame(layout: Layout) -> tuple[pd.DataFrame, np.ndarray]:
    """The canonical message cells of a mapped layout, and the file row of each (ignored rows left out).

    Raises KpiInputError when the layout is not complete (a required field missing, a sender
    value not mapped): the preview says which and how many."""
    _check_complete(layout)
    table = layout.cells.table
    klass = _sender_classes(layout)[0]
    klass = klass.replace({"robot": layout.options.get("robot_as", "auto")})
    klass = _apply_flags(layout, klass)
    keep = (klass != "ignore").to_numpy()
    content_h = layout.column("content")
    frame = pd.DataFrame(
        {
            "time": _times(table, layout.column("time"), layout.column("date"), layout.column("clock")),
            "buyer": clean_text(table[layout.column("buyer")]),
            "agent": clean_text(table[layout.column("agent")]),
            "sender": pd.Series(klass.to_numpy(dtype=object), index=table.index, dtype="str"),
            "content": clean_text(table[content_h]) if content_h else pd.Series([""] * len(table), dtype="str"),
        }
    )
    rows = np.arange(len(table)) + layout.cells.rows_offset
    if not keep.all():
        frame = frame[keep].reset_index(drop=True)
        rows = rows[keep]
    return frame, rows


def _check_complete(layout: Layout) -> None:
    problems = [(1, f"no column is mapped to '{f}'") for f in layout.missing]
    problems += [(1, f"value {v!r} ({n} rows) is not mapped") for v, n in layout.unmapped.items()]
    if problems:
        raise kpi.KpiInputError(problems)


def orders_frame(layout: Layout) -> tuple[pd.DataFrame, np.ndarray]:
    """The canonical order cells of a mapped layout (item exports: one row per main order), and
    the file row of each. `buyer` is '' where the export has none."""
    _check_complete(layout)
    table = layout.cells.table
    col = lambda name: layout.column(name)  # noqa: E731
    text = lambda name: (  # noqa: E731
        clean_text(table[col(name)], apostrophe=True)
        if col(name)
        else pd.Series([""] * len(table), index=table.index, dtype="str")
    )
    status_map = {_norm_value(k): v for k, v in layout.options.get("status_map", {}).items()}
    raw_status = text("status")
    status = pd.Series(
        [status_map.get(_norm_value(v)) or propose_status(v) or "" for v in raw_status.tolist()],
        index=table.index,
        dtype=object,
    )
    created = _times(table, col("created_at"), None, None)
    paid = _times(table, col("paid_at"), None, None) if col("paid_at") else None
    if paid is None:  # PDD: 订单成交时间 is when the order was paid
        paid = created.where(status.isin(["paid", "shipped", "completed", "refunded"]), "")
    paid_text = pd.Series(
        [v if isinstance(v, dt.datetime) else ("" if blank_cell(v) else str(v)) for v in paid.tolist()],
        index=table.index,
        dtype=object,
    )
    refund = np.array(
        [("退款成功" in v or v in ("已退款", "退款完成")) for v in text("refund_status").tolist()], dtype=bool
    )
    reason = np.array(["退款" in v for v in text("close_reason").tolist()], dtype=bool)
    has_paid = np.array([isinstance(v, dt.datetime) or bool(v) for v in paid_text.tolist()], dtype=bool)
    status_values = status.to_numpy(dtype=object)
    cancelled = status_values == "cancelled"
    live = np.isin(status_values, ["paid", "shipped", "completed", "cancelled"])
    refunded = (refund & live) | (cancelled & (reason | has_paid))
    status = pd.Series(np.where(refunded, "refunded", status_values), index=table.index, dtype=object)
    amount = text("amount").str.replace(r"[¥￥元,，\s]", "", regex=True)
    items = (
        text("items").str.replace(r"[件\s]", "", regex=True)
        if col("items")
        else pd.Series(["1"] * len(table), index=table.index, dtype="str")
    )
    frame = pd.DataFrame(
        {
            "order_id": text("main_order_id") if col("main_order_id") else text("order_id"),
            "buyer": text("buyer"),
            "created_at": created,
            "paid_at": paid_text,
            "amount": amount,
            "items": items,
            "status": status,
        }
    )
    keep = (status != "ignore").to_numpy()
    rows = np.arange(len(table)) + layout.cells.rows_offset
    frame, rows = frame[keep].reset_index(drop=True), rows[keep]
    if col("main_order_id"):
        frame, rows = _per_main_order(frame, rows)
    return frame, rows


_RANK = {"completed": 3, "shipped": 2, "paid": 1}


def _per_main_order(frame: pd.DataFrame, rows: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Item rows → one order per main order: amounts and items summed, earliest times, the status
    of the order as a whole (refunded only when every item was)."""
    out, first_rows = [], []
    for order_id, group in frame.groupby("order_id", sort=False):
        statuses = set(group["status"])
        live = [s for s in statuses if s in _RANK]
        if live:
            status = max(live, key=_RANK.get)
        elif statuses == {"refunded"} or ("refunded" in statuses and statuses <= {"refunded", "cancelled"}):
            status = "refunded"
        elif "unpaid" in statuses:
            status = "unpaid"
        else:
            status = sorted(statuses)[0]
        numbers = pd.to_numeric(group["amount"], errors="coerce")
        counts = pd.to_numeric(group["items"], errors="coerce")
        paid = [p for p in group["paid_at"].tolist() if p]
        out.append(
            {
                "order_id": order_id,
                "buyer": next((b for b in group["buyer"] if b), ""),
                "created_at": min(group["created_at"].tolist(), key=str),
                "paid_at": min(paid, key=str) if paid else "",
                "amount": f"{numbers.sum():.2f}" if numbers.notna().all() else group["amount"].iloc[0],
                "items": str(int(counts.sum())) if counts.notna().all() else group["items"].iloc[0],
                "status": status,
            }
        )
        first_rows.append(rows[group.index[0]])
    return pd.DataFrame(out, columns=frame.columns), np.asarray(first_rows, dtype=np.int64)


def buyers_from_chats(orders: pd.DataFrame, messages: pd.DataFrame) -> tuple[pd.Series, int]:
    """Buyers for orders that have none (PDD): the buyer of the earliest chat message quoting the
    order number. Returns the buyer column and how many orders it filled."""
    missing = orders["buyer"] == ""
    if not missing.any() or messages is None or messages.empty:
        return orders["buyer"], 0
    wanted = set(orders.loc[missing, "order_id"].tolist())
    content = messages["content"].astype("str")
    hits = content.str.contains(_ORDER_TOKEN, regex=True)
    found: dict[str, tuple[Any, str]] = {}
    if hits.any():
        sub = messages[hits.to_numpy()]
        for when, buyer, text in zip(sub["time"].tolist(), sub["buyer"].tolist(), sub["content"].tolist()):
            for token in re.findall(_ORDER_TOKEN, text):
                if token in wanted and (token not in found or when < found[token][0]):
                    found[token] = (when, buyer)
    filled = orders["buyer"].where(~missing, orders["order_id"].map(lambda o: found.get(o, (None, ""))[1]))
    return filled, int(((filled != "") & missing).sum())
