"""Reconciliation: our figures from the raw chat logs beside the platform's own figures of the same days.

A merchant compares our report with its backend and finds other numbers. This module puts, per
agent and day, every KPI both sides have side by side: ours (`kpi_agent_daily` rows computed
from the imported raw logs, `source = 'raw'`) and the platform's (`platform_agent_daily`, as the
summary import stored it), the difference, whether it is above the project's tolerance, and
the likely reason in the definitions.

Rules, each tested in tests/core/kpi/test_reconciliation.py:

Agents
    A log writes "店铺:小美", a summary "小美" or an alias: both sides are tied to the roster
    agent (`roster_names.resolve_agent`), else to the name after the shop prefix
    (`roster_names.name_key`). Agents on one side only are listed too (`only_ours`,
    `only_platform`). Several rows of one side for one agent and day (two spellings in one log)
    are recomputed as one from their counts (`daily_figures.aggregate`).
Which platform figure
    The platform's `figures` keys are a field name with variant suffixes: `_person` /
    `_session` (per person / per session) and `_service` / `_allday` (service hours / whole day).
    Of the variants a KPI has, the one closest to our definition is compared and named in the
    result (`variant`): first the KPI itself before a stand-in (接待人数 or 询单人数 for 咨询人数),
    then the dimension of ours (per wait for the response rate and average response time, per
    buyer for the rest), then the window (the service-hours figure for KPIs we count inside the
    project's window, the whole-day or unmarked figure for the others).
What is compared
    A KPI is compared on an agent-day when we have a figure and the platform has a value for it,
    or lists it as pending (延迟统计): then the cell shows pending, is never flagged, and the
    reason says the platform has not settled it yet.
Difference and tolerance
    `diff` = ours − platform, in the KPI's unit (rates as fractions, so 0.021 = 2.1 points;
    money rounded half-up to the fen). `rel_diff` = diff / platform for counts, times and money
    (None for rates, and when the platform figure is 0). A cell is flagged when the difference
    is *above* the tolerance, a fraction: for rates the difference in points (0.05 = 5 points),
    for everything else the relative difference (0.05 = 5 %). Exactly at the tolerance is not
    flagged (compared after rounding to 9 decimals, so 0.80 − 0.75 is 0.05). A platform figure of
    0 against ours above 0 is flagged (infinitely far apart).
Likely reasons (codes, in this order; rendered by `reconcile_display.reason_text`)
    `pending`         the platform has not settled the figure (延迟统计).
    `window_allday`   the compared figure is the platform's whole-day one, ours counts the window.
    `window`          the platform's service hours (or the window its rule page states) differ
                      from the project's window; a service-hours figure of a profile without a
                      stated window is taken as 08:00–23:00.
    `window_service`  a KPI we count all day compared with the platform's service-hours figure.
    `unit`            the project counts a wait per message or per turn, the platform the other
                      way (Pinduoduo per message, Taobao/Tmall per turn).
    `robot`           the platform counts robot replies (智能辅助) as human replies (Douyin); ours
                      does not (with the number of automatic replies in our log that day).
    `per_session` / `per_person`  the compared figure is per session or per person, ours per
                      buyer or per wait.
    `stand_in`        no such figure: 咨询人数 compared with 接待人数 or 询单人数.
    `attribution`     orders: the platform credits them by its own rule (e.g. 询单最终付款),
                      ours to the chat before the order within the attribution days.
    `unexplained`     the definitions agree: look at the data (chats missing from the log, a
                      name tied to the wrong roster agent). Only on a flagged cell.
    Reasons are given only for a cell whose figures differ.
Access
    Managers and the admin read and set the tolerance; QA reads; merchants, trainers and agents
    never: this is an internal comparison (a merchant gets our report, not our working).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd
import sqlite_utils

from core.kernel import audit, config
from core.kernel.db import one, rows, write
from core.kernel.errors import FieldError, ValidationError
from core.kernel.permissions import Actor, can, require_project
from core.kpi import daily_figures, roster_names, summary_store
from core.kpi import settings as kpi_settings

READ, WRITE = "kpi.reconcile.read", "kpi.reconcile.write"


READ, WRITE = "kpi.reconcile.read", "kpi.reconcile.write"


DEFAULT_TOLERANCE = summary_store.DEFAULT_TOLERANCE


DEFAULT_FLAVOUR = summary_store.DEFAULT_FLAVOUR


FLAVOURS = summary_store.FLAVOURS


DEFAULT_WINDOW = ("08:00", "23:00")  # the platforms' convention for "service hours" (PDD's 8-23点)


ALERT_LOOKBACK_DAYS = 7


DEFAULT_PERIOD_DAYS = 7


RATE, COUNT, TIME, MONEY, NUMBER = "rate", "count", "time", "money", "number"


SUFFIXES = ("person", "session", "service", "allday")


@dataclass(frozen=True)
class KpiRule:
    """How one of our KPIs is defined, as far as the platform's definitions can differ from it."""

    name: str
    kind: str
    dimension: str | None  # one unit of ours: 'wait' (a message or turn), 'person' (a buyer's chat), None (orders)
    windowed: bool = False  # counted only inside the project's service window
    wait_based: bool = False  # depends on what one wait is (message or turn)
    replies: bool = False  # depends on which replies count as human
    attributed: bool = False  # depends on how orders are credited to agents
    stand_ins: tuple[str, ...] = ()  # platform fields compared when the platform lacks this one


