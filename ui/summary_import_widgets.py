"""The platform-summary tab of 数据导入: profile, day, every header mapped or shown as not used,
warnings, pending figures, the import itself and the project's saved templates.

The uploaded file is kept in the session (`summary_upload`) while the user maps it, so changing a
choice re-reads the same bytes; every figure and rule comes from core (summary_store, summary_import).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date

import pandas as pd
import streamlit as st

from core.kernel.db import data_version
from core.kernel.errors import ValidationError
from core.kpi import profiles, reconciliation, summary_errors, summary_fields, summary_import, summary_store, templates
from ui.context import Context
from ui.widgets import show_validation

UPLOAD_KEY = "summary_upload"  # (project_id, filename, bytes)
STATE_KEY = "summary_state"  # per file: profile, overrides, day, editor version
UNUSED = "__unused__"


def _state(digest: str) -> dict:
    state = st.session_state.setdefault(STATE_KEY, {})
    if state.get("digest") != digest:
        state.clear()
        state.update({"digest": digest, "profile": "auto", "overrides": {}, "day": None, "version": 0})
    return state


def _field_options(preview: summary_import.SummaryPreview) -> list[str]:
    """The fields a header can be mapped to: every base field, and the variants of the fields
    this file uses (a dropdown of every flavour of every field would be unusable)."""
    base = [
        name
        for name in summary_fields.FIELDS
        if name not in ("agent_key",)
        and not any(name.endswith(f"_{s}") for s in (*summary_fields.DIMENSIONS, *summary_fields.FLAVOURS))
    ]
    used = {name for _, name in preview.mapping if name}
    roots = {
        name.split("_person")[0]
        .split("_session")[0]
        .removesuffix("_service")
        .removesuffix("_allday")
        .removesuffix("_new")
        for name in used
    }
    variants = [
        name for name in summary_fields.FIELDS if name not in base and any(name.startswith(f"{r}_") for r in roots)
    ]
    return [UNUSED, *base, *variants]


def summary_import_tab(ctx: Context, project_id: int, agent_mapping: Callable[[list[str], str], None]) -> None:
    """The whole tab: upload, check, map, import, templates."""
    t, db, actor = ctx.t, ctx.db, ctx.actor
    st.caption(t("kpi.import.summary_hint"))
    flavour = reconciliation.get_settings(db, actor, project_id)["flavour"]
    picked = st.segmented_control(
        t("imp.flavour.set"),
        list(summary_store.FLAVOURS),
        default=flavour,
        format_func=lambda f: t(f"imp.flavour.{f}"),
        key=f"summary_flavour_{project_id}",
    )
    if picked and picked != flavour:
        reconciliation.save_settings(db, actor, project_id, flavour=picked)
        st.rerun()
    uploaded = st.file_uploader(t("kpi.import.summary_file"), type=["csv", "xlsx"], key="summary_file")
    if uploaded is not None:
        current = st.session_state.get(UPLOAD_KEY)
        if (
            current is None
            or current[1] != uploaded.name
            or current[0] != project_id
            or len(current[2]) != uploaded.size
        ):
            st.session_state[UPLOAD_KEY] = (project_id, uploaded.name, uploaded.getvalue())
    upload = st.session_state.get(UPLOAD_KEY)
    if not upload or upload[0] != project_id:
        _templates(ctx, project_id)
        return
    _, filename, data = upload
    state = _state(hashlib.sha256(data).hexdigest() + filename)

    profile_keys = ["auto", *[p.key for p in profiles.PROFILES], profiles.GENERIC]
    state["profile"] = st.selectbox(
        t("imp.profile"),
        profile_keys,
        index=profile_keys.index(state["profile"]),
        format_func=lambda k: t(f"imp.profile.{k}"),
        key=f"summary_profile_{state['digest'][:8]}",
    )
    # read once per choice and data version (a 100,000-row file takes seconds), not on every rerun
    preview_key = (state["profile"], tuple(sorted(state["overrides"].items(), key=str)), state["day"], data_version(db))
    if state.get("preview_key") != preview_key:
        checking = st.progress(0.0, text=t("kpi.import.checking"))
        state["preview"] = summary_store.preview_summary(
            db,
            actor,
            project_id,
            data,
            filename,
            lambda f, stage: checking.progress(min(1.0, f), text=t("kpi.import.checking")),
            profile=None if state["profile"] == "auto" else state["profile"],
            overrides=state["overrides"] or None,
            day=state["day"],
        )
        state["preview_key"] = preview_key
        checking.empty()
    preview = state["preview"]
    parsed = preview.parsed

    _layout(ctx, parsed)
    if any(e.code == "missing_day" for e in parsed.errors) or parsed.day_source == "user":
        picked = st.date_input(
            t("imp.pick_day"),
            value=state["day"],
            max_value=date.today(),
            format="YYYY-MM-DD",
            key=f"summary_day_{state['digest'][:8]}",
        )
        if picked != state["day"]:
            state["day"] = picked
            st.rerun()
    if parsed.day_source:
        st.caption(t(f"imp.day.{parsed.day_source}", day=parsed.day.isoformat() if parsed.day else ""))

    _mapping_editor(ctx, parsed, state)
    for header in parsed.unused_figures:
        st.warning(t("imp.unused_figure", header=header))
    for name in preview.missing_targets:
        st.info(t("imp.missing_target", kpi=t(f"kpi.m.{name}")))
    if parsed.skipped:
        rows = "；".join(
            t("imp.skipped.row", row=row, label=label or t("imp.skipped.empty_agent"))
            for row, label, _ in parsed.skipped[:20]
        )
        st.caption(t("imp.skipped", n=len(parsed.skipped), rows=rows))
    if len(parsed.benchmarks):
        st.caption(t("imp.benchmarks", labels="、".join(map(str, parsed.benchmarks.index))))
    if parsed.pending:
        fields = sorted({f for names in parsed.pending.values() for f in names})
        st.info(
            t(
                "imp.pending",
                n=sum(len(v) for v in parsed.pending.values()),
                fields="、".join(t(f"kpi.f.{f}") for f in fields),
            )
        )
    st.caption(t("imp.flavour_note", flavour=t(f"imp.flavour.{preview.flavour}")))
    if preview.raw_days:
        st.info(t("imp.raw_days", days="、".join(preview.raw_days)))

    if not preview.ok:
        st.error(t("kpi.import.refused"))
        st.dataframe(
            pd.DataFrame(
                [{t("kpi.import.reason"): summary_errors.format_error(e, ctx.lang)} for e in parsed.errors[:500]]
            ),
            hide_index=True,
            width="stretch",
        )
        if len(parsed.errors) > 500:
            st.caption(t("kpi.import.more_errors", n=len(parsed.errors) - 500))
    else:
        st.success(t("kpi.import.summary_ok", rows=len(parsed.rows)))
        st.markdown(f"**{t('imp.rows_preview')}**")
        shown = parsed.rows.head(30).copy()
        pending_columns = {name for row, names in parsed.pending.items() if row in shown.index for name in names}
        for name in pending_columns:  # one type per column: as text, 待更新 where pending
            shown[name] = [("" if pd.isna(v) else str(v)) for v in shown[name]]
        for row, names in parsed.pending.items():
            if row in shown.index:
                for name in names:
                    shown.loc[row, name] = t("imp.pending_cell")
        st.dataframe(shown.rename(columns=lambda c: t(f"kpi.f.{c}")), width="stretch")
        agent_mapping(preview.unknown_agents, "summary")
        if st.button(t("kpi.import.go"), type="primary", key="summary_go"):
            saving = st.progress(0.0, text=t("kpi.import.progress"))
            try:
                import_id = summary_store.import_summary(
                    db,
                    actor,
                    project_id,
                    preview,
                    lambda f, stage: saving.progress(min(1.0, f), text=t("kpi.import.progress")),
                )
            except ValidationError as exc:
                show_validation(ctx, exc)
            else:
                st.session_state.pop(UPLOAD_KEY, None)
                st.session_state.pop(STATE_KEY, None)
                st.success(t("kpi.import.done", id=import_id))
                if any(source == "user" for source in parsed.sources.values()):
                    st.info(t("imp.template_saved"))
                st.page_link(
                    "app_pages/kpi_dashboard.py",
                    label=t("kpi.import.open_dashboard"),
                    query_params={"project": project_id},
                    icon=":material/monitoring:",
                )
    _templates(ctx, project_id)


def _layout(ctx: Context, parsed: summary_import.SummaryPreview) -> None:
    t = ctx.t
    profile = profiles.BY_KEY.get(parsed.profile or "")
    if parsed.template and parsed.profile_source != "template":
        st.success(t("imp.template_used", name=parsed.template["name"]))
    if profile is None:
        if parsed.mapping and not parsed.template:
            st.caption(t("imp.not_detected"))
        return
    name = t(f"imp.profile.{profile.key}")
    if parsed.profile_source == "template" and parsed.template:
        st.success(t("imp.from_template", template=parsed.template["name"], name=name))
    elif parsed.profile_source == "chosen":
        st.success(t("imp.chosen", name=name))
    else:
        st.success(t("imp.detected", name=name))
    with st.expander(t("imp.definitions")):
        st.caption(t("imp.menu", menu=profile.menu_zh))
        for line in profile.definitions_en if ctx.lang == "en" else profile.definitions_zh:
            st.markdown(f"- {line}")


def _mapping_editor(ctx: Context, parsed: summary_import.SummaryPreview, state: dict) -> None:
    """Every header with its field or 未使用; a changed choice is an override (saved as a template on import)."""
    t = ctx.t
    if not parsed.mapping:
        return
    st.markdown(f"**{t('kpi.import.mapping')}**")
    st.caption(t("imp.mapping_help"))
    options = _field_options(parsed)
    label = {name: (t("imp.unused") if name == UNUSED else f"{t(f'kpi.f.{name}')} · {name}") for name in options}
    by_label = {v: k for k, v in label.items()}
    frame = pd.DataFrame(
        [
            {
                t("imp.col.header"): header,
                t("imp.col.field"): label.get(name or UNUSED, name),
                t("imp.col.source"): t(f"imp.source.{parsed.sources.get(header, 'unused')}"),
            }
            for header, name in parsed.mapping
        ]
    )
    edited = st.data_editor(
        frame,
        hide_index=True,
        width="stretch",
        disabled=[t("imp.col.header"), t("imp.col.source")],
        column_config={
            t("imp.col.field"): st.column_config.SelectboxColumn(
                t("imp.col.field"), options=list(label.values()), required=True
            )
        },
        key=f"summary_mapping_{state['digest'][:8]}_{state['version']}",
    )
    changed: dict[str, str | None] = {}
    for (header, name), choice in zip(parsed.mapping, edited[t("imp.col.field")].tolist()):
        picked = by_label.get(choice, UNUSED)
        picked_field = None if picked == UNUSED else picked
        if picked_field != name:
            changed[header] = picked_field
    if changed:
        state["overrides"] = {**state["overrides"], **changed}
        state["version"] += 1
        st.rerun()


def _templates(ctx: Context, project_id: int) -> None:
    """The project's saved layouts: list, rename, delete (with a confirmation)."""
    t, db, actor = ctx.t, ctx.db, ctx.actor
    with st.expander(t("imp.templates")):
        found = templates.list_templates(db, actor, project_id, "summary")
        if not found:
            st.caption(t("imp.templates.none"))
            return
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("imp.templates.name"): r["name"],
                        t("imp.templates.headers"): "、".join(r["headers"]),
                        t("imp.templates.updated"): r["updated_at"],
                    }
                    for r in found
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        ids = [r["id"] for r in found]
        names = {r["id"]: r["name"] for r in found}
        chosen = st.selectbox(t("imp.templates.choose"), ids, format_func=names.get, key="template_choice")
        new_name = st.text_input(t("imp.templates.name"), value=names[chosen], key=f"template_name_{chosen}")
        left, right = st.columns(2)
        if left.button(t("imp.templates.rename"), key="template_rename"):
            try:
                templates.rename_template(db, actor, chosen, new_name)
            except ValidationError as exc:
                show_validation(ctx, exc)
            else:
                st.rerun()
        sure = right.checkbox(t("imp.templates.confirm_delete", name=names[chosen]), key=f"template_sure_{chosen}")
        if right.button(t("imp.templates.delete"), disabled=not sure, key="template_delete"):
            templates.delete_template(db, actor, chosen)
            st.success(t("imp.templates.deleted"))
            st.rerun()
