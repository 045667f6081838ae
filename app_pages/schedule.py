"""The roster of a project (排班): proposal, edits in place, conflicts, hour-by-hour coverage, handover, leave and
swaps."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.kernel import config
from core.kernel.permissions import can
from core.schedule import coverage, handover, shift_requests, shift_settings, shifts
from ui import context
from ui.schedule_widgets import (
    cell_labels,
    conflict_table,
    coverage_chart,
    handover_form,
    handover_list,
    period_picker,
    roster_frame,
)
from ui.widgets import download_xlsx, flash, project_picker, save_and_flash, show_flash

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("schedule.title"))
show_flash("schedule", toast=True)  # the roster editor may rerun the page once more: the toast outlives it
project_id = project_picker(ctx, "schedule_project")["id"]
start, end = period_picker(ctx, "schedule")
conf = shift_settings.settings(db, actor, project_id)
may_write = can(actor, "schedule.write")
st.caption(
    t(
        "schedule.rules",
        day=f"{conf['day_start']}–{conf['day_end']}",
        night=f"{conf['night_start']}–{conf['night_end']}",
        n_day=conf["required_day"],
        n_night=conf["required_night"],
    )
)

tab_roster, tab_cover, tab_handover, tab_requests, tab_settings = st.tabs(
    [
        t("schedule.tab.roster"),
        t("schedule.tab.coverage"),
        t("schedule.tab.handover"),
        t("schedule.tab.requests"),
        t("schedule.tab.settings"),
    ],
    key="schedule_tabs",
    on_change="rerun",
)

# --- the roster ---------------------------------------------------------------------------------------
with tab_roster:
    members = shifts.grid(db, actor, project_id, start, end)
    if not members:
        st.info(t("schedule.no_team"))
    else:
        filled = any(v for m in members for v in m["days"].values())
        if may_write:
            c1, c2 = st.columns([2, 3])
            overwrite = True
            if filled:
                overwrite = c2.checkbox(t("schedule.overwrite"), key="schedule_overwrite")
            if c1.button(
                t("schedule.propose"),
                type="primary" if not filled else "secondary",
                icon=":material/auto_fix_high:",
                key="schedule_propose",
                disabled=not overwrite,
            ):
                n = shifts.apply_proposal(db, actor, project_id, start, end)
                flash("schedule", t("schedule.proposed", n=n))
                st.rerun()
        if not filled:
            st.info(t("schedule.empty_period"))
        frame, day_columns = roster_frame(ctx, members, start, end)
        if may_write:
            st.caption(t("schedule.edit_hint"))
            edited = st.data_editor(
                frame,
                hide_index=True,
                width="stretch",
                key=f"roster_editor_{project_id}_{start}_{end}",
                disabled=[c for c in frame.columns if c not in day_columns],
                column_config={
                    c: st.column_config.SelectboxColumn(c, options=list(cell_labels(ctx)), required=True)
                    for c in day_columns
                },
            )
            if st.button(t("btn.save"), key="roster_save", icon=":material/save:"):
                labels = cell_labels(ctx)
                grid_now = {
                    (m["agent_id"], day): labels.get(edited.iloc[i][column], "")
                    for i, m in enumerate(members)
                    for column, day in day_columns.items()
                }
                save_and_flash(
                    ctx,
                    "schedule",
                    lambda n: t("schedule.saved", n=n),
                    lambda: shifts.save_cells(db, actor, project_id, shifts.changed_cells(members, grid_now)),
                )
        else:
            st.dataframe(frame, hide_index=True, width="stretch")
        counts = pd.DataFrame(
            [
                {
                    t("schedule.c.day"): label,
                    **{
                        t(
                            f"schedule.shift.{s}"
                        ): f"{sum(1 for m in members if m['days'][day] == s)}/{conf['required_' + s]}"
                        for s in shift_settings.WORK_SHIFTS
                    },
                }
                for day, label in ((d, c) for c, d in day_columns.items())
            ]
        )
        with st.expander(t("schedule.headcount"), expanded=False):
            st.dataframe(counts, hide_index=True, width="stretch")
        found = shifts.conflicts(db, actor, project_id, start, end)
        if found:
            st.warning(t("schedule.conflicts_n", n=len(found)), icon=":material/warning:")
            conflict_table(ctx, found)
        elif filled:
            st.success(t("schedule.no_conflicts"), icon=":material/verified:")
        download_xlsx(
            ctx,
            "btn.export_excel",
            {t("schedule.tab.roster"): frame},
            f"roster-{project_id}-{start}.xlsx",
            "roster_xlsx",
        )

# --- coverage ----------------------------------------------------------------------------------------
with tab_cover:
    cover = coverage.coverage(db, actor, project_id, start, end)
    if not cover:
        st.info(t("schedule.no_service_hours"))
    else:
        st.caption(t(f"schedule.basis.{cover[0]['basis']}"))
        coverage_chart(ctx, cover)
        short = [c for c in cover if c["gap"] < 0]
        over = [c for c in cover if c["gap"] > 0]
        c1, c2 = st.columns(2)
        c1.metric(t("schedule.under_hours"), len(short))
        c2.metric(t("schedule.over_hours"), len(over))
        if short:
            st.dataframe(
                pd.DataFrame(short)[["day", "hour", "staffed", "required", "gap"]].rename(
                    columns={
                        "day": t("schedule.c.day"),
                        "hour": t("schedule.c.hour"),
                        "staffed": t("schedule.c.staffed"),
                        "required": t("schedule.c.required"),
                        "gap": t("schedule.c.gap"),
                    }
                ),
                hide_index=True,
                width="stretch",
            )

# --- handover ----------------------------------------------------------------------------------------
with tab_handover:
    now = config.now()
    shift_now = "night" if now.hour >= 16 else "day"
    c1, c2 = st.columns(2)
    day = c1.date_input(t("schedule.c.day"), value=config.today(), key="handover_day")
    shift = c2.selectbox(
        t("schedule.c.shift"),
        shift_settings.WORK_SHIFTS,
        index=shift_settings.WORK_SHIFTS.index(shift_now),
        format_func=lambda s: t(f"schedule.shift.{s}"),
        key="handover_shift",
    )
    st.subheader(t("schedule.incoming"))
    handover_list(ctx, handover.handover_for(db, actor, project_id, day, shift), "schedule.no_handover")
    if can(actor, "handover.write"):

        def this_shift() -> tuple[int, object, str]:
            st.markdown(f"**{t('schedule.leave_note')}**")
            return project_id, day, shift

        handover_form(ctx, "handover_form", "schedule", this_shift)
    with st.expander(t("schedule.recent_handovers")):
        handover_list(ctx, handover.recent_handovers(db, actor, project_id), "schedule.no_handover")

# --- leave and swaps ----------------------------------------------------------------------------------
with tab_requests:
    found = shift_requests.requests(db, actor, project_id)
    pending = [r for r in found if r["status"] == "pending"]
    if not found:
        st.info(t("schedule.no_requests"))
    for req in pending:
        with st.container(border=True):
            what = t(f"schedule.kind.{req['kind']}")
            period = req["day"] if req["day"] == req["end_day"] else f"{req['day']} – {req['end_day']}"
            st.markdown(
                f"**{req['agent_name']}** · {what} · {period}" + (f" ↔ {req['swap_name']}" if req["swap_name"] else "")
            )
            st.caption(req["reason"])
            if can(actor, "schedule.approve"):
                c1, c2, c3 = st.columns([3, 1, 1])
                note = c1.text_input(
                    t("field.schedule.decision_note"), key=f"req_note_{req['id']}", max_chars=shift_settings.MAX_REASON
                )
                for column, approve, label in ((c2, True, "schedule.approve"), (c3, False, "schedule.reject")):
                    if column.button(t(label), key=f"req_{'ok' if approve else 'no'}_{req['id']}"):
                        save_and_flash(
                            ctx,
                            "schedule",
                            t("schedule.decided"),
                            lambda approve=approve, req=req, note=note: shift_requests.decide(
                                db, actor, req["id"], approve, note
                            ),
                        )
    done = [r for r in found if r["status"] != "pending"]
    if done:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("schedule.c.agent"): r["agent_name"],
                        t("schedule.c.kind"): t(f"schedule.kind.{r['kind']}"),
                        t("schedule.c.day"): r["day"],
                        t("schedule.c.end_day"): r["end_day"],
                        t("schedule.c.swap_with"): r["swap_name"] or "",
                        t("schedule.c.status"): t(f"schedule.status.{r['status']}"),
                        t("schedule.c.reason"): r["reason"],
                        t("field.schedule.decision_note"): r["decision_note"],
                    }
                    for r in done
                ]
            ),
            hide_index=True,
            width="stretch",
        )

# --- settings ------------------------------------------------------------------------------------------
with tab_settings:
    if not may_write:
        st.info(t("schedule.settings_read_only"))
    with st.form("schedule_settings"):
        c1, c2, c3, c4 = st.columns(4)
        values = {
            "day_start": c1.text_input(t("field.schedule.day_start"), conf["day_start"]),
            "day_end": c2.text_input(t("field.schedule.day_end"), conf["day_end"]),
            "night_start": c3.text_input(t("field.schedule.night_start"), conf["night_start"]),
            "night_end": c4.text_input(t("field.schedule.night_end"), conf["night_end"]),
        }
        c1, c2, c3 = st.columns(3)
        values["required_day"] = c1.number_input(t("field.schedule.required_day"), 0, 500, int(conf["required_day"]))
        values["required_night"] = c2.number_input(
            t("field.schedule.required_night"), 0, 500, int(conf["required_night"])
        )
        values["concurrency"] = c3.number_input(
            t("field.schedule.concurrency"), 1, 10, int(conf["concurrency"]), help=t("schedule.concurrency_help")
        )
        c1, c2, c3 = st.columns(3)
        values["aht_s"] = c1.number_input(t("field.schedule.aht_s"), 1.0, 7200.0, float(conf["aht_s"]), step=10.0)
        values["shrinkage"] = (
            c2.number_input(t("field.schedule.shrinkage"), 0.0, 90.0, round(conf["shrinkage"] * 100, 1), step=5.0) / 100
        )
        values["max_occupancy"] = (
            c3.number_input(
                t("field.schedule.max_occupancy"), 10.0, 100.0, round(conf["max_occupancy"] * 100, 1), step=5.0
            )
            / 100
        )
        st.caption(
            t(
                "schedule.settings_hint",
                rate=f"{conf['target_rate'] * 100:.0f}%",
                service=f"{conf['service_start']}–{conf['service_end']}",
            )
        )
        if st.form_submit_button(t("btn.save"), disabled=not may_write):
            save_and_flash(
                ctx, "schedule", t("msg.saved"), lambda: shift_settings.save_settings(db, actor, project_id, values)
            )