KPIS: tuple[KpiRule, ...] = (
    KpiRule("consultations", COUNT, "person", stand_ins=("receptions", "inquiries")),
    KpiRule("response_30s_rate", RATE, "wait", windowed=True, wait_based=True, replies=True),
    KpiRule("avg_response_s", TIME, "wait", windowed=True, wait_based=True, replies=True),
    KpiRule("first_response_s", TIME, "person", windowed=True, replies=True),
    KpiRule("effective_reply_rate", RATE, "person", replies=True),
    KpiRule("converted", COUNT, "person", attributed=True),
    KpiRule("conversion_rate", RATE, "person", attributed=True),
    KpiRule("sales", MONEY, None, attributed=True),
    KpiRule("items", COUNT, None, attributed=True),
    KpiRule("aov", MONEY, None, attributed=True),
    KpiRule("items_per_buyer", NUMBER, None, attributed=True),
    KpiRule("satisfaction", RATE, "person"),
)


KPI_RULES = {rule.name: rule for rule in KPIS}


@dataclass(frozen=True)
class PlatformRule:
    """The platform's own definitions, from its rule pages (shared/spec/platform-exports.md)."""

    platform: str
    unit: str | None = None  # what one wait is: 'message', 'turn'; None when not known
    robot_as_human: bool = False  # robot replies (智能辅助) count as human replies
    service_window: tuple[str, str] | None = None  # the window of its service-hours (_service) figures
    plain_windows: dict[str, tuple[str, str]] = field(default_factory=dict)  # KPI -> window of its unmarked figure
    attribution: str = ""  # how it credits orders, in its own words


PLATFORM_RULES: dict[str, PlatformRule] = {
    "pdd": PlatformRule("pdd", unit="message", service_window=("08:00", "23:00"), attribution="最终成团"),
    "taobao": PlatformRule("taobao", unit="turn", attribution="询单最终付款"),
    "tmall": PlatformRule("tmall", unit="turn", attribution="询单最终付款"),
    # 首响/平响 counted 08:00:00–22:59:59; 工作时间 figures likewise; robot 智能辅助 replies count as human
    "douyin": PlatformRule(
        "douyin",
        robot_as_human=True,
        service_window=("08:00", "23:00"),
        plain_windows={"avg_response_s": ("08:00", "23:00"), "first_response_s": ("08:00", "23:00")},
        attribution="询单支付",
    ),
    # the 30-second rate leaves out chats started 23:00–09:00
    "jd": PlatformRule("jd", plain_windows={"response_30s_rate": ("09:00", "23:00")}, attribution="促成下单"),
    "kuaishou": PlatformRule("kuaishou"),
}


