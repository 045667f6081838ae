"""A reconciliation as people read it: values in their units, differences in points or percent,
variants, reasons and profiles in words (zh / en), the table the page shows and the sheets of
the Excel export. The comparison itself is core.kpi.reconciliation.
"""

from __future__ import annotations

import pandas as pd

from core.kernel import formatting, i18n
from core.kpi.reconciliation import (
    COUNT,
    MONEY,
    NUMBER,
    RATE,
    SUFFIXES,
    TIME,
    Reconciliation,
    platform_rule,
    round_money,
    split_field,
)

READ, WRITE = "kpi.reconcile.read", "kpi.reconcile.write"


def _number(kind: str, value: float | None) -> float | None:
    """A figure in the unit people read: rates as percentages, money to the fen."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if kind == RATE:
        return round(float(value) * 100, 2)
    if kind == MONEY:
        return round_money(value)
    if kind == NUMBER:
        return round(float(value), 2)
    if kind == TIME:
        return round(float(value), 1)
    return round(float(value), 2) if not float(value).is_integer() else float(value)


def format_value(kind: str, value: float | None) -> str:
    """A figure as text: '85.3%', '12.0 秒'/'12.0 s', '¥1,234.50', '1,234'."""
    number = _number(kind, value)
    if number is None:
        return "—"
    if kind == RATE:
        return f"{number:.1f}%"
    if kind == TIME:
        return f"{number:.1f} s"
    if kind == MONEY:
        return formatting.money(number)
    if kind == NUMBER:
        return f"{number:.2f}"
    return f"{number:,.0f}" if float(number).is_integer() else f"{number:,.1f}"


def format_diff(kind: str, diff: float | None, rel: float | None, lang: str = "zh") -> str:
    """A difference as text: rates in points ('+2.1个百分点'), the rest with its relative share ('+3 (+8.3%)')."""
    if diff is None:
        return "—"
    sign = "+" if diff > 0 else ("−" if diff < 0 else "±")
    if kind == RATE:
        return f"{sign}{abs(diff) * 100:.1f}{i18n.t('recon.points', lang)}"
    text = format_value(kind, abs(diff))
    if rel is None:
        return f"{sign}{text}"
    return f"{sign}{text} ({'+' if rel > 0 else ('−' if rel < 0 else '±')}{abs(rel) * 100:.1f}%)"


def variant_text(kpi_name: str, variant: str, lang: str = "zh") -> str:
    """The compared platform figure by name: '平均响应时长 · 服务时段' ('Average response time · service hours')."""
    base, suffixes = split_field(variant)
    parts = [i18n.t(f"kpi.m.{base}", lang)]
    parts += [i18n.t(f"recon.variant.{s}", lang) for s in SUFFIXES if s in suffixes]
    return " · ".join(parts)


def reason_text(reason: tuple[str, dict], lang: str = "zh") -> str:
    """One likely reason in the user's language."""
    code, params = reason
    shown = dict(params)
    for key in ("ours", "platform"):
        if shown.get(key) in ("message", "turn", "wait", "person", "order"):
            shown[key] = i18n.t(f"recon.dim.{shown[key]}", lang)
    if code == "stand_in":
        shown["field"] = i18n.t(f"kpi.m.{params.get('field', '')}", lang)
    if code == "robot" and not params.get("n"):
        return i18n.t("recon.reason.robot_none", lang)
    if code == "attribution" and not params.get("platform"):
        return i18n.t("recon.reason.attribution_plain", lang, **shown)
    return i18n.t(f"recon.reason.{code}", lang, **shown)


def _reasons_text(reasons: list[tuple[str, dict]], lang: str) -> str:
    return ("; " if lang == "en" else "；").join(reason_text(r, lang) for r in reasons)


def profile_text(profile: str, lang: str = "zh") -> str:
    """The platform of a profile key by name ('pdd_performance' → '拼多多'), else the key as written."""
    rule = platform_rule(profile)
    key = f"recon.platform.{rule.platform}"
    text = i18n.t(key, lang)
    return profile if text == key else text


