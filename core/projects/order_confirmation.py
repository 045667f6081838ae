"""The order confirmation (服务之订单确认): one form per project, drafted, confirmed, versioned.

The form's fields are data (`FIELDS`), so the page draws them and core validates them from one
definition. Values are stored in storage units: rates as fractions, times in seconds, money in
yuan. Confirming freezes a version (a trigger refuses any later update of a confirmed row); a
later edit starts a new draft version.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlite_utils

from core.kernel import audit, config, formatting, workdays
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, NotFound, ValidationError
from core.kernel.permissions import Actor, require_project

SECTIONS = ("basics", "targets", "materials", "training", "golive", "qa", "other")
MAX_TEXT = 200
MAX_LONG_TEXT = 5000
MIN_GOLIVE_WORKING_DAYS = 3
MAX_GOLIVE_WORKING_DAYS = 7
TIME_PATTERN = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
NUMBER_KINDS = ("int", "seconds", "rate", "money")


@dataclass(frozen=True)
class Field:
    """One field of the form: its type drives the widget, the validation and the display."""

    name: str
    section: str
    kind: str  # text, long_text, int, seconds, rate, money, choice, bool, date, time
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    default: Any = None


FIELDS: tuple[Field, ...] = (
    Field("company_name", "basics", "text", True),
    Field("contact_name", "basics", "text", True),
    Field("contact_phone", "basics", "text", True),
    Field("service_type", "basics", "choice", True, ("presales", "aftersales", "both"), default="presales"),
    Field("service_hours_start", "basics", "time", True, default="08:00"),
    Field("service_hours_end", "basics", "time", True, default="23:00"),
    Field("agents_required", "basics", "int", True, minimum=1, default=1),
    Field("liaison", "basics", "text", True),
    Field("target_daily_inquiries", "targets", "int", True, minimum=1),
    Field("target_first_response_s", "targets", "seconds", True),
    Field("target_avg_response_s", "targets", "seconds", True),
    Field("target_response_30s_rate", "targets", "rate", True),
    Field("target_conversion_rate", "targets", "rate", True),
    Field("target_aov", "targets", "money", True),
    Field("target_satisfaction", "targets", "rate", True),
    Field("kpi_window_start", "targets", "time", True, default="08:00"),
    Field("kpi_window_end", "targets", "time", True, default="23:00"),
    Field("kpi_fast_threshold_s", "targets", "seconds", True, default=30),
    Field("kpi_response_unit", "targets", "choice", True, ("message", "turn"), default="message"),
    Field("kpi_attribution_days", "targets", "choice", True, ("0", "1"), default="1"),
    Field("materials_submitted", "materials", "bool", default=False),
    Field("materials_complete", "materials", "bool", default=False),
    Field("materials_missing", "materials", "long_text"),
    Field("materials_due_date", "materials", "date"),
    Field("trainer", "training", "choice", True, ("us", "merchant"), default="us"),
    Field("examiner", "training", "choice", True, ("us", "merchant", "both"), default="us"),
    Field("training_requirements", "training", "long_text"),
    Field("golive_requested_date", "golive", "date"),
    Field("golive_committed_date", "golive", "date", True),
    Field("qa_standard", "qa", "choice", True, ("ours", "merchant"), default="ours"),
    Field("other_requests", "other", "long_text"),
)
FIELDS_BY_NAME = {f.name: f for f in FIELDS}


def default_data(platform: str | None = None) -> dict[str, Any]:
    """A blank form with the defaults; Taobao-family shops count waits per turn."""
    data = {f.name: f.default for f in FIELDS}
    if platform in ("taobao", "tmall"):
        data["kpi_response_unit"] = "turn"
    return data


def percent_to_fraction(value: float | None) -> float | None:
    """Screen percentages (85.3) to stored fractions (0.853)."""
    return None if value is None else round(float(value) / 100, 6)


def fraction_to_percent(value: float | None) -> float | None:
    """Stored fractions (0.853) to screen percentages (85.3)."""
    return None if value is None else round(float(value) * 100, 4)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check_value(f: Field, value: Any) -> FieldError | None:
    """Type and range of one present value."""
    try:
        if f.kind == "text":
            if not isinstance(value, str):
                return FieldError(f.name, "err.invalid_value")
            if len(value) > MAX_TEXT:
                return FieldError(f.name, "err.too_long", {"n": MAX_TEXT})
        elif f.kind == "long_text":
            if not isinstance(value, str):
                return FieldError(f.name, "err.invalid_value")
            if len(value) > MAX_LONG_TEXT:
                return FieldError(f.name, "err.too_long", {"n": MAX_LONG_TEXT})
        elif f.kind in NUMBER_KINDS and (isinstance(value, bool) or not math.isfinite(float(value))):
            return FieldError(f.name, "err.invalid_value")  # NaN passes every range check below, infinity breaks int()
        elif f.kind == "int":
            if int(value) != float(value):
                return FieldError(f.name, "err.integer")
            if int(value) < (f.minimum if f.minimum is not None else 0):
                return FieldError(f.name, "err.min", {"min": int(f.minimum or 0)})
        elif f.kind in ("seconds", "money"):
            if float(value) <= 0:
                return FieldError(f.name, "err.positive")
        elif f.kind == "rate":
            if not 0 <= float(value) <= 1:
                return FieldError(f.name, "err.rate_range")
        elif f.kind == "choice":
            if str(value) not in f.choices:
                return FieldError(f.name, "err.invalid_choice")
        elif f.kind == "bool":
            if not isinstance(value, bool):
                return FieldError(f.name, "err.invalid_value")
        elif f.kind == "date":
            date.fromisoformat(str(value))
        elif f.kind == "time":
            if not TIME_PATTERN.match(str(value)):
                return FieldError(f.name, "err.time_format")
    except (TypeError, ValueError, OverflowError):
        return FieldError(f.name, "err.invalid_value")
    return None


def normalise(data: dict[str, Any]) -> dict[str, Any]:
    """Keep known fields only, blank strings as None, dates as ISO text, numbers as numbers."""
    clean: dict[str, Any] = {}
    for f in FIELDS:
        value = data.get(f.name)
        if isinstance(value, date):
            value = value.isoformat()
        if isinstance(value, str) and f.kind not in ("text", "long_text"):
            value = value.strip()
        if isinstance(value, str) and value and f.kind in NUMBER_KINDS:
            try:
                number = float(value)
            except ValueError:
                pass  # left as text: validate names it
            else:
                value = int(number) if f.kind == "int" and number.is_integer() else number
        if _is_blank(value) and f.kind not in ("bool",):
            value = None if f.kind not in ("text", "long_text") else ""
        clean[f.name] = value
    return clean


def validate(data: dict[str, Any], confirming: bool, today: date | None = None) -> list[FieldError]:
    """Every problem with the form: types and ranges always, required fields and dates on confirm."""
    errors: list[FieldError] = []
    for f in FIELDS:
        value = data.get(f.name)
        if _is_blank(value):
            if confirming and f.required:
                errors.append(FieldError(f.name, "err.required"))
            continue
        problem = _check_value(f, value)
        if problem:
            errors.append(problem)
    bad = {e.field for e in errors}
    for start, end in (("service_hours_start", "service_hours_end"), ("kpi_window_start", "kpi_window_end")):
        if data.get(start) and data.get(end) and start not in bad and end not in bad and data[start] >= data[end]:
            errors.append(FieldError(end, "err.end_before_start"))
    if confirming:
        if data.get("materials_submitted") and not data.get("materials_complete"):
            if _is_blank(data.get("materials_missing")):
                errors.append(FieldError("materials_missing", "err.required_when_incomplete"))
            if _is_blank(data.get("materials_due_date")):
                errors.append(FieldError("materials_due_date", "err.required_when_incomplete"))
        if not data.get("materials_submitted") and _is_blank(data.get("materials_due_date")):
            errors.append(FieldError("materials_due_date", "err.required_when_incomplete"))
        committed = data.get("golive_committed_date")
        if committed and "golive_committed_date" not in bad:
            if date.fromisoformat(committed) < (today or config.today()):
                errors.append(FieldError("golive_committed_date", "err.date_past"))
    return errors


def golive_proposal(
    confirm_day: date, requested: date | None, extra_days_off: frozenset[date] = frozenset()
) -> tuple[date, list[FieldError]]:
    """The go-live date to commit to, and warnings.

    Earliest is 3 working days after confirmation (China's calendar with 调休 and the admin's
    extra days off). A merchant date at or after that is proposed as it is; a sooner one is
    warned about and the earliest possible date proposed instead.
    """
    earliest = workdays.add_working_days(confirm_day, MIN_GOLIVE_WORKING_DAYS, extra_days_off)
    warnings: list[FieldError] = []
    if requested is None:
        return earliest, warnings
    if requested < earliest:
        warnings.append(
            FieldError(
                "golive_requested_date",
                "warn.golive_too_soon",
                {"n": MIN_GOLIVE_WORKING_DAYS, "earliest": earliest.isoformat()},
            )
        )
        return earliest, warnings
    return requested, warnings


def display_value(f: Field, value: Any, t: Callable[[str], str]) -> str:
    """A stored value as people read it: percentages, seconds, yuan, yes/no, choice labels."""
    if value is None or value == "":
        return "—"
    if f.kind == "rate":
        return f"{float(value) * 100:.1f}%"
    if f.kind == "seconds":
        return f"{float(value):g} s"
    if f.kind == "money":
        return formatting.money(value)
    if f.kind == "bool":
        return t("yes") if value else t("no")
    if f.kind == "choice":
        return t(f"choice.{f.name}.{value}")
    return str(value)


# --- storage ---------------------------------------------------------------------------------


def _parse(row: dict | None) -> dict | None:
    if row is None:
        return None
    return {**row, "data": json.loads(row["data"])}


def versions(db: sqlite_utils.Database, actor: Actor, project_id: int) -> list[dict]:
    """Every version of the project's form, newest first."""
    require_project(db, actor, project_id)
    return [
        _parse(r)
        for r in rows(db, "SELECT * FROM order_confirmations WHERE project_id = ? ORDER BY version DESC", [project_id])
    ]