PLATFORM_ALIASES = {"pinduoduo": "pdd", "tb": "taobao", "dy": "douyin", "ks": "kuaishou"}


CELL_COLUMNS = [
    "day",
    "agent_id",
    "agent",
    "our_name",
    "platform_name",
    "profile",
    "kpi",
    "kind",
    "variant",
    "ours",
    "platform",
    "diff",
    "rel_diff",
    "flagged",
    "pending",
    "reasons",
]


SIDE_COLUMNS = ["day", "agent_id", "agent", "name"]


import_settings = summary_store.import_settings  # one reader of project_import_settings


def get_settings(db: sqlite_utils.Database, actor: Actor, project_id: int) -> dict[str, Any]:
    """`import_settings` for a user who may read the reconciliation."""
    require_project(db, actor, project_id, READ)
    return import_settings(db, project_id)


def save_settings(
    db: sqlite_utils.Database, actor: Actor, project_id: int, tolerance: float | None = None, flavour: str | None = None
) -> dict[str, Any]:
    """Set the project's reconciliation tolerance (a fraction, 0–1) and/or flavour; audited.

    None leaves a value as it is. Returns the settings after the change.
    """
    require_project(db, actor, project_id, WRITE)
    before = import_settings(db, project_id)
    errors: list[FieldError] = []
    new_tolerance = before["tolerance"]
    if isinstance(tolerance, bool):
        errors.append(FieldError("reconcile_tolerance", "err.invalid_value"))
    elif tolerance is not None:
        try:
            new_tolerance = float(tolerance)
        except (TypeError, ValueError):
            errors.append(FieldError("reconcile_tolerance", "err.invalid_value"))
        else:
            if not (0 <= new_tolerance <= 1) or new_tolerance != new_tolerance:
                errors.append(FieldError("reconcile_tolerance", "err.rate_range"))
    new_flavour = before["flavour"] if flavour is None else flavour
    if new_flavour not in FLAVOURS:
        errors.append(FieldError("flavour", "err.invalid_choice"))
    if errors:
        raise ValidationError(errors)
    new_tolerance = round(new_tolerance, 6)
    after = {"flavour": new_flavour, "tolerance": new_tolerance}
    if after == {"flavour": before["flavour"], "tolerance": before["tolerance"]} and before["updated_at"] is not None:
        return import_settings(db, project_id)
    with write(db):
        db["project_import_settings"].insert(
            {
                "project_id": project_id,
                "flavour": new_flavour,
                "reconcile_tolerance": new_tolerance,
                "updated_by": actor.id,
                "updated_at": config.now_text(),
            },
            replace=True,
        )
        audit.record(
            db,
            actor,
            "update",
            "project_import_settings",
            project_id,
            {"flavour": before["flavour"], "tolerance": before["tolerance"]},
            after,
        )
    return import_settings(db, project_id)


def platform_rule(profile: str) -> PlatformRule:
    """The definitions of the platform a profile key belongs to ('pdd_performance' → PDD); unknown: none known."""
    prefix = re.split(r"[_\-.]", (profile or "").strip().lower())[0]
    prefix = PLATFORM_ALIASES.get(prefix, prefix)
    return PLATFORM_RULES.get(prefix, PlatformRule(prefix or ""))


def split_field(key: str) -> tuple[str, frozenset[str]]:
    """A figures key as (field, variant suffixes): 'avg_response_s_session_service' →
    ('avg_response_s', {session, service})."""
    base, found = key, set()
    changed = True
    while changed:
        changed = False
        for suffix in SUFFIXES:
            if base.endswith(f"_{suffix}") and suffix not in found:
                base, changed = base[: -len(suffix) - 1], True
                found.add(suffix)
    return base, frozenset(found)