def table(cells: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The cells as the page shows them: text columns in the user's language, rates as %."""
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    columns = [
        t("recon.col.day"),
        t("recon.col.agent"),
        t("recon.col.kpi"),
        t("recon.col.ours"),
        t("recon.col.platform"),
        t("recon.col.diff"),
        t("recon.col.flag"),
        t("recon.col.variant"),
        t("recon.col.reasons"),
    ]
    records = []
    for cell in cells.to_dict("records"):
        records.append(
            dict(
                zip(
                    columns,
                    [
                        cell["day"],
                        cell["agent"],
                        t(f"kpi.m.{cell['kpi']}"),
                        format_value(cell["kind"], cell["ours"]),
                        t("recon.pending") if cell["pending"] else format_value(cell["kind"], cell["platform"]),
                        format_diff(cell["kind"], cell["diff"], cell["rel_diff"], lang),
                        "⚠️" if cell["flagged"] else "",
                        variant_text(cell["kpi"], cell["variant"], lang),
                        _reasons_text(cell["reasons"], lang),
                    ],
                )
            )
        )
    return pd.DataFrame(records, columns=columns)


def export_sheets(
    result: Reconciliation, cells: pd.DataFrame | None = None, lang: str = "zh"
) -> dict[str, pd.DataFrame]:
    """The workbook of a reconciliation: the cells as numbers in people's units (rates in %, points for
    their differences), the agents of one side only, and the settings it was made with."""
    t = i18n.translator(lang)
    cells = result.cells if cells is None else cells
    unit = {RATE: "%", TIME: t("recon.unit.s"), MONEY: t("recon.unit.yuan"), COUNT: "", NUMBER: ""}
    records = []
    for cell in cells.to_dict("records"):
        diff = None
        if cell["diff"] is not None and not (isinstance(cell["diff"], float) and cell["diff"] != cell["diff"]):
            diff = round(cell["diff"] * 100, 2) if cell["kind"] == RATE else _number(cell["kind"], cell["diff"])
        rel = cell["rel_diff"]
        records.append(
            {
                t("recon.col.day"): cell["day"],
                t("recon.col.agent"): cell["agent"],
                t("recon.col.our_name"): cell["our_name"],
                t("recon.col.platform_name"): cell["platform_name"],
                t("recon.col.kpi"): t(f"kpi.m.{cell['kpi']}"),
                t("recon.col.unit"): unit[cell["kind"]],
                t("recon.col.ours"): _number(cell["kind"], cell["ours"]),
                t("recon.col.platform"): t("recon.pending")
                if cell["pending"]
                else _number(cell["kind"], cell["platform"]),
                t("recon.col.diff_x"): diff,
                t("recon.col.rel_diff"): None if rel is None or rel != rel else round(rel * 100, 2),
                t("recon.col.flag"): t("yes") if cell["flagged"] else t("no"),
                t("recon.col.variant"): variant_text(cell["kpi"], cell["variant"], lang),
                t("recon.col.field"): cell["variant"],
                t("recon.col.reasons"): _reasons_text(cell["reasons"], lang),
            }
        )
    sides = [
        {
            t("recon.col.side"): t(label),
            t("recon.col.day"): r["day"],
            t("recon.col.agent"): r["agent"],
            t("recon.col.name"): r["name"],
        }
        for label, frame in (("recon.only_ours", result.only_ours), ("recon.only_platform", result.only_platform))
        for r in frame.to_dict("records")
    ]
    settings = [
        {
            t("recon.col.setting"): t("recon.set.period"),
            t("recon.col.value"): f"{result.start.isoformat()} – {result.end.isoformat()}",
        },
        {
            t("recon.col.setting"): t("recon.set.tolerance"),
            t("recon.col.value"): t("recon.tolerance_rule", pct=f"{result.tolerance * 100:g}"),
        },
        {
            t("recon.col.setting"): t("recon.set.window"),
            t("recon.col.value"): f"{result.settings['window_start']}–{result.settings['window_end']}",
        },
        {
            t("recon.col.setting"): t("recon.set.unit"),
            t("recon.col.value"): t(f"recon.dim.{result.settings['response_unit']}"),
        },
        {
            t("recon.col.setting"): t("recon.set.platform"),
            t("recon.col.value"): "、".join(profile_text(p, lang) for p in result.profiles) or "—",
        },
    ]
    return {
        t("recon.sheet.cells"): pd.DataFrame(
            records,
            columns=[
                t("recon.col.day"),
                t("recon.col.agent"),
                t("recon.col.our_name"),
                t("recon.col.platform_name"),
                t("recon.col.kpi"),
                t("recon.col.unit"),
                t("recon.col.ours"),
                t("recon.col.platform"),
                t("recon.col.diff_x"),
                t("recon.col.rel_diff"),
                t("recon.col.flag"),
                t("recon.col.variant"),
                t("recon.col.field"),
                t("recon.col.reasons"),
            ],
        ),
        t("recon.sheet.one_side"): pd.DataFrame(
            sides, columns=[t("recon.col.side"), t("recon.col.day"), t("recon.col.agent"), t("recon.col.name")]
        ),
        t("recon.sheet.settings"): pd.DataFrame(settings),
    }
