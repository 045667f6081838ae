"""Raw chat logs (and orders) into the store: preview, import, and the recompute of the days around them.

The engine (`core.kpi.engine`) computes; this module decides what is stored. Every computed
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
from core.kernel.db import write
from core.kernel.errors import FieldError, ValidationError
from core.kernel.permissions import Actor, require_project
from core.kpi import engine, hourly, raw_cells, raw_import, templates
from core.kpi.daily_figures import INSERT_CHUNK, METRICS
from core.kpi.roster_names import unknown_agents
from core.kpi.settings import settings_for

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
        cells = raw_cells.read_cells(data, filename)
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
    headers = raw_cells.sniff_headers(data, filename)
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
                "INSERT INTO chat_messages (project_id, day, time, buyer, agent, sender, content, "
                "import_id) VALUES (?,?,?,?,?,?,?,?)",
                [(*r, import_id) for r in chunk],
            )
            report(0.6 * min(1.0, (start + len(chunk)) / max(1, len(records))), "messages")
        if preview.orders is not None and len(preview.orders):
            o = preview.orders
            paid = _text_times(o["paid_at"]).where(o["paid_at"].notna() & (o["paid_at"].astype(str) != ""), None)
            db.conn.executemany(
                """INSERT INTO chat_orders (project_id, order_id, buyer, created_at, paid_at, amount, items, """
                """status, import_id)
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
        f"INSERT OR REPLACE INTO kpi_agent_daily (project_id, day, agent, {columns}, source, extra, "
        f"settings, import_id, computed_at) VALUES ({marks})",
        [[project_id, *values, *tail] for values in _row_values(agent_frame, ["date", "agent", *METRICS])],
    )
    marks = ", ".join("?" * (len(METRICS) + 2 + len(tail)))
    db.conn.executemany(
        f"INSERT OR REPLACE INTO kpi_shop_daily (project_id, day, {columns}, source, extra, settings, "
        f"import_id, computed_at) VALUES ({marks})",
        [[project_id, *values, *tail] for values in _row_values(shop_frame, ["date", *METRICS])],
    )
    hourly.store(db, project_id, day_from, day_to, messages, settings)  # the per-hour figures of the same days
    return len(agent_frame) + len(shop_frame)