def _dimension_rank(rule: KpiRule, suffixes: frozenset[str]) -> int:
    if rule.dimension == "wait":
        return 0 if not suffixes & {"person", "session"} else (1 if "session" in suffixes else 2)
    if rule.dimension == "person":
        return 1 if "session" in suffixes else 0
    return 1 if suffixes & {"person", "session"} else 0


def _window_rank(rule: KpiRule, suffixes: frozenset[str]) -> int:
    if rule.windowed:
        return 0 if "service" in suffixes else (2 if "allday" in suffixes else 1)
    return 2 if "service" in suffixes else (1 if "allday" in suffixes else 0)


def choose_variant(rule: KpiRule, keys: list[str]) -> str | None:
    """Of the platform's field keys, the one that matches our definition of `rule` best (None: none is this KPI)."""
    candidates = []
    for key in keys:
        base, suffixes = split_field(key)
        fields = (rule.name, *rule.stand_ins)
        if base in fields:
            candidates.append(
                ((fields.index(base), _dimension_rank(rule, suffixes), _window_rank(rule, suffixes), key), key)
            )
    return min(candidates)[1] if candidates else None


def _window_text(window: tuple[str, str]) -> str:
    return f"{window[0]}–{window[1]}"


def _clock(text: str) -> str:
    hours, _, minutes = str(text).partition(":")
    return f"{int(hours):02d}:{int(minutes or 0):02d}"


def reasons_for(
    rule: KpiRule, variant: str, platform: PlatformRule, settings: dict[str, Any], auto_replies: int = 0
) -> list[tuple[str, dict]]:
    """The likely reasons a figure of ours and the platform's `variant` differ (see the module docstring)."""
    base, suffixes = split_field(variant)
    ours_window = (_clock(settings["window_start"]), _clock(settings["window_end"]))
    found: list[tuple[str, dict]] = []
    if rule.windowed:
        if "allday" in suffixes:
            found.append(("window_allday", {"ours": _window_text(ours_window)}))
        else:
            theirs = (
                (platform.service_window or DEFAULT_WINDOW)
                if "service" in suffixes
                else platform.plain_windows.get(rule.name)
            )
            if theirs is not None and theirs != ours_window:
                found.append(("window", {"ours": _window_text(ours_window), "platform": _window_text(theirs)}))
    elif "service" in suffixes:
        found.append(("window_service", {"platform": _window_text(platform.service_window or DEFAULT_WINDOW)}))
    if rule.wait_based and platform.unit and platform.unit != settings["response_unit"]:
        found.append(("unit", {"ours": settings["response_unit"], "platform": platform.unit}))
    if rule.replies and platform.robot_as_human:
        found.append(("robot", {"n": int(auto_replies)}))
    if "session" in suffixes and rule.dimension != "session":
        found.append(("per_session", {"ours": rule.dimension or "order"}))
    elif "person" in suffixes and rule.dimension == "wait":
        found.append(("per_person", {"ours": rule.dimension}))
    if base != rule.name:
        found.append(("stand_in", {"field": base}))
    if rule.attributed:
        found.append(
            ("attribution", {"days": int(settings.get("attribution_days", 1)), "platform": platform.attribution})
        )
    return found or [("unexplained", {})]


