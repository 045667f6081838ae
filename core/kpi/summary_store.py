"""Platform summary exports into the store: the project's import settings, preview and import.

A summary's rows become the agent days they cover (replacing those days) and the shop day derived
from them, only on days without raw-log figures; the platform's own figures of every row are kept
beside ours (platform_agent_daily) for reconciliation. All or nothing (one write transaction).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import sqlite_utils

from core.kernel import audit, config
from core.kernel.db import one, write
from core.kernel.errors import ValidationError
from core.kernel.permissions import Actor, is_merchant, require_project
from core.kpi import profiles, summary_import
from core.kpi.daily_figures import INSERT_CHUNK, STORED_METRICS, targets
from core.kpi.roster_names import unknown_agents

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
    goal = targets(db, actor, project_id) if not is_merchant(actor) else {}
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
        "INSERT OR REPLACE INTO platform_agent_daily (project_id, day, agent, profile, figures, pending, "
        "import_id, imported_at) "
        "VALUES (?,?,?,?,?,?,?,?)"
    )
    shop_level = bool(parsed.profile and profiles.BY_KEY[parsed.profile].shop_level) or ("agent" not in parsed.fields)
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
