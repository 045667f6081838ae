"""UI text of the platform summary import: profiles, day sources, mapping, templates, pending figures.

The labels of every field the importer knows (`kpi.f.<field>`, with its dimension and flavour)
come from the field table of core.kpi.summary_fields, so a new field or flavour is labelled once.
"""

from __future__ import annotations

from core.kpi import profiles, summary_fields


def _field_labels(existing: set[str]) -> dict[str, tuple[str, str]]:
    labels = {}
    for name, spec in summary_fields.FIELDS.items():
        key = f"kpi.f.{name}"
        if key not in existing:
            labels[key] = (spec.zh, spec.en)
    return labels


def _profile_labels() -> dict[str, tuple[str, str]]:
    labels: dict[str, tuple[str, str]] = {}
    for profile in profiles.PROFILES:
        labels[f"imp.profile.{profile.key}"] = (profile.zh, profile.en)
    return labels


TEXT: dict[str, tuple[str, str]] = {
    "imp.profile.auto": ("自动识别", "Detect automatically"),
    "imp.profile.generic": ("通用表头（不按平台格式）", "General headers (no platform layout)"),
    "imp.profile": ("文件格式", "File layout"),
    "imp.detected": ("识别为：{name}", "Read as: {name}"),
    "imp.chosen": ("按所选格式读取：{name}", "Read with the chosen layout: {name}"),
    "imp.from_template": (
        "按已保存的模板“{template}”读取：{name}",
        "Read with the saved template '{template}': {name}",
    ),
    "imp.template_used": (
        "本文件的表头与已保存的模板“{name}”相同，已按模板对应。",
        "These headers match the saved template '{name}'; mapped by it.",
    ),
    "imp.not_detected": (
        "未识别为已知的平台格式，按通用表头识别。如是平台导出的文件，可在上方选择格式。",
        "Not a known platform layout; read with the general header table. Pick the layout above if it is a platform export.",
    ),
    "imp.definitions": ("平台口径（与我们的计算可能不同）", "The platform's definitions (may differ from ours)"),
    "imp.menu": ("下载路径：{menu}", "Where to download: {menu}"),
    "imp.day.column": ("数据日期：来自文件中的日期列", "Day: from the file's date column"),
    "imp.day.filename": ("数据日期：{day}（来自文件名）", "Day: {day} (from the file name)"),
    "imp.day.banner": ("数据日期：{day}（来自表头上方的标题行）", "Day: {day} (from the banner above the header)"),
    "imp.day.user": ("数据日期：{day}（您选择的）", "Day: {day} (as you picked it)"),
    "imp.pick_day": ("这份数据是哪一天的？", "Which day is this file?"),
    "imp.mapping_help": (
        "每一列都列在这里：已对应的列会导入，“未使用”的列不导入。可在“对应字段”中改选，改动会保存为本项目该表头格式的模板，下次自动对应。",
        "Every column is listed: mapped columns are imported, 未使用 ones are not. Change any choice; your choices are saved as this project's template for this layout and used next time.",
    ),
    "imp.col.header": ("文件表头", "File header"),
    "imp.col.field": ("对应字段", "Maps to"),
    "imp.col.source": ("依据", "By"),
    "imp.unused": ("未使用", "Not used"),
    "imp.source.profile": ("平台格式", "layout"),
    "imp.source.alias": ("表头识别", "header"),
    "imp.source.template": ("模板", "template"),
    "imp.source.user": ("手动", "by hand"),
    "imp.source.unused": ("—", "—"),
    "imp.unused_figure": (
        "“{header}”看起来是一个指标，但没有对应字段，不会导入：如需要，请在上表选择字段。",
        "'{header}' looks like a figure but maps to nothing and will not be imported: pick a field above if it matters.",
    ),
    "imp.missing_target": (
        "本文件没有{kpi}，该目标当天无数据。",
        "This file has no {kpi}; that target has no figure for the day.",
    ),
    "imp.skipped": ("已跳过 {n} 行（不是客服）：{rows}", "{n} rows skipped (not agents): {rows}"),
    "imp.skipped.row": ("第{row}行 {label}", "row {row} {label}"),
    "imp.skipped.empty_agent": ("客服为空的合计行", "totals row with an empty agent"),
    "imp.benchmarks": (
        "同行对标行将保存为店铺的同行基准：{labels}",
        "Peer benchmark rows are kept as the shop's benchmark: {labels}",
    ),
    "imp.pending": (
        "{n} 个数值为“延迟统计”（平台尚未结算）：保存为“待更新”，之后再导入同一天的文件会补上。涉及：{fields}",
        "{n} figures are 延迟统计 (not settled yet): stored as pending; a later export of the same day fills them. Fields: {fields}",
    ),
    "imp.raw_days": (
        "{days} 已有聊天记录计算的数据：保留我们的数据，平台的数据另存，用于对账。",
        "{days} already have figures computed from chat logs: ours stay, the platform's are kept beside them for reconciliation.",
    ),
    "imp.flavour_note": (
        "同一指标有“服务时间”和“全天”两个口径时，本项目按“{flavour}”口径考核目标，另一个口径也会保存。",
        "Where a figure comes in two flavours, this project's targets use '{flavour}'; the other is kept too.",
    ),
    "imp.flavour.service_hours": ("服务时间", "service hours"),
    "imp.flavour.whole_day": ("全天", "whole day"),
    "imp.flavour.set": ("本项目考核口径", "Flavour for this project's targets"),
    "imp.apply_mapping": ("按所选重新检查", "Check again with these choices"),
    "imp.template_saved": (
        "已把您的表头对应保存为本项目的模板，下次同样表头的文件会自动对应。",
        "Your mapping is saved as this project's template; the next file with these headers maps itself.",
    ),
    "imp.templates": ("已保存的表头模板", "Saved header templates"),
    "imp.templates.none": (
        "还没有保存的模板。手动改过对应的文件导入后会保存为模板。",
        "No templates yet. A file whose mapping you change is saved as one when imported.",
    ),
    "imp.templates.name": ("名称", "Name"),
    "imp.templates.headers": ("表头", "Headers"),
    "imp.templates.updated": ("更新时间", "Updated"),
    "imp.templates.rename": ("重命名", "Rename"),
    "imp.templates.delete": ("删除模板", "Delete template"),
    "imp.templates.confirm_delete": ("确认删除模板“{name}”", "Yes, delete template '{name}'"),
    "imp.templates.deleted": ("模板已删除。", "Template deleted."),
    "imp.templates.choose": ("选择模板", "Choose a template"),
    "imp.rows_preview": ("将导入的客服数据（前30行）", "Agent rows to import (first 30)"),
    "imp.pending_cell": ("待更新", "pending"),
    "imp.file_changed": ("请先点“检查文件”。", "Click 'Check the file' first."),
    "kpi.includes_pending": ("含待更新", "incl. pending"),
    "kpi.pending_days": (
        "待更新：{days} 的 {fields} 平台尚未结算（延迟统计），以后导入同一天的文件会自动补上。",
        "Pending: {fields} of {days} are not settled by the platform yet (延迟统计); a later export of the same day fills them.",
    ),
    "kpi.platform_figures": ("平台指标（仅平台日报提供）", "Platform figures (only in platform summaries)"),
    "kpi.platform_figures_hint": (
        "按所选日期合计（人数、金额、时长）或取日均（比率、评分）；来自导入的平台日报原样数据。",
        "Summed over the days (counts, money, times) or the mean of days (rates, scores), as the platform gave them.",
    ),
    "kpi.pending_fields": ("待更新指标", "Pending"),
    "err.pending_figures": (
        "以下日期的KPI数据平台尚未结算（延迟统计），本次结果可能还会变：{days}。如仍要批准，请勾选“数据待更新，仍然批准”。",
        "KPI figures of these days are not settled by the platform yet (延迟统计) and may still change: {days}. Tick 'approve although pending' to approve anyway.",
    ),
    "pending.warning": (
        "注意：{days} 的KPI数据平台尚未结算（延迟统计），批准后这些数字可能与平台最终数据不同。",
        "Note: KPI figures of {days} are not settled yet (延迟统计); once approved, they may differ from the platform's final figures.",
    ),
    "pending.accept": ("数据待更新，仍然批准", "Approve although pending"),
    "audit.action.rename": ("重命名", "Rename"),
    "audit.action.save": ("保存", "Save"),
    "audit.entity.import_template": ("表头模板", "Header template"),
    "audit.entity.project_import_settings": ("项目导入设置", "Project import settings"),
}

CATALOGUE: dict[str, tuple[str, str]] = {}


def build(existing: set[str]) -> dict[str, tuple[str, str]]:
    """This module's keys, leaving out field labels another catalogue already has."""
    return {**_field_labels(existing), **_profile_labels(), **TEXT}