def current(db: sqlite_utils.Database, actor: Actor, project_id: int) -> dict | None:
    """The version being worked on: the draft if there is one, else the latest confirmed."""
    all_versions = versions(db, actor, project_id)
    return all_versions[0] if all_versions else None


def latest_confirmed(db: sqlite_utils.Database, actor: Actor, project_id: int) -> dict | None:
    """The version in force: the newest confirmed one."""
    require_project(db, actor, project_id)
    return _parse(
        one(
            db,
            "SELECT * FROM order_confirmations WHERE project_id = ? AND status = 'confirmed' ORDER BY version DESC "
            "LIMIT 1",
            [project_id],
        )
    )


def _save(
    db: sqlite_utils.Database, actor: Actor, project_id: int, data: dict, status: str, qa_upload_id: int | None
) -> int:
    stamp = config.now_text()
    with write(db):
        draft = one(db, "SELECT * FROM order_confirmations WHERE project_id = ? AND status = 'draft'", [project_id])
        payload = json.dumps(data, ensure_ascii=False, sort_keys=True)
        fields: dict[str, Any] = {"data": payload, "updated_at": stamp, "status": status}
        if qa_upload_id is not None:
            fields["qa_standard_upload_id"] = qa_upload_id
        if status == "confirmed":
            fields |= {"confirmed_at": stamp, "confirmed_by": actor.id}
        if draft:
            if qa_upload_id is None:
                fields["qa_standard_upload_id"] = draft["qa_standard_upload_id"]
            db["order_confirmations"].update(draft["id"], fields)
            row_id, version, before = draft["id"], draft["version"], json.loads(draft["data"])
        else:
            previous = one(
                db,
                "SELECT MAX(version) AS v, (SELECT qa_standard_upload_id FROM order_confirmations WHERE project_id = "
                "? ORDER BY version DESC LIMIT 1) AS qa FROM order_confirmations WHERE project_id = ?",
                [project_id, project_id],
            )
            version = (previous["v"] or 0) + 1
            if qa_upload_id is None:
                fields["qa_standard_upload_id"] = previous["qa"]
            row_id = (
                db["order_confirmations"]
                .insert(
                    {
                        "project_id": project_id,
                        "version": version,
                        "created_at": stamp,
                        "created_by": actor.id,
                        **fields,
                    }
                )
                .last_pk
            )
            before = None
        audit.record(
            db,
            actor,
            "confirm" if status == "confirmed" else "save_draft",
            "order_confirmation",
            f"{project_id}/v{version}",
            before,
            data,
        )
    return int(row_id)


