"""Chat KPIs in the store: imports (raw logs and platform summaries), daily rows, dashboard figures.

The engine (`core.kpi.engine`) computes; this module decides what is stored and read. Every computed
row carries the settings it was computed with (JSON), so an old figure can be explained after
the merchant's settings change. Re-importing days replaces them; an import lands whole or not
at all (one write transaction).

Exactness across day edges: a chat of day D may convert through an order paid up to D +
attribution days, and candidate chats of one order span [paid - a, paid]. So an import of days
[f, t] recomputes the rows of [f - a, t + a] from the messages of [f - 2a, t + 2a] and all the
project's orders: the same figures a one-shot computation over all days gives.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import sqlite_utils

from core.kernel import audit, config
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, ValidationError
from core.kernel.permissions import Actor, require_project
from core.kpi import engine, hourly, raw_import, summary_import, templates
from core.kpi.settings import settings_for
from core.projects import order_confirmation as oc

METRICS = [c for c in engine.SHOP_COLUMNS if c != "date"]
STORED_METRICS = [*METRICS, "satisfaction"]
COUNT_METRICS = ("consultations", "waits", "fast_replies", "converted", "items")
# KPI -> (order-confirmation target field, higher is better)
TARGETS: dict[str, tuple[str, bool]] = {
    "consultations": ("target_daily_inquiries", True),
    "first_response_s": ("target_first_response_s", False),
    "avg_response_s": ("target_avg_response_s", False),
    "response_30s_rate": ("target_response_30s_rate", True),
    "conversion_rate": ("target_conversion_rate", True),
    "aov": ("target_aov", True),
    "satisfaction": ("target_satisfaction", True),
}
ALERT_KPIS = ("first_response_s", "avg_response_s", "response_30s_rate", "conversion_rate")
ALERT_STREAK_DAYS = 3
INSERT_CHUNK = 20_000
KPI_YEARS = (2000, 2099)  # chat logs and orders outside these years are refused

_REASONS_ZH: list[tuple[re.Pattern, str]] = [
    (re.compile(r"^the file is empty$"), "文件为空"),
    (re.compile(r"^the file has no data rows$"), "文件没有数据行"),
    (re.compile(r"^the file is not UTF-8 text$"), "文件不是UTF-8文本"),
    (re.compile(r"^cannot read the Excel file: .*$"), "无法读取该Excel文件"),
    (re.compile(r"^missing column '?([^']+)'?$"), r"缺少列 \1"),
    (re.compile(r"^column '([^']+)' appears more than once$"), r"列 \1 重复"),
    (re.compile(r"^(\d+) fields, the header has (\d+)$"), r"有\1个字段，表头有\2个"),
    (re.compile(r"^(\w+) is empty$"), r"\1 为空"),
    (re.compile(r"^sender (.+) is not one of (.+)$"), r"sender \1 不是 \2 之一"),
    (re.compile(r"^status (.+) is not one of (.+)$"), r"status \1 不是 \2 之一"),
    (re.compile(r"^order_id (.+) already used on row (\d+)$"), r"order_id \1 与第\2行重复"),
    (re.compile(r"^amount (.+) is not a non-negative decimal number$"), r"amount \1 不是非负金额"),
    (re.compile(r"^items (.+) is not a non-negative whole number$"), r"items \1 不是非负整数"),
    (re.compile(r"^(\w+) (.+) is outside the years (\d+)-(\d+)$"), r"\1 \2 不在\3–\4年之间"),
    (re.compile(r"^the file is not UTF-8, GB18030 or UTF-16 text$"), "文件不是UTF-8、GB18030或UTF-16文本"),
    (re.compile(r"^no column is mapped to '([^']+)'$"), r"没有列对应到“\1”，请在表头对应中选择"),
    (
        re.compile(r"^value (.+) \((\d+) rows\) is not mapped$"),
        r"值 \1（\2行）尚未指定含义，请在取值对应中选择（或选择“忽略”）",
    ),
    (re.compile(r"^(\w+): (.*)$"), r"\1 格式错误：\2"),
]


def translate_reason(reason: str, lang: str = "zh") -> str:
    """A reason of the engine's file checks in the user's language (the engine speaks English)."""
    if lang == "en":
        return reason
    for pattern, replacement in _REASONS_ZH:
        if pattern.match(reason):
            return pattern.sub(replacement, reason)
    return reason


def _input_errors(exc: engine.KpiInputError, file_label: str) -> ValidationError:
    return ValidationError(
        [FieldError(f"row {row}: {file_label}", "kpi.err.row", {"reason": reason}) for row, reason in exc.errors]
    )


# --- agent names ----------------------------------------------------------------------------


def name_key(name: str) -> str:
    """The part of a sub-account after the shop prefix ('店铺:小美' → '小美')."""
    return re.split(r"[:：]", str(name))[-1].strip()


def agent_name_map(db: sqlite_utils.Database, project_id: int) -> dict[str, int]:
    """Names as files write them → roster agent id: team sub-accounts, their short form, aliases."""
    mapping: dict[str, int] = {}
    for row in db.query(
        "SELECT a.id, a.name, pa.sub_account FROM project_agents pa JOIN agents a ON a.id = pa.agent_id WHERE pa.project_id = ?",
        [project_id],
    ):
        for name in (row["sub_account"], name_key(row["sub_account"]) if row["sub_account"] else "", row["name"]):
            if name:
                mapping.setdefault(name, row["id"])
    for row in db.query("SELECT name, agent_id FROM agent_aliases WHERE project_id = ?", [project_id]):
        mapping[row["name"]] = row["agent_id"]
    return mapping


def resolve_agent(mapping: dict[str, int], name: str) -> int | None:
    """The roster agent of a name in a file, by full name then by the name after the prefix."""
    return mapping.get(name) or mapping.get(name_key(name))


def unknown_agents(db: sqlite_utils.Database, project_id: int, names: list[str]) -> list[str]:
    """The names that match no roster agent of the project (to be mapped once)."""
    mapping = agent_name_map(db, project_id)
    return sorted({n for n in names if resolve_agent(mapping, n) is None})


def map_agent(db: sqlite_utils.Database, actor: Actor, project_id: int, name: str, agent_id: int) -> None:
    """Remember that `name` in this project's files is roster agent `agent_id`."""
    require_project(db, actor, project_id, "kpi.import")
    if not name.strip() or len(name) > 200:
        raise ValidationError.single("name", "err.required" if not name.strip() else "err.too_long", n=200)
    if one(db, "SELECT id FROM agents WHERE id = ?", [agent_id]) is None:
        raise ValidationError.single("agent_id", "err.invalid_choice")
    with write(db):
        db["agent_aliases"].insert(
            {
                "project_id": project_id,
                "name": name.strip(),
                "agent_id": agent_id,
                "created_by": actor.id,
                "created_at": config.now_text(),
            },
            replace=True,
        )
        audit.record(db, actor, "map", "agent_alias", f"{project_id}/{name}", None, {"agent_id": agent_id})


# --- raw chat log import ------------------------------------------------------------------------


@dataclass
class RawPreview:
    """A validated raw import, shown before anything is saved.

    `messages_layout` / `orders_layout`: how each file was read and mapped (core.kpi.raw_import),
    None for a file in our canonical format read as before. `orders_without_buyer`: orders of an
    export with no buyer column that no chat message quotes (left out: they cannot be credited
    to a chat); `orders_from_chats`: those whose buyer was found through the quoted order number.
    """

    messages: pd.DataFrame
    orders: pd.DataFrame | None
    date_from: date
    date_to: date
    unknown_agents: list[str]
    filenames: list[str] = field(default_factory=list)
    messages_layout: raw_import.Layout | None = None
    orders_layout: raw_import.Layout | None = None
    orders_without_buyer: int = 0
    orders_from_chats: int = 0

    @property
    def sender_counts(self) -> dict[str, int]:
        """Messages per canonical sender (buyer, agent, auto, system) as they will be stored."""
        return {k: int(v) for k, v in self.messages["sender"].value_counts().items()}


def raw_layout(
    db: sqlite_utils.Database, actor: Actor, project_id: int, kind: str, data: bytes, filename: str
) -> raw_import.Layout:
    """Read a chat log or order file and map it: the project's saved template of that layout,
    else our canonical format, else a proposal from the headers and values. Raises ValidationError
    when the file cannot be read at all."""
    require_project(db, actor, project_id, "kpi.import")
    try:
        cells = raw_import.read_cells(data, filename)
    except engine.KpiInputError as exc:
        raise _input_errors(exc, filename) from None
    template = templates.find_template(db, actor, project_id, kind, cells.headers)
    return raw_import.build_layout(kind, filename, cells, template=template)