def round_money(value: float) -> float:
    return float(Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def compare(kind: str, ours: float, platform: float, tolerance: float) -> dict[str, Any]:
    """diff, rel_diff and flagged of one cell (see 'Difference and tolerance' above)."""
    diff = float(ours) - float(platform)
    if kind == MONEY:
        diff = round_money(diff)
    rel = None
    if kind != RATE and float(platform) != 0:
        rel = diff / float(platform)
    if kind == RATE:
        flagged = round(abs(diff), 9) > tolerance
    elif float(platform) == 0:
        flagged = round(abs(diff), 9) > 0
    else:
        flagged = round(abs(rel), 9) > tolerance
    return {"diff": diff, "rel_diff": rel, "flagged": bool(flagged)}


def _number_of(value: Any) -> float | None:
    """A stored figure as a float; None for a missing one (None, NaN, text that is not a number)."""
    if value is None or isinstance(value, (bool, dict, list)):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else number


@dataclass
class Reconciliation:
    """Our figures beside the platform's for a project and period."""

    project_id: int
    start: date
    end: date
    cells: pd.DataFrame
    only_ours: pd.DataFrame
    only_platform: pd.DataFrame
    raw_days: list[str]
    platform_days: list[str]
    tolerance: float
    flavour: str
    settings: dict[str, Any]
    profiles: list[str]

    @property
    def both_days(self) -> list[str]:
        return sorted(set(self.raw_days) & set(self.platform_days))

    @property
    def missing_platform(self) -> list[str]:
        """Days with raw logs but no platform summary: the summary import of these days is missing."""
        return sorted(set(self.raw_days) - set(self.platform_days))

    @property
    def missing_raw(self) -> list[str]:
        """Days with a platform summary but no raw logs: the raw import of these days is missing."""
        return sorted(set(self.platform_days) - set(self.raw_days))

    @property
    def flagged_count(self) -> int:
        return int(self.cells["flagged"].sum()) if len(self.cells) else 0


def _agent_keys(db: sqlite_utils.Database, project_id: int):
    mapping = roster_names.agent_name_map(db, project_id)
    names = {r["id"]: r["name"] for r in db.query("SELECT id, name FROM agents")}

    def key_of(name: str) -> tuple[tuple[str, Any], int | None, str]:
        agent_id = roster_names.resolve_agent(mapping, name)
        if agent_id is not None:
            return ("agent", agent_id), agent_id, names.get(agent_id, roster_names.name_key(name))
        return ("name", roster_names.name_key(name)), None, roster_names.name_key(name)

    return key_of


def reconcile(db: sqlite_utils.Database, actor: Actor, project_id: int, start: date, end: date) -> Reconciliation:
    """Per agent and day of [start, end], every KPI both sides have: ours, the platform's, the difference,
    flag and reasons."""
    require_project(db, actor, project_id, READ)
    span = [project_id, start.isoformat(), end.isoformat()]
    ours = rows(
        db,
        f"""SELECT day, agent, {", ".join(daily_figures.STORED_METRICS)} FROM kpi_agent_daily
                        WHERE project_id = ? AND day BETWEEN ? AND ? AND source = 'raw' ORDER BY day, agent""",
        span,
    )
    theirs = rows(
        db,
        """SELECT day, agent, profile, figures, pending FROM platform_agent_daily
                         WHERE project_id = ? AND day BETWEEN ? AND ? ORDER BY day, agent""",
        span,
    )
    autos = {
        (r["day"], r["agent"]): r["n"]
        for r in db.query(
            """SELECT day, agent, COUNT(*) AS n FROM chat_messages WHERE project_id = ? AND day BETWEEN ? AND ? """
            """AND sender = 'auto'
           GROUP BY day, agent""",
            span,
        )
    }
    settings = kpi_settings.settings_for(db, project_id).to_dict()
    stored = import_settings(db, project_id)
    tolerance = stored["tolerance"]
    key_of = _agent_keys(db, project_id)

    our_groups: dict[tuple, dict] = {}
    for row in ours:
        key, agent_id, label = key_of(row["agent"])
        group = our_groups.setdefault(
            (row["day"], key), {"agent_id": agent_id, "agent": label, "names": [], "rows": []}
        )
        group["names"].append(row["agent"])
        group["rows"].append(row)
    their_groups: dict[tuple, dict] = {}
    for row in theirs:
        key, agent_id, label = key_of(row["agent"])
        if (row["day"], key) in their_groups:
            continue  # the summary import keeps one row per agent and day; a second spelling adds nothing new
        figures = json.loads(row["figures"] or "{}")
        pending = json.loads(row["pending"] or "[]")
        their_groups[(row["day"], key)] = {
            "agent_id": agent_id,
            "agent": label,
            "name": row["agent"],
            "profile": row["profile"] or "",
            "figures": figures if isinstance(figures, dict) else {},
            "pending": [p for p in pending if isinstance(p, str)] if isinstance(pending, list) else [],
        }

    cells: list[dict[str, Any]] = []
    for group_key in sorted(set(our_groups) & set(their_groups), key=lambda k: (k[0], our_groups[k]["agent"])):
        mine, platform = our_groups[group_key], their_groups[group_key]
        if len(mine["rows"]) == 1:
            figures = mine["rows"][0]
        else:  # two spellings of one agent in the log: one figure set, recomputed from the counts
            frame = pd.DataFrame(mine["rows"])[list(daily_figures.STORED_METRICS)].apply(pd.to_numeric, errors="coerce")
            figures = daily_figures.aggregate(frame)
        rule_of_platform = platform_rule(platform["profile"])
        values = {k: n for k, n in ((k, _number_of(v)) for k, v in platform["figures"].items()) if n is not None}
        auto_replies = sum(autos.get((group_key[0], name), 0) for name in mine["names"])
        for rule in KPIS:
            value = _number_of(figures.get(rule.name))
            if value is None:
                continue
            base = {
                "day": group_key[0],
                "agent_id": mine["agent_id"],
                "agent": mine["agent"],
                "our_name": "、".join(mine["names"]),
                "platform_name": platform["name"],
                "profile": platform["profile"],
                "kpi": rule.name,
                "kind": rule.kind,
                "ours": value,
            }
            variant = choose_variant(rule, list(values))
            if variant is None:
                waiting = choose_variant(rule, platform["pending"])
                if waiting is not None:
                    cells.append(
                        {
                            **base,
                            "variant": waiting,
                            "platform": None,
                            "diff": None,
                            "rel_diff": None,
                            "flagged": False,
                            "pending": True,
                            "reasons": [("pending", {})],
                        }
                    )
                continue
            result = compare(rule.kind, value, values[variant], tolerance)
            reasons = (
                reasons_for(rule, variant, rule_of_platform, settings, auto_replies) if result["diff"] != 0 else []
            )
            if reasons == [("unexplained", {})] and not result["flagged"]:
                reasons = []  # a small difference the definitions do not explain: not worth a warning
            cells.append(
                {
                    **base,
                    "variant": variant,
                    "platform": values[variant],
                    **result,
                    "pending": False,
                    "reasons": reasons,
                }
            )

    def one_side(groups: dict, other: dict, name_of) -> pd.DataFrame:
        records = [
            {"day": k[0], "agent_id": g["agent_id"], "agent": g["agent"], "name": name_of(g)}
            for k, g in groups.items()
            if k not in other
        ]
        return pd.DataFrame(sorted(records, key=lambda r: (r["day"], r["agent"])), columns=SIDE_COLUMNS)

    frame = pd.DataFrame(cells, columns=CELL_COLUMNS)
    for column in ("agent_id", "platform", "diff", "rel_diff"):  # a missing figure stays None, never NaN
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return Reconciliation(
        project_id=project_id,
        start=start,
        end=end,
        cells=frame,
        only_ours=one_side(our_groups, their_groups, lambda g: "、".join(g["names"])),
        only_platform=one_side(their_groups, our_groups, lambda g: g["name"]),
        raw_days=sorted({r["day"] for r in ours}),
        platform_days=sorted({r["day"] for r in theirs}),
        tolerance=tolerance,
        flavour=stored["flavour"],
        settings=settings,
        profiles=sorted({r["profile"] or "" for r in theirs}),
    )


def data_span(db: sqlite_utils.Database, actor: Actor, project_id: int) -> dict[str, tuple[date, date] | None]:
    """First and last day of our raw figures ('raw'), of the platform's ('platform') and of the days both
    have ('both')."""
    require_project(db, actor, project_id, READ)

    def span(sql: str) -> tuple[date, date] | None:
        row = one(db, sql, [project_id])
        return (date.fromisoformat(row["a"]), date.fromisoformat(row["b"])) if row and row["a"] else None

    both = one(
        db,
        """SELECT MIN(p.day) AS a, MAX(p.day) AS b FROM """
        """(SELECT DISTINCT day FROM platform_agent_daily WHERE project_id = ?) p
                      WHERE EXISTS (SELECT 1 FROM kpi_agent_daily k WHERE k.project_id = ? AND k.day = p.day """
        """AND k.source = 'raw')""",
        [project_id, project_id],
    )
    return {
        "raw": span("SELECT MIN(day) AS a, MAX(day) AS b FROM kpi_agent_daily WHERE project_id = ? AND source = 'raw'"),
        "platform": span("SELECT MIN(day) AS a, MAX(day) AS b FROM platform_agent_daily WHERE project_id = ?"),
        "both": (date.fromisoformat(both["a"]), date.fromisoformat(both["b"])) if both and both["a"] else None,
    }


def default_period(
    span: dict[str, tuple[date, date] | None], days: int = DEFAULT_PERIOD_DAYS
) -> tuple[date, date] | None:
    """The last `days` days up to the last day both sides have (else the last day either has); None without data."""
    chosen = span.get("both") or span.get("platform") or span.get("raw")
    if chosen is None:
        return None
    first, last = chosen
    return max(first, last - timedelta(days=days - 1)), last


def filter_cells(cells: pd.DataFrame, agent_query: str = "", flagged_only: bool = False) -> pd.DataFrame:
    """The cells of agents whose name (roster, log or platform spelling) contains the query; optionally flagged only."""
    keep = pd.Series(True, index=cells.index)
    query = agent_query.strip().lower()
    if query:
        keep &= (
            cells["agent"].astype(str).str.lower().str.contains(query, regex=False)
            | cells["our_name"].astype(str).str.lower().str.contains(query, regex=False)
            | cells["platform_name"].astype(str).str.lower().str.contains(query, regex=False)
        )
    if flagged_only:
        keep &= cells["flagged"].astype(bool)
    return cells[keep].reset_index(drop=True)


def filter_side(side: pd.DataFrame, agent_query: str = "") -> pd.DataFrame:
    """Agents of one side only, narrowed by the same search as the cells."""
    query = agent_query.strip().lower()
    if not query:
        return side
    keep = side["agent"].astype(str).str.lower().str.contains(query, regex=False) | side["name"].astype(
        str
    ).str.lower().str.contains(query, regex=False)
    return side[keep].reset_index(drop=True)


def flagged_by_project(
    db: sqlite_utils.Database, actor: Actor, today: date | None = None, lookback: int = ALERT_LOOKBACK_DAYS
) -> list[dict[str, Any]]:
    """For the home alerts: per project, the latest day of the last `lookback` days that both sides
    have, with its number of cells above the tolerance; only projects with at least one.

    One alert per project and day, never one per cell. Empty for a user who may not read the
    reconciliation.
    """
    if not can(actor, READ):
        return []
    from core.projects import merchants  # late: merchants is below us, but only the alerts need it

    day = today or config.today()
    labels = {p["id"]: f"{p['merchant_name']} · {p['name']}" for p in merchants.list_projects(db, actor)}
    latest = rows(
        db,
        """SELECT p.project_id, MAX(p.day) AS day FROM platform_agent_daily p
                         WHERE p.day BETWEEN ? AND ? AND EXISTS """
        """(SELECT 1 FROM kpi_agent_daily k WHERE k.project_id = p.project_id
                                                                 AND k.day = p.day AND k.source = 'raw')
                         GROUP BY p.project_id ORDER BY p.project_id""",
        [(day - timedelta(days=lookback)).isoformat(), day.isoformat()],
    )
    found = []
    for entry in latest:
        if entry["project_id"] not in labels:
            continue
        on = date.fromisoformat(entry["day"])
        n = reconcile(db, actor, entry["project_id"], on, on).flagged_count
        if n:
            found.append(
                {"project_id": entry["project_id"], "project": labels[entry["project_id"]], "day": entry["day"], "n": n}
            )
    return found