def save_draft(
    db: sqlite_utils.Database, actor: Actor, project_id: int, data: dict[str, Any], qa_upload_id: int | None = None
) -> int:
    """Save the form as it is (types and ranges checked, required fields not yet)."""
    require_project(db, actor, project_id, "order_confirmation.write")
    clean = normalise(data)
    errors = validate(clean, confirming=False)
    if errors:
        raise ValidationError(errors)
    return _save(db, actor, project_id, clean, "draft", qa_upload_id)


def confirm(
    db: sqlite_utils.Database,
    actor: Actor,
    project_id: int,
    data: dict[str, Any],
    qa_upload_id: int | None = None,
    today: date | None = None,
) -> int:
    """Validate the whole form and freeze it as a confirmed version."""
    require_project(db, actor, project_id, "order_confirmation.write")
    clean = normalise(data)
    errors = validate(clean, confirming=True, today=today)
    if clean.get("qa_standard") == "merchant":
        existing = one(
            db,
            "SELECT qa_standard_upload_id FROM order_confirmations WHERE project_id = ? ORDER BY version DESC LIMIT 1",
            [project_id],
        )
        if qa_upload_id is None and not (existing and existing["qa_standard_upload_id"]):
            errors.append(FieldError("qa_standard", "err.qa_upload_required"))
    if errors:
        raise ValidationError(errors)
    return _save(db, actor, project_id, clean, "confirmed", qa_upload_id)