def _mapped(
    layout: raw_import.Layout,
    label: str,
    to_frame: Callable,
    validate: Callable,
    drop_no_buyer: bool = False,
    messages: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame | None, list[FieldError], int, int]:
    """A layout through its mapping and core.kpi.engine's checks; errors name the rows of the file."""
    try:
        frame, rows = to_frame(layout)
    except engine.KpiInputError as exc:
        return None, _input_errors(exc, label).errors, 0, 0
    without = from_chats = 0
    if drop_no_buyer:
        frame["buyer"], from_chats = raw_import.buyers_from_chats(frame, messages)
        keep = (frame["buyer"] != "").to_numpy()
        without = int((~keep).sum())
        frame, rows = frame[keep].reset_index(drop=True), rows[keep]
        if frame.empty:
            return frame, [], without, from_chats
    try:
        return validate(frame), [], without, from_chats
    except engine.KpiInputError as exc:
        shifted = engine.KpiInputError(
            [(row if row == 1 else int(rows[row - 2]), reason) for row, reason in exc.errors]
        )
        return None, _input_errors(shifted, label).errors, without, from_chats


def preview_raw(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int,
    messages_data: bytes,
    messages_name: str,
    orders_data: bytes | None = None,
    orders_name: str | None = None,
    *,
    messages_layout: raw_import.Layout | None = None,
    orders_layout: raw_import.Layout | None = None,
) -> RawPreview:
    """Read and check a chat log (and orders) file; raise ValidationError naming every bad row.

    A file in our canonical format is read as it always was. Any other layout goes through its
    mapping (`messages_layout` / `orders_layout` as the user set them in the preview, else
    `raw_layout`'s: the saved template or the proposal); an incomplete mapping (a field not
    mapped, a sender or status value not assigned) is refused with the counts."""
    require_project(db, actor, project_id, "kpi.import")
    errors: list[FieldError] = []
    messages = orders = None
    without = from_chats = 0
    if messages_layout is None and not _is_canonical_file(messages_data, messages_name, raw_import.KIND_MESSAGES):
        try:
            messages_layout = raw_layout(db, actor, project_id, raw_import.KIND_MESSAGES, messages_data, messages_name)
        except ValidationError as exc:
            errors += exc.errors
    if messages_layout is None or messages_layout.canonical:
        messages_layout = None
        try:
            messages = engine.read_messages(messages_data, messages_name)
        except engine.KpiInputError as exc:
            errors += _input_errors(exc, messages_name).errors
    elif not errors:
        messages, found, _, _ = _mapped(
            messages_layout, messages_name, raw_import.messages_frame, engine.validate_messages
        )
        errors += found
    if orders_data is not None:
        label = orders_name or "orders"
        if orders_layout is None and not _is_canonical_file(orders_data, label, raw_import.KIND_ORDERS):
            try:
                orders_layout = raw_layout(db, actor, project_id, raw_import.KIND_ORDERS, orders_data, label)
            except ValidationError as exc:
                errors += exc.errors
                orders_layout = False  # type: ignore[assignment]
        if orders_layout is None or (orders_layout and orders_layout.canonical):
            orders_layout = None
            try:
                orders = engine.read_orders(orders_data, orders_name)
            except engine.KpiInputError as exc:
                errors += _input_errors(exc, label).errors
        elif orders_layout:
            no_buyer = orders_layout.column("buyer") is None
            orders, found, without, from_chats = _mapped(
                orders_layout,
                label,
                raw_import.orders_frame,
                engine.validate_orders,
                drop_no_buyer=no_buyer,
                messages=messages,
            )
            errors += found
        else:
            orders_layout = None
    if messages is not None:
        errors += _outside_years(messages, ["time"], messages_name)
    if orders is not None:
        errors += _outside_years(orders, ["created_at", "paid_at"], orders_name or "orders")
    if errors:
        raise ValidationError(errors)
    days = pd.to_datetime(messages["time"]).dt.date
    return RawPreview(
        messages=messages,
        orders=orders,
        date_from=days.min(),
        date_to=days.max(),
        unknown_agents=unknown_agents(db, project_id, messages["agent"].astype(str).unique().tolist()),
        filenames=[n for n in (messages_name, orders_name) if n],
        messages_layout=messages_layout,
        orders_layout=orders_layout,
        orders_without_buyer=without,
        orders_from_chats=from_chats,
    )


def _is_canonical_file(data: bytes, filename: str, kind: str) -> bool:
    """Whether a file's header row is our canonical format (then it is read exactly as before)."""
    headers = raw_import.sniff_headers(data, filename)
    return headers is not None and raw_import.is_canonical(kind, headers)


def _outside_years(frame: pd.DataFrame, columns: list[str], file_label: str) -> list[FieldError]:
    """Rows whose time lies outside KPI_YEARS: a typo, and the day windows around it would leave the calendar."""
    low, high = np.datetime64(f"{KPI_YEARS[0]}-01-01", "s"), np.datetime64(f"{KPI_YEARS[1] + 1}-01-01", "s")
    errors = []
    for column in columns:
        values = frame[column].to_numpy(dtype="datetime64[s]")
        for i in np.flatnonzero(~np.isnat(values) & ((values < low) | (values >= high))).tolist():
            reason = f"{column} {str(values[i]).replace('T', ' ')} is outside the years {KPI_YEARS[0]}-{KPI_YEARS[1]}"
            errors.append(FieldError(f"row {i + 2}: {file_label}", "kpi.err.row", {"reason": reason}))
    return errors


def _format_seconds(values: np.ndarray) -> pd.Series:
    """datetime64[s] values (no NaT) as 'YYYY-MM-DD HH:MM:SS' text, built as bytes (a million in a
    tenth of a second; strftime takes seconds)."""
    import pyarrow as pa

    secs = values.astype("datetime64[s]").view(np.int64)
    days, tod = np.divmod(secs, 86_400)
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    hour, rest = np.divmod(tod, 3600)
    minute, second = np.divmod(rest, 60)
    out = np.empty((len(secs), 19), dtype=np.uint8)
    for position, (number, width) in zip(
        (0, 5, 8, 11, 14, 17), ((year, 4), (month, 2), (day, 2), (hour, 2), (minute, 2), (second, 2))
    ):
        for k in range(width):
            out[:, position + width - 1 - k] = 48 + (number // 10**k) % 10
    out[:, [4, 7]] = ord("-")
    out[:, 10] = ord(" ")
    out[:, [13, 16]] = ord(":")
    offsets = np.arange(0, 19 * len(secs) + 1, 19, dtype=np.int32)
    text = pa.StringArray.from_buffers(len(secs), pa.py_buffer(offsets), pa.py_buffer(out.tobytes()))
    return pd.Series(pd.array(text, dtype="str"))


def _text_times(column: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(column) and not isinstance(column.dtype, pd.DatetimeTZDtype):
        values = column.to_numpy(dtype="datetime64[s]")
        nat = np.isnat(values)
        years = values[~nat].astype("datetime64[Y]").astype(np.int64) + 1970 if (~nat).any() else np.empty(0)
        if not nat.any() and len(values) and years.min() >= 1 and years.max() <= 9999:
            text = _format_seconds(values)
            text.index = column.index
            return text
        return column.dt.strftime("%Y-%m-%d %H:%M:%S")
    if pd.api.types.is_datetime64_any_dtype(column):
        return column.dt.strftime("%Y-%m-%d %H:%M:%S")
    return column.astype(str)


def import_raw(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int,
    preview: RawPreview,
    progress: Callable[[float, str], None] | None = None,
) -> int:
    """Store the messages and orders of a preview and recompute the affected days; all or nothing."""
    require_project(db, actor, project_id, "kpi.import")
    report = progress or (lambda fraction, stage: None)
    settings = settings_for(db, project_id)
    frame = preview.messages
    times = _text_times(frame["time"])
    # plain lists first: iterating pyarrow-backed columns cell by cell costs more than the inserts
    records = list(
        zip(
            [project_id] * len(frame),
            times.str.slice(0, 10).tolist(),
            times.tolist(),
            frame["buyer"].astype(str).tolist(),
            frame["agent"].astype(str).tolist(),
            frame["sender"].astype(str).tolist(),
            frame["content"].astype(str).tolist() if "content" in frame else [""] * len(frame),
        )
    )
    with write(db):
        import_id = (
            db["kpi_imports"]
            .insert(
                {
                    "project_id": project_id,
                    "kind": "raw",
                    "filenames": ", ".join(preview.filenames),
                    "date_from": preview.date_from.isoformat(),
                    "date_to": preview.date_to.isoformat(),
                    "messages": len(frame),
                    "orders": 0 if preview.orders is None else len(preview.orders),
                    "rows": 0,
                    "settings": json.dumps(settings.to_dict()),
                    "created_by": actor.id,
                    "created_at": config.now_text(),
                }
            )
            .last_pk
        )
        db.execute(
            "DELETE FROM chat_messages WHERE project_id = ? AND day BETWEEN ? AND ?",
            [project_id, preview.date_from.isoformat(), preview.date_to.isoformat()],
        )
        for start in range(0, len(records), INSERT_CHUNK):
            chunk = records[start : start + INSERT_CHUNK]
            db.conn.executemany(
                "INSERT INTO chat_messages (project_id, day, time, buyer, agent, sender, content, import_id) VALUES (?,?,?,?,?,?,?,?)",
                [(*r, import_id) for r in chunk],
            )
            report(0.6 * min(1.0, (start + len(chunk)) / max(1, len(records))), "messages")
        if preview.orders is not None and len(preview.orders):
            o = preview.orders
            paid = _text_times(o["paid_at"]).where(o["paid_at"].notna() & (o["paid_at"].astype(str) != ""), None)
            db.conn.executemany(
                """INSERT INTO chat_orders (project_id, order_id, buyer, created_at, paid_at, amount, items, status, import_id)
                   VALUES (?,?,?,?,?,?,?,?,?)
                   ON CONFLICT(project_id, order_id) DO UPDATE SET buyer=excluded.buyer, created_at=excluded.created_at,
                   paid_at=excluded.paid_at, amount=excluded.amount, items=excluded.items, status=excluded.status,
                   import_id=excluded.import_id""",
                list(
                    zip(
                        [project_id] * len(o),
                        o["order_id"].astype(str).tolist(),
                        o["buyer"].astype(str).tolist(),
                        _text_times(o["created_at"]).tolist(),
                        [
                            None
                            if (p is None or (isinstance(p, float) and np.isnan(p)) or p in ("NaT", "None", "nan"))
                            else p
                            for p in paid.tolist()
                        ],
                        o["amount"].astype(float).round(2).tolist(),
                        o["items"].astype(int).tolist(),
                        o["status"].astype(str).tolist(),
                        [import_id] * len(o),
                    )
                ),
            )
        report(0.7, "orders")
        margin = timedelta(days=settings.attribution_days)
        fresh = pd.DataFrame(
            {
                "time": times,
                "buyer": frame["buyer"],
                "agent": frame["agent"],
                "sender": frame["sender"],
                "content": frame["content"] if "content" in frame else "",
            }
        )
        written = recompute(
            db,
            project_id,
            preview.date_from - margin,
            preview.date_to + margin,
            import_id,
            settings,
            fresh=(preview.date_from, preview.date_to, fresh),
        )
        db["kpi_imports"].update(import_id, {"rows": written})
        for layout in (preview.messages_layout, preview.orders_layout):
            if layout is not None and not layout.canonical:  # the next file of this layout maps itself
                template_id = templates.save_template(
                    db,
                    actor,
                    project_id,
                    layout.kind,
                    layout.headers,
                    layout.mapping,
                    _template_options(layout),
                    name=layout.template_name or layout.filename[: templates.NAME_MAX],
                )
                layout.template_id = template_id
        audit.record(
            db,
            actor,
            "import",
            "kpi_raw",
            import_id,
            None,
            {
                "project_id": project_id,
                "from": preview.date_from.isoformat(),
                "to": preview.date_to.isoformat(),
                "messages": len(frame),
                "rows": written,
            },
        )
    report(1.0, "done")
    return int(import_id)


def _template_options(layout: raw_import.Layout) -> dict[str, Any]:
    """What a template keeps besides the mapping: the value rules as the user and the proposal left them."""
    options = {k: v for k, v in layout.options.items() if k in ("robot_as", "sender_names")}
    key = "sender_map" if layout.kind == raw_import.KIND_MESSAGES else "status_map"
    chosen = dict(layout.options.get(key, {}))
    for row in layout.value_counts:
        if row["class"] and not row["value"].startswith("<"):
            chosen.setdefault(row["value"], row["class"])
    options[key] = chosen
    return options


def _stored_messages(db: sqlite_utils.Database, project_id: int, day_from: date, day_to: date) -> pd.DataFrame:
    # tuples straight into the frame: building a dict per row costs more than the query on large projects
    cursor = db.conn.execute(
        "SELECT time, buyer, agent, sender, content FROM chat_messages WHERE project_id = ? AND day BETWEEN ? AND ?",
        [project_id, day_from.isoformat(), day_to.isoformat()],
    )
    return pd.DataFrame(cursor.fetchall(), columns=["time", "buyer", "agent", "sender", "content"])


def _stored_orders(db: sqlite_utils.Database, project_id: int) -> pd.DataFrame:
    cursor = db.conn.execute(
        "SELECT order_id, buyer, created_at, paid_at, amount, items, status FROM chat_orders WHERE project_id = ?",
        [project_id],
    )
    frame = pd.DataFrame(
        cursor.fetchall(), columns=["order_id", "buyer", "created_at", "paid_at", "amount", "items", "status"]
    )
    frame["paid_at"] = frame["paid_at"].fillna("")
    return frame


def _row_values(frame: pd.DataFrame, columns: list[str]) -> list[list[Any]]:
    clean = frame[columns].astype(object).where(frame[columns].notna(), None)
    return clean.values.tolist()


def recompute(
    db: sqlite_utils.Database,
    project_id: int,
    day_from: date,
    day_to: date,
    import_id: int | None = None,
    settings: engine.KpiSettings | None = None,
    fresh: tuple[date, date, pd.DataFrame] | None = None,
) -> int:
    """Recompute and replace the raw-log KPI rows of [day_from, day_to]; return rows written.

    `fresh` = (first day, last day, messages): the messages just stored for those days (times as
    stored text), so only the days around them are read back from the store. Call inside a write
    transaction (import_raw does).
    """
    settings = settings or settings_for(db, project_id)
    margin = timedelta(days=settings.attribution_days)
    low, high = day_from - margin, day_to + margin
    if fresh is None:
        messages = _stored_messages(db, project_id, low, high)
    else:
        first, last, known = fresh
        parts = [known[["time", "buyer", "agent", "sender", "content"]]]
        if low < first:
            parts.append(_stored_messages(db, project_id, low, first - timedelta(days=1)))
        if high > last:
            parts.append(_stored_messages(db, project_id, last + timedelta(days=1), high))
        parts = [p for p in parts if len(p)]
        messages = (
            pd.concat(parts, ignore_index=True)
            if len(parts) > 1
            else (parts[0].reset_index(drop=True) if parts else parts)
        )
        if isinstance(messages, list):
            messages = pd.DataFrame(columns=["time", "buyer", "agent", "sender", "content"])
    agent_frame, shop_frame = (
        engine.daily(messages, _stored_orders(db, project_id), settings)
        if len(messages)
        else (pd.DataFrame(columns=engine.AGENT_COLUMNS), pd.DataFrame(columns=engine.SHOP_COLUMNS))
    )
    inside = lambda f: f[(f["date"] >= day_from.isoformat()) & (f["date"] <= day_to.isoformat())]  # noqa: E731
    agent_frame, shop_frame = inside(agent_frame), inside(shop_frame)
    stamp, settings_json = config.now_text(), json.dumps(settings.to_dict())
    params = [project_id, day_from.isoformat(), day_to.isoformat()]
    db.execute("DELETE FROM kpi_agent_daily WHERE project_id = ? AND day BETWEEN ? AND ? AND source = 'raw'", params)
    db.execute("DELETE FROM kpi_shop_daily WHERE project_id = ? AND day BETWEEN ? AND ? AND source = 'raw'", params)
    tail = ["raw", "{}", settings_json, import_id, stamp]
    columns = ", ".join(METRICS)
    marks = ", ".join("?" * (len(METRICS) + 3 + len(tail)))
    db.conn.executemany(
        f"INSERT OR REPLACE INTO kpi_agent_daily (project_id, day, agent, {columns}, source, extra, settings, import_id, computed_at) VALUES ({marks})",
        [[project_id, *values, *tail] for values in _row_values(agent_frame, ["date", "agent", *METRICS])],
    )
    marks = ", ".join("?" * (len(METRICS) + 2 + len(tail)))
    db.conn.executemany(
        f"INSERT OR REPLACE INTO kpi_shop_daily (project_id, day, {columns}, source, extra, settings, import_id, computed_at) VALUES ({marks})",
        [[project_id, *values, *tail] for values in _row_values(shop_frame, ["date", *METRICS])],
    )
    hourly.store(db, project_id, day_from, day_to, messages, settings)  # the per-hour figures of the same days
    return len(agent_frame) + len(shop_frame)


# --- platform summary import ------------------------------------------------------------------


FLAVOURS = ("service_hours", "whole_day")
_FLAVOUR_SUFFIX = {"service_hours": "service", "whole_day": "allday"}


DEFAULT_FLAVOUR = "service_hours"
DEFAULT_TOLERANCE = 0.05


def import_settings(db: sqlite_utils.Database, project_id: int) -> dict[str, Any]:
    """The project's import settings (defaults where no row): which flavour of a two-flavour
    figure counts for its targets (`service_hours` by default: PDD's (8-23点), Douyin's 工作时间)
    and the reconciliation tolerance. For core callers that checked their own permission; pages
    read it through `reconciliation.get_settings` and change it with `reconciliation.save_settings`."""
    row = one(
        db,
        "SELECT flavour, reconcile_tolerance, updated_by, updated_at FROM project_import_settings WHERE project_id = ?",
        [project_id],
    )
    if row is None:
        return {"flavour": DEFAULT_FLAVOUR, "tolerance": DEFAULT_TOLERANCE, "updated_by": None, "updated_at": None}
    return {
        "flavour": row["flavour"],
        "tolerance": float(row["reconcile_tolerance"]),
        "updated_by": row["updated_by"],
        "updated_at": row["updated_at"],
    }


@dataclass
class SummaryImportPreview:
    """A parsed platform summary with its mapping, rows, errors and unknown agent names, and what
    the project's targets need that the file lacks."""

    parsed: summary_import.SummaryPreview
    unknown_agents: list[str]
    missing_targets: list[str] = field(default_factory=list)  # KPIs with a target and no column in the file
    flavour: str = "service_hours"
    raw_days: list[str] = field(
        default_factory=list
    )  # days that already have raw-log figures (kept; platform's kept beside)

    @property
    def ok(self) -> bool:
        return self.parsed.ok


def preview_summary(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int,
    data: bytes,
    filename: str,
    progress: Callable[[float, str], None] | None = None,
    *,
    profile: str | None = None,
    overrides: dict[str, str | None] | None = None,
    day: date | None = None,
) -> SummaryImportPreview:
    """Parse a platform's per-agent summary export; nothing is saved. The project's saved
    template of this layout maps it unless `overrides` say otherwise; `profile`, `day` and
    `progress` as in `summary_import.read_summary`."""
    require_project(db, actor, project_id, "kpi.import")
    from core.kpi import templates  # the template store (same permission)

    lookup = lambda headers: templates.find_template(db, actor, project_id, "summary", headers)  # noqa: E731
    parsed = summary_import.read_summary(
        data, filename, progress=progress, profile=profile, overrides=overrides, day=day, template_lookup=lookup
    )
    names = (
        parsed.rows["agent"].astype(str).unique().tolist()
        if parsed.ok and len(parsed.rows) and "agent" in parsed.rows
        else []
    )
    settings = import_settings(db, project_id)
    present = parsed.fields
    goal = targets(db, actor, project_id) if actor.role != "merchant" else {}
    missing = [
        k
        for k in goal
        if not any(f == k or f.startswith(f"{k}_") for f in present)
        and not (k == "consultations" and any(f.startswith("receptions") for f in present))
        and not (k == "satisfaction" and {"good_reviews", "reviews"} <= present)
    ]
    raw_days: list[str] = []
    if parsed.ok and len(parsed.rows):
        days = sorted({d.isoformat() for d in parsed.rows["date"]})
        marks = ",".join("?" * len(days))
        raw_days = [
            r["day"]
            for r in db.query(
                f"SELECT DISTINCT day FROM kpi_shop_daily WHERE project_id = ? AND source = 'raw' AND day IN ({marks})",
                [project_id, *days],
            )
        ]
    return SummaryImportPreview(
        parsed=parsed,
        unknown_agents=unknown_agents(db, project_id, names),
        missing_targets=missing,
        flavour=settings["flavour"],
        raw_days=raw_days,
    )


def _present(value: Any) -> bool:
    return value is not None and value is not pd.NA and not (isinstance(value, float) and np.isnan(value))


def _candidates(column: str, flavour: str) -> list[tuple[str, str]]:
    """The fields that may fill a spec column, in order, with the variant each one is."""
    mine = _FLAVOUR_SUFFIX.get(flavour, "service")
    other = "allday" if mine == "service" else "service"
    plain = [(f"{column}_{mine}", mine), (column, "plain"), (f"{column}_new", "new"), (f"{column}_{other}", other)]
    person = [
        (f"{column}_person{'' if s == column else s[len(column) :]}", f"person{'' if d == 'plain' else '_' + d}")
        for s, d in plain
    ]
    return plain + person


def metrics_frame(frame: pd.DataFrame, flavour: str = "service_hours") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Summary rows → (spec columns, variant used per cell). Per-session figures never enter spec columns.

    A spec column takes, in order: the project's flavour (`_service` for service hours,
    `_allday` for whole day), the unmarked figure, the platform's new definition (`_new`), the
    other flavour; then the same per person. The variant used is recorded ("dimensions" of the
    row's extra) and the preview says so; two flavours are never mixed. 接待人数 stands in for
    咨询人数 when a platform gives only that; satisfaction is 好评量 / 评价量 (JD) when no rate is given.
    Column by column over the whole file (a per-row loop cost 10 s on 100,000 rows)."""
    metrics: dict[str, pd.Series] = {}
    used: dict[str, pd.Series] = {}
    for column in STORED_METRICS:
        value = pd.Series(np.nan, index=frame.index, dtype=object)
        variant = pd.Series(None, index=frame.index, dtype=object)
        sources = _candidates(column, flavour)
        if column == "consultations":
            sources += [
                (f"receptions{suffix}", "receptions")
                for suffix in ("", f"_{_FLAVOUR_SUFFIX.get(flavour, 'service')}", "_service", "_allday")
            ]
        for source, name in sources:
            if source not in frame:
                continue
            fill = value.isna() & frame[source].notna()
            if fill.any():
                value = value.where(~fill, frame[source].astype(object))
                variant = variant.where(~fill, name)
        if column == "satisfaction" and "reviews" in frame and "good_reviews" in frame:
            reviews = pd.to_numeric(frame["reviews"], errors="coerce").astype(float)
            ratio = pd.to_numeric(frame["good_reviews"], errors="coerce").astype(float) / reviews.where(reviews > 0)
            fill = value.isna() & ratio.notna()
            value = value.where(~fill, ratio.astype(object))
            variant = variant.where(~fill, "good_reviews/reviews")
        metrics[column] = value
        used[column] = variant
    return pd.DataFrame(metrics, index=frame.index), pd.DataFrame(used, index=frame.index)


def _clean_values(frame: pd.DataFrame) -> list[list[Any]]:
    """Rows of a frame as Python values, None for missing."""
    return (
        frame.astype(object)
        .where(frame.notna(), None)
        .map(lambda v: v.item() if hasattr(v, "item") else v)
        .values.tolist()
    )


def summary_to_metrics(record: dict[str, Any], flavour: str = "service_hours") -> tuple[dict[str, Any], dict[str, Any]]:
    """One summary row → (spec columns, extra): `metrics_frame` of a one-row file."""
    frame = pd.DataFrame([{k: (np.nan if not _present(v) else v) for k, v in record.items()}])
    values, used = metrics_frame(frame, flavour)
    metrics = {k: (v.item() if hasattr(v, "item") else v) for k, v in values.iloc[0].items() if _present(v)}
    if "consultations" in metrics:
        metrics["consultations"] = int(metrics["consultations"])
    extra = {
        k: (v.item() if hasattr(v, "item") else v)
        for k, v in record.items()
        if k not in ("date", "agent", "agent_key") and _present(v) and k not in metrics
    }
    extra["dimensions"] = {k: v for k, v in used.iloc[0].items() if v is not None and v != "plain"}
    return metrics, extra


def _json_lines(frame: pd.DataFrame) -> list[str]:
    """Each row of a frame as a JSON object of its present values (missing ones left out)."""
    if frame.shape[1] == 0:
        return ["{}"] * len(frame)
    text = frame.reset_index(drop=True).to_json(orient="records", lines=True, force_ascii=False, date_format="iso")
    lines = text.splitlines() if text else []
    if len(lines) != len(frame):  # a value with a line break inside: fall back to one dumps per row
        return [
            json.dumps(
                {
                    k: _json_value(v)
                    for k, v in row.items()
                    if _present(v) and not isinstance(v, (list, dict)) or isinstance(v, (list, dict)) and v
                },
                ensure_ascii=False,
                default=str,
            )
            for row in frame.to_dict("records")
        ]
    return [_strip_nulls(line) for line in lines]


_NULL_MEMBER = re.compile(r'"[a-z0-9_]+":null,?')  # keys are field names: lower-case identifiers


def _strip_nulls(line: str) -> str:
    stripped = _NULL_MEMBER.sub("", line)
    return stripped.replace(",}", "}")


def _json_value(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, date):
        return value.isoformat()
    return value


def import_summary(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int,
    preview: SummaryImportPreview,
    progress: Callable[[float, str], None] | None = None,
    *,
    save_template: bool = True,
) -> int:
    """Save a summary's rows as the agent days they cover (replacing those days), all or nothing.

    The platform's own figures of every row (all fields, pending ones listed) go to
    `platform_agent_daily`, its peer benchmark rows to `platform_benchmarks`. Our daily rows
    (`kpi_agent_daily`, `kpi_shop_daily`) take the summary only on days that have no raw-log
    figures: where chats were imported, our computed figures stay and the platform's are kept
    beside them for reconciliation. A mapping the user changed by hand is saved as the project's
    template of this layout (with the profile), so the next file of that layout maps itself.

    Rows go in with `executemany` in chunks (100,000 rows in a few seconds; sqlite-utils' insert
    per row took 17 s); `progress(fraction, stage)` is told after each chunk."""
    require_project(db, actor, project_id, "kpi.import")
    parsed = preview.parsed
    if not preview.ok:
        raise ValidationError.single("file", "kpi.err.summary_has_errors", n=len(parsed.errors))
    frame = parsed.rows
    if frame.empty:
        raise ValidationError.single("file", "err.file_empty")
    report = progress or (lambda fraction, stage: None)
    flavour = import_settings(db, project_id)["flavour"]
    settings_json = json.dumps(
        {"source": "summary", "file": parsed.filename, "profile": parsed.profile, "flavour": flavour},
        ensure_ascii=False,
    )
    stamp = config.now_text()
    days = sorted({d.isoformat() for d in frame["date"]})
    marks = ",".join("?" * len(days))
    raw_days = {
        r["day"]
        for r in db.query(
            f"SELECT DISTINCT day FROM kpi_shop_daily WHERE project_id = ? AND source = 'raw' AND day IN ({marks})",
            [project_id, *days],
        )
    }
    summary_days = [d for d in days if d not in raw_days]
    columns = ["project_id", "day", "agent", *STORED_METRICS, "source", "extra", "settings", "import_id", "computed_at"]
    insert = f"INSERT INTO kpi_agent_daily ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    platform_insert = (
        "INSERT OR REPLACE INTO platform_agent_daily (project_id, day, agent, profile, figures, pending, import_id, imported_at) "
        "VALUES (?,?,?,?,?,?,?,?)"
    )
    shop_level = bool(parsed.profile and summary_import.profiles.BY_KEY[parsed.profile].shop_level) or (
        "agent" not in parsed.fields
    )
    # Column by column: spec figures, the variant each came from, the platform's figures and the
    # row's extra as JSON (pandas writes JSON lines in C; a json.dumps per row took seconds).
    metric_values, variants = metrics_frame(frame, flavour)
    day_text = [d.isoformat() for d in frame["date"]]
    agent_text = frame["agent"].astype(str).tolist()
    pending_of = [parsed.pending.get(int(row), []) for row in frame.index]
    body = frame.drop(columns=[c for c in ("date", "agent_key") if c in frame])
    figures_json = _json_lines(body)
    extra_frame = frame.drop(columns=[c for c in ("date", "agent", "agent_key", *STORED_METRICS) if c in frame])
    extra_frame = extra_frame.assign(
        dimensions=[
            {k: v for k, v in zip(variants.columns, row) if v is not None and v != "plain"}
            for row in variants.itertuples(index=False)
        ],
        pending=[p or None for p in pending_of],
    )
    extra_json = _json_lines(extra_frame)
    metric_rows = _clean_values(metric_values[STORED_METRICS])
    with write(db):
        import_id = (
            db["kpi_imports"]
            .insert(
                {
                    "project_id": project_id,
                    "kind": "summary",
                    "filenames": parsed.filename,
                    "date_from": days[0],
                    "date_to": days[-1],
                    "rows": len(frame),
                    "settings": settings_json,
                    "created_by": actor.id,
                    "created_at": stamp,
                }
            )
            .last_pk
        )
        db.execute(f"DELETE FROM platform_agent_daily WHERE project_id = ? AND day IN ({marks})", [project_id, *days])
        db.execute(f"DELETE FROM platform_benchmarks WHERE project_id = ? AND day IN ({marks})", [project_id, *days])
        if summary_days:
            summary_marks = ",".join("?" * len(summary_days))
            db.execute(
                f"DELETE FROM kpi_agent_daily WHERE project_id = ? AND day IN ({summary_marks})",
                [project_id, *summary_days],
            )
            db.execute(
                f"DELETE FROM kpi_shop_daily WHERE project_id = ? AND day IN ({summary_marks})",
                [project_id, *summary_days],
            )
        per_day: dict[str, list[dict]] = {}
        profile_key = parsed.profile or ""
        for start in range(0, len(frame), INSERT_CHUNK):
            values, platform_values = [], []
            for i in range(start, min(len(frame), start + INSERT_CHUNK)):
                day, pending = day_text[i], pending_of[i]
                platform_values.append(
                    (
                        project_id,
                        day,
                        agent_text[i],
                        profile_key,
                        figures_json[i],
                        json.dumps(pending, ensure_ascii=False),
                        import_id,
                        stamp,
                    )
                )
                if day in raw_days:
                    continue
                metrics = metric_rows[i]
                per_day.setdefault(day, []).append(
                    {**{c: v for c, v in zip(STORED_METRICS, metrics) if v is not None}, "_pending": pending}
                )
                if not shop_level:
                    values.append(
                        (
                            project_id,
                            day,
                            agent_text[i],
                            *metrics,
                            "summary",
                            extra_json[i],
                            settings_json,
                            import_id,
                            stamp,
                        )
                    )
            db.conn.executemany(insert, values)
            db.conn.executemany(platform_insert, platform_values)
            report(0.9 * min(1.0, (start + INSERT_CHUNK) / len(frame)), "rows")
        for day, agent_metrics in per_day.items():
            pending = sorted({f for m in agent_metrics for f in m.pop("_pending")})
            shop = agent_metrics[0] if shop_level else shop_from_agent_summaries(agent_metrics)
            shop_extra = {"derived_from": "shop row" if shop_level else "agent summaries"}
            if pending:
                shop_extra["pending"] = pending
            db["kpi_shop_daily"].insert(
                {
                    "project_id": project_id,
                    "day": day,
                    **{k: v for k, v in shop.items() if k in STORED_METRICS},
                    "source": "summary",
                    "extra": json.dumps(shop_extra, ensure_ascii=False),
                    "settings": settings_json,
                    "import_id": import_id,
                    "computed_at": stamp,
                }
            )
        if len(parsed.benchmarks) and parsed.day:
            for label, bench in parsed.benchmarks.iterrows():
                figures = {k: _json_value(v) for k, v in bench.items() if _present(v)}
                db["platform_benchmarks"].insert(
                    {
                        "project_id": project_id,
                        "day": parsed.day.isoformat(),
                        "label": str(label),
                        "profile": parsed.profile or "",
                        "figures": json.dumps(figures, ensure_ascii=False),
                        "import_id": import_id,
                    },
                    replace=True,
                )
        if save_template and any(source == "user" for source in parsed.sources.values()):
            from core.kpi import templates

            templates.save_template(
                db, actor, project_id, "summary", parsed.headers, dict(parsed.mapping), {"profile": parsed.profile}
            )
        audit.record(
            db,
            actor,
            "import",
            "kpi_summary",
            import_id,
            None,
            {
                "project_id": project_id,
                "days": len(days),
                "rows": len(frame),
                "profile": parsed.profile,
                "kept_raw_days": sorted(raw_days),
            },
        )
    report(1.0, "done")
    return int(import_id)


def pending_figures(
    db: sqlite_utils.Database, actor: Actor, project_id: int, start: date, end: date
) -> dict[str, list[str]]:
    """Per day in [start, end], the figures the platform had not settled when they were imported
    (延迟统计): shown as 待更新, and a pay run or an invoice using those days says so before approval."""
    require_project(db, actor, project_id, "kpi.read")
    return pending_in_period(db, start, end, [project_id]).get(project_id, {})


def pending_in_period(
    db: sqlite_utils.Database, start: date, end: date, project_ids: list[int] | None = None
) -> dict[int, dict[str, list[str]]]:
    """Pending (延迟统计) figures of [start, end] per project and day, for the pay run and the
    invoice that would use them (they check before approval; no actor: called from inside core)."""
    sql = (
        "SELECT project_id, day, extra FROM kpi_shop_daily WHERE day BETWEEN ? AND ? AND source = 'summary' "
        "AND extra LIKE '%\"pending\"%'"
    )
    params: list[Any] = [start.isoformat(), end.isoformat()]
    if project_ids is not None:
        sql += f" AND project_id IN ({','.join('?' * len(project_ids))})"
        params += list(project_ids)
    found: dict[int, dict[str, list[str]]] = {}
    for row in db.query(sql + " ORDER BY project_id, day", params):
        pending = json.loads(row["extra"]).get("pending")
        if pending:
            found.setdefault(row["project_id"], {})[row["day"]] = sorted(pending)
    return found


def shop_from_agent_summaries(agent_rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A shop day from per-agent summaries, which carry no buyer ids.

    Counts are summed (a buyer served by two agents counts twice: the summaries cannot tell);
    conversion and AOV are recomputed from the sums; rates and times are means weighted by
    each agent's consultations.
    """
    frame = pd.DataFrame(agent_rows)
    result: dict[str, Any] = {}
    for column in ("consultations", "converted", "items"):
        if column in frame and frame[column].notna().any():
            result[column] = int(frame[column].fillna(0).sum())
    if "sales" in frame and frame["sales"].notna().any():
        result["sales"] = round(float(frame["sales"].fillna(0).sum()), 2)
    if result.get("consultations") and "converted" in result:
        result["conversion_rate"] = result["converted"] / result["consultations"]
    if result.get("converted") and "sales" in result:
        result["aov"] = result["sales"] / result["converted"]
    weights = frame["consultations"] if "consultations" in frame else pd.Series(1.0, index=frame.index)
    for column in ("response_30s_rate", "avg_response_s", "first_response_s", "effective_reply_rate", "satisfaction"):
        if column in frame and frame[column].notna().any():
            mask = frame[column].notna() & weights.notna()
            total = float(weights[mask].sum())
            result[column] = (
                float((frame.loc[mask, column] * weights[mask]).sum() / total) if total else float(frame[column].mean())
            )
    return result


# --- reading ---------------------------------------------------------------------------------------


def _frame(data: list[dict], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(data, columns=columns)
    for column in COUNT_METRICS:
        if column in frame:
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame


def agent_days(
    db: sqlite_utils.Database, actor: Actor, project_id: int, start: date, end: date, agent: str | None = None
) -> pd.DataFrame:
    """The stored per-agent days of a project in [start, end], with the roster name of each agent."""
    require_project(db, actor, project_id, "kpi.read")
    sql = f"SELECT day, agent, {', '.join(STORED_METRICS)}, source, settings FROM kpi_agent_daily WHERE project_id = ? AND day BETWEEN ? AND ?"
    params: list[Any] = [project_id, start.isoformat(), end.isoformat()]
    if agent:
        sql += " AND agent = ?"
        params.append(agent)
    frame = _frame(
        rows(db, sql + " ORDER BY day, agent", params), ["day", "agent", *STORED_METRICS, "source", "settings"]
    )
    mapping = agent_name_map(db, project_id)
    names = {r["id"]: r["name"] for r in db.query("SELECT id, name FROM agents")}
    frame["agent_id"] = [resolve_agent(mapping, a) for a in frame["agent"]]
    frame["agent_name"] = [names.get(i, a) if i else a for i, a in zip(frame["agent_id"], frame["agent"])]
    return frame


def shop_days(db: sqlite_utils.Database, actor: Actor, project_id: int, start: date, end: date) -> pd.DataFrame:
    """The stored shop days of a project in [start, end]."""
    require_project(db, actor, project_id, "kpi.read")
    data = rows(
        db,
        f"SELECT day, {', '.join(STORED_METRICS)}, source, settings FROM kpi_shop_daily WHERE project_id = ? AND day BETWEEN ? AND ? ORDER BY day",
        [project_id, start.isoformat(), end.isoformat()],
    )
    return _frame(data, ["day", *STORED_METRICS, "source", "settings"])


def shop_days_of(
    db: sqlite_utils.Database, actor: Actor, project_ids: list[int], start: date, end: date
) -> dict[int, pd.DataFrame]:
    """shop_days of many projects in one query (the company view and the meeting read every live project)."""
    for project_id in project_ids:
        require_project(db, actor, project_id, "kpi.read")
    columns = ["day", *STORED_METRICS, "source", "settings"]
    data: list[dict] = []
    for start_at in range(0, len(project_ids), 500):  # SQLite's limit on parameters
        chunk = project_ids[start_at : start_at + 500]
        data += rows(
            db,
            f"SELECT project_id, {', '.join(columns)} FROM kpi_shop_daily WHERE project_id IN ({','.join('?' * len(chunk))}) "
            "AND day BETWEEN ? AND ? ORDER BY project_id, day",
            [*chunk, start.isoformat(), end.isoformat()],
        )
    every = _frame(data, ["project_id", *columns])
    ids = every["project_id"].to_numpy()
    body = every.drop(columns="project_id")
    # rows come ordered by project: cut them at each change of project (one slice each, not a groupby and a drop per project)
    cuts = [0, *(np.flatnonzero(ids[1:] != ids[:-1]) + 1).tolist(), len(ids)]
    parts = {
        int(ids[low]): body.iloc[low:high].reset_index(drop=True)
        for low, high in zip(cuts[:-1], cuts[1:])
        if high > low
    }
    empty = body.iloc[0:0]
    return {project_id: parts.get(project_id, empty) for project_id in project_ids}


def data_range(db: sqlite_utils.Database, actor: Actor, project_id: int) -> tuple[date, date] | None:
    """The first and last day with KPI rows, or None."""
    require_project(db, actor, project_id, "kpi.read")
    row = one(db, "SELECT MIN(day) AS a, MAX(day) AS b FROM kpi_shop_daily WHERE project_id = ?", [project_id])
    if not row or not row["a"]:
        return None
    return date.fromisoformat(row["a"]), date.fromisoformat(row["b"])


def targets(db: sqlite_utils.Database, actor: Actor, project_id: int) -> dict[str, float]:
    """The KPI targets of the project's confirmed order confirmation (missing ones left out)."""
    confirmed = oc.latest_confirmed(db, actor, project_id)
    data = confirmed["data"] if confirmed else {}
    return {
        kpi_name: float(data[field_name])
        for kpi_name, (field_name, _) in TARGETS.items()
        if data.get(field_name) is not None
    }


def meets_target(kpi_name: str, actual: float | None, target: float | None) -> tuple[bool | None, float | None]:
    """(whether the figure meets its target, gap actual − target); None when either is missing.

    Response times are lower-is-better; everything else higher-is-better.
    """
    if actual is None or target is None or pd.isna(actual):
        return None, None
    higher = TARGETS.get(kpi_name, ("", True))[1]
    gap = float(actual) - float(target)
    return (gap >= 0) if higher else (gap <= 0), gap


def aggregate(frame: pd.DataFrame) -> dict[str, float | None]:
    """Several days (or agents) as one figure set, recomputed from counts.

    Counts and sales are summed; rates are recomputed from the sums (30s rate from fast replies
    and waits, conversion from converted and consultations, AOV from sales and converted).
    Mean times are weighted by the days' waits (average response) or consultations (first
    response), since the stored days keep means, not every wait; satisfaction likewise.
    """
    if frame.empty:
        return {m: None for m in STORED_METRICS}
    total = lambda c: float(frame[c].fillna(0).sum()) if c in frame else 0.0  # noqa: E731
    result: dict[str, float | None] = {c: total(c) for c in COUNT_METRICS}
    result["sales"] = round(total("sales"), 2)
    result["response_30s_rate"] = (
        result["fast_replies"] / result["waits"]
        if result["waits"]
        else _weighted(frame, "response_30s_rate", "consultations")
    )
    result["conversion_rate"] = result["converted"] / result["consultations"] if result["consultations"] else None
    result["aov"] = result["sales"] / result["converted"] if result["converted"] else None
    result["items_per_buyer"] = (
        result["items"] / result["converted"] if result["converted"] and result["items"] else None
    )
    result["avg_response_s"] = _weighted(frame, "avg_response_s", "waits" if result["waits"] else "consultations")
    result["first_response_s"] = _weighted(frame, "first_response_s", "consultations")
    result["effective_reply_rate"] = _weighted(frame, "effective_reply_rate", "consultations")
    result["satisfaction"] = _weighted(frame, "satisfaction", "consultations")
    return result


def _weighted(frame: pd.DataFrame, column: str, weight: str) -> float | None:
    if column not in frame:
        return None
    # plain arrays: the company view and the meeting call this hundreds of times a run
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    mask = ~np.isnan(values)
    if not mask.any():
        return None
    values = values[mask]
    if weight in frame:
        weights = pd.to_numeric(frame[weight], errors="coerce").to_numpy(dtype=float, na_value=np.nan)[mask]
        weights[np.isnan(weights)] = 0.0
    else:
        weights = np.ones(len(values))
    if weights.sum() <= 0:
        return float(values.mean())
    return float((values * weights).sum() / weights.sum())


def tiles(db: sqlite_utils.Database, actor: Actor, project_id: int, today: date | None = None) -> list[dict[str, Any]]:
    """Today, yesterday and the last 7 days (to yesterday) against the targets."""
    day = today or config.today()
    periods = [
        ("today", day, day),
        ("yesterday", day - timedelta(days=1), day - timedelta(days=1)),
        ("last7", day - timedelta(days=7), day - timedelta(days=1)),
    ]
    goal = targets(db, actor, project_id)
    result = []
    for label, start, end in periods:
        figures = aggregate(shop_days(db, actor, project_id, start, end))
        pending = {f for fields in pending_figures(db, actor, project_id, start, end).values() for f in fields}
        days = max(1, (end - start).days + 1)
        for name in TARGETS:
            actual = figures.get(name)
            if name == "consultations" and actual is not None:
                actual = actual / days  # the target is per day
            ok, gap = meets_target(name, actual, goal.get(name))
            result.append(
                {
                    "period": label,
                    "kpi": name,
                    "actual": actual,
                    "target": goal.get(name),
                    "ok": ok,
                    "gap": gap,
                    "pending": bool(pending & PENDING_INPUTS.get(name, {name})),
                }
            )
    return result


# A KPI is pending when any figure it is computed from is (conversion from converted, AOV from sales).
PENDING_INPUTS: dict[str, set[str]] = {
    "conversion_rate": {"conversion_rate", "converted", "consultations"},
    "aov": {"aov", "sales", "converted"},
    "sales": {"sales"},
    "converted": {"converted"},
}


def platform_figures(db: sqlite_utils.Database, actor: Actor, project_id: int, start: date, end: date) -> pd.DataFrame:
    """Per agent over [start, end], the figures only the platform gives (评分≤3订单数, 纠纷退款数,
    投诉数, 不满意率, 预警会话量, 客服服务分, 退款后销售额, 慢响应人数, 未回复人数, 答问比, online
    time, …) and the figures still pending. Counts, money and times are summed over the days;
    rates, scores and ratios are the mean of the days that have them. Only fields some day has
    are columns; `pending` lists the fields pending on any of the agent's days."""
    require_project(db, actor, project_id, "kpi.read")
    data = rows(
        db,
        "SELECT day, agent, figures, pending FROM platform_agent_daily WHERE project_id = ? AND day BETWEEN ? AND ? ORDER BY day",
        [project_id, start.isoformat(), end.isoformat()],
    )
    if not data:
        return pd.DataFrame(columns=["agent", "agent_name", "pending"])
    mapping = agent_name_map(db, project_id)
    names = {r["id"]: r["name"] for r in db.query("SELECT id, name FROM agents")}
    per_agent: dict[str, dict[str, list]] = {}
    pending: dict[str, set[str]] = {}
    first_name: dict[str, str] = {}
    for row in data:
        agent_id = resolve_agent(mapping, row["agent"])
        name = names.get(agent_id, row["agent"]) if agent_id else row["agent"]
        first_name.setdefault(name, row["agent"])
        figures = json.loads(row["figures"])
        bucket = per_agent.setdefault(name, {})
        for key, value in figures.items():
            base = key.split("_person")[0].split("_session")[0]
            for suffix in ("_service", "_allday", "_new"):
                base = base.removesuffix(suffix)
            if base in summary_import.PLATFORM_ONLY_FIELDS or base in ("sales_after_refund", "complaints"):
                bucket.setdefault(key, []).append(value)
        pending.setdefault(name, set()).update(json.loads(row["pending"]))
    out = []
    for name, bucket in per_agent.items():
        record: dict[str, Any] = {"agent": first_name[name], "agent_name": name}
        for key, values in bucket.items():
            kind = summary_import.FIELDS[key].kind if key in summary_import.FIELDS else summary_import.NUMBER
            numbers = [float(v) for v in values if isinstance(v, (int, float))]
            if not numbers:
                continue
            if kind in (summary_import.COUNT, summary_import.MONEY, summary_import.DURATION):
                total = sum(numbers)
                record[key] = (
                    round(total, 2)
                    if kind == summary_import.MONEY
                    else (int(total) if kind == summary_import.COUNT else total)
                )
            else:
                record[key] = sum(numbers) / len(numbers)
        record["pending"] = sorted(pending.get(name, set()))
        out.append(record)
    frame = pd.DataFrame(out)
    ordered = [
        "agent",
        "agent_name",
        *[f for f in summary_import.FIELDS if f in frame.columns and f not in ("agent", "agent_name")],
        "pending",
    ]
    return frame[ordered].sort_values("agent_name").reset_index(drop=True)


def agent_table(db: sqlite_utils.Database, actor: Actor, project_id: int, start: date, end: date) -> pd.DataFrame:
    """One row per agent over the period (figures recomputed from counts), ranked by conversion."""
    frame = agent_days(db, actor, project_id, start, end)
    if frame.empty:
        return pd.DataFrame(columns=["agent", "agent_name", *STORED_METRICS, "rank"])
    out = []
    for agent_name, group in frame.groupby("agent_name", sort=True):
        out.append(
            {
                "agent": group["agent"].iloc[0],
                "agent_name": agent_name,
                "agent_id": group["agent_id"].iloc[0],
                **aggregate(group),
            }
        )
    table = pd.DataFrame(out)
    table["rank"] = table["conversion_rate"].rank(ascending=False, method="min").astype("Int64")
    return table.sort_values(["rank", "agent_name"]).reset_index(drop=True)


def below_target_streak(shop: pd.DataFrame, goal: dict[str, float], days: int = ALERT_STREAK_DAYS) -> list[str]:
    """The KPIs below target on each of the last `days` days with data (系统预警)."""
    if len(shop) < days:
        return []
    last = shop.sort_values("day").tail(days)
    flagged = []
    for name in ALERT_KPIS:
        if name not in goal:
            continue
        verdicts = [meets_target(name, value, goal[name])[0] for value in last[name]]
        if verdicts and all(v is False for v in verdicts):
            flagged.append(name)
    return flagged


def company_overview(db: sqlite_utils.Database, actor: Actor, start: date, end: date) -> pd.DataFrame:
    """All live projects side by side against their own targets, with the 3-day alerts."""
    from core.projects import merchants

    records = []
    projects = merchants.list_projects(db, actor, status="live")
    shops = shop_days_of(db, actor, [p["id"] for p in projects], start, end)
    for project in projects:
        shop = shops[project["id"]]
        goal = targets(db, actor, project["id"])
        figures = aggregate(shop)
        days = max(1, len(shop))
        record = {
            "project_id": project["id"],
            "project": f"{project['merchant_name']} · {project['name']}",
            "days": len(shop),
        }
        for name in TARGETS:
            actual = figures.get(name)
            if name == "consultations" and actual is not None:
                actual = actual / days
            record[name] = actual
            record[f"{name}_target"] = goal.get(name)
            record[f"{name}_ok"] = meets_target(name, actual, goal.get(name))[0]
        record["alerts"] = below_target_streak(shop, goal)
        records.append(record)
    return pd.DataFrame(records)


def hourly_load(db: sqlite_utils.Database, actor: Actor, project_id: int, start: date, end: date) -> pd.DataFrame:
    """Waits by weekday and hour of day with their mean response time (raw logs only).

    Columns: weekday (0 = Monday), hour, waits, avg_response_s. Empty without raw logs. Read from
    the per-hour figures stored at import (core.kpi.hourly), not recomputed from the messages.
    """
    require_project(db, actor, project_id, "kpi.read")
    return hourly.load(db, project_id, start, end)


def _orders_for_day(db: sqlite_utils.Database, project_id: int, day: date, margin: timedelta) -> pd.DataFrame:
    """The project's orders that can go to a chat of `day`; each order is attributed on its own, so the rest change nothing.

    A chat of the day wins an order only with a message at or before created_at (so created on or
    after the day's start) and when paid by the end of day + attribution days.
    """
    cursor = db.conn.execute(
        """SELECT order_id, buyer, created_at, paid_at, amount, items, status FROM chat_orders
                                WHERE project_id = ? AND created_at >= ? AND paid_at IS NOT NULL AND paid_at < ?""",
        [project_id, day.isoformat(), (day + margin + timedelta(days=1)).isoformat()],
    )
    frame = pd.DataFrame(
        cursor.fetchall(), columns=["order_id", "buyer", "created_at", "paid_at", "amount", "items", "status"]
    )
    frame["paid_at"] = frame["paid_at"].fillna("")
    return frame


def chats_of_day(
    db: sqlite_utils.Database, actor: Actor, project_id: int, day: date, agent: str | None = None
) -> pd.DataFrame:
    """The chats behind a day's figures (raw logs only), with first response and attributed orders."""
    require_project(db, actor, project_id, "kpi.read")
    settings = settings_for(db, project_id)
    margin = timedelta(days=settings.attribution_days)
    cursor = db.conn.execute(
        "SELECT time, buyer, agent, sender FROM chat_messages WHERE project_id = ? AND day BETWEEN ? AND ?",
        [project_id, (day - 2 * margin).isoformat(), (day + 2 * margin).isoformat()],
    )  # no text: the KPIs ignore it
    messages = pd.DataFrame(cursor.fetchall(), columns=engine.MESSAGE_COLUMNS)
    if messages.empty:
        return pd.DataFrame(columns=engine.CHAT_COLUMNS)
    chats = engine.chat_table(messages, _orders_for_day(db, project_id, day, margin), settings)
    chats = chats[chats["date"] == day.isoformat()]
    if agent:
        chats = chats[chats["agent"] == agent]
    return chats.reset_index(drop=True)


def account_labels(db: sqlite_utils.Database, actor: Actor, project_id: int, accounts: list[str]) -> dict[str, str]:
    """Chat-log account names as a person reads them: the roster agent's name with the account
    (`小美（店铺:小美）`), the account alone where it names no roster agent or is the name itself."""
    require_project(db, actor, project_id, "kpi.read")
    mapping = agent_name_map(db, project_id)
    names = {
        r["id"]: r["name"]
        for r in db.query(
            "SELECT a.id, a.name FROM agents a JOIN project_agents pa ON pa.agent_id = a.id WHERE pa.project_id = ?",
            [project_id],
        )
    }
    names |= {
        r["id"]: r["name"]
        for r in db.query(
            "SELECT a.id, a.name FROM agents a JOIN agent_aliases x ON x.agent_id = a.id WHERE x.project_id = ?",
            [project_id],
        )
    }
    labels = {}
    for account in accounts:
        name = names.get(resolve_agent(mapping, account))
        labels[account] = f"{name}（{account}）" if name and name != account else account
    return labels


def transcript(
    db: sqlite_utils.Database, actor: Actor, project_id: int, day: date, agent: str, buyer: str
) -> pd.DataFrame:
    """The messages of one chat in time order."""
    require_project(db, actor, project_id, "kpi.read")
    data = rows(
        db,
        "SELECT time, sender, content FROM chat_messages WHERE project_id = ? AND day = ? AND agent = ? AND buyer = ? ORDER BY time, id",
        [project_id, day.isoformat(), agent, buyer],
    )
    return pd.DataFrame(data, columns=["time", "sender", "content"])


def imports(db: sqlite_utils.Database, actor: Actor, project_id: int) -> list[dict]:
    """The project's imports, newest first."""
    require_project(db, actor, project_id, "kpi.read")
    return rows(
        db,
        """SELECT i.id, i.kind, i.filenames, i.date_from, i.date_to, i.messages, i.orders, i.rows, i.created_at,
                              u.display_name AS created_by FROM kpi_imports i LEFT JOIN users u ON u.id = i.created_by
                       WHERE i.project_id = ? ORDER BY i.id DESC""",
        [project_id],
    )


# --- the agent's own view -----------------------------------------------------------------------


def own_kpis(db: sqlite_utils.Database, actor: Actor, start: date, end: date) -> dict[str, Any]:
    """An agent's own figures per project over the period, and its rank in each team.

    Other agents appear only as a count (rank k of n), never by name or figure.
    """
    from core.agents import directory

    agent = directory.agent_for_user(db, actor.id)
    if agent is None:
        return {"agent": None, "projects": []}
    result = []
    for project_id in sorted(
        {r["project_id"] for r in db.query("SELECT project_id FROM project_agents WHERE agent_id = ?", [agent["id"]])}
    ):
        mapping = agent_name_map(db, project_id)
        data = rows(
            db,
            f"SELECT day, agent, {', '.join(STORED_METRICS)} FROM kpi_agent_daily WHERE project_id = ? AND day BETWEEN ? AND ? ORDER BY day",
            [project_id, start.isoformat(), end.isoformat()],
        )
        frame = _frame(data, ["day", "agent", *STORED_METRICS])
        if frame.empty:
            continue
        frame["agent_id"] = [resolve_agent(mapping, a) for a in frame["agent"]]
        mine = frame[frame["agent_id"] == agent["id"]]
        team = [aggregate(g) for _, g in frame.groupby("agent")]
        figures = aggregate(mine)
        rank = None
        if figures["conversion_rate"] is not None:
            rank = 1 + sum(1 for other in team if (other["conversion_rate"] or 0) > figures["conversion_rate"])
        project = one(
            db,
            "SELECT p.name, m.name AS merchant_name FROM projects p JOIN merchants m ON m.id = p.merchant_id WHERE p.id = ?",
            [project_id],
        )
        result.append(
            {
                "project_id": project_id,
                "project": f"{project['merchant_name']} · {project['name']}",
                "figures": figures,
                "days": mine.drop(columns=["agent_id"]).reset_index(drop=True),
                "rank": rank,
                "team_size": len(team),
            }
        )
    return {"agent": agent, "projects": result}


def roster_choices(db: sqlite_utils.Database, actor: Actor, project_id: int) -> list[dict]:
    """Roster agents a file name can be mapped to: the project's team first, then everyone else."""
    require_project(db, actor, project_id, "kpi.import")
    return rows(
        db,
        """SELECT a.id, a.name, a.employee_no,
                              EXISTS (SELECT 1 FROM project_agents pa WHERE pa.agent_id = a.id AND pa.project_id = ?) AS on_team
                       FROM agents a WHERE a.status != 'left' ORDER BY on_team DESC, a.name""",
        [project_id],
    )