def compare(db: sqlite_utils.Database, actor: Actor, project_id: int, version_a: int, version_b: int) -> list[dict]:
    """Two versions side by side: one row per field with both values and whether it changed."""
    by_version = {v["version"]: v for v in versions(db, actor, project_id)}
    if version_a not in by_version or version_b not in by_version:
        raise NotFound("version")
    a, b = by_version[version_a]["data"], by_version[version_b]["data"]
    return [
        {
            "section": f.section,
            "field": f.name,
            "a": a.get(f.name),
            "b": b.get(f.name),
            "changed": a.get(f.name) != b.get(f.name),
        }
        for f in FIELDS
    ]


def kpi_settings(db: sqlite_utils.Database, project_id: int) -> dict[str, Any]:
    """The KPI settings agreed with the merchant (spec defaults until a version is confirmed)."""
    row = one(
        db,
        "SELECT data FROM order_confirmations WHERE project_id = ? AND status = 'confirmed' ORDER BY version DESC "
        "LIMIT 1",
        [project_id],
    )
    data = json.loads(row["data"]) if row else {}
    return {
        "window_start": data.get("kpi_window_start") or "08:00",
        "window_end": data.get("kpi_window_end") or "23:00",
        "fast_threshold_s": int(data.get("kpi_fast_threshold_s") or 30),
        "response_unit": data.get("kpi_response_unit") or "message",
        "attribution_days": int(data.get("kpi_attribution_days") or 1),
    }
