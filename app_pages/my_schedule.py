"""The agent's own roster (我的排班): the handover of the incoming shift first, own shifts, leave and swap requests."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from core.agents import directory
from core.kernel import config
from core.schedule import handover, shift_requests, shift_settings, shifts
from ui import context
from ui.schedule_widgets import day_label, handover_form, handover_list
from ui.widgets import save_and_flash, show_flash

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("myschedule.title"))
show_flash("my_schedule")
me = directory.my_agent(db, actor)
if me is None:
    st.info(t("myschedule.not_linked"))
    st.stop()
today = config.today()
cells = shift_requests.my_roster(db, actor, today - timedelta(days=1), today + timedelta(days=13))
projects = shift_requests.my_projects(db, actor)

# --- handover first: the notes the shift before mine left ----------------------------------------------
current = [c for c in cells if c["day"] == today.isoformat() and c["shift"] in shift_settings.WORK_SHIFTS]
if current:
    for cell in current:
        st.subheader(
            t(
                "myschedule.handover_for",
                shift=t(f"schedule.shift.{cell['shift']}"),
                project=f"{cell['merchant_name']} · {cell['project']}",
            )
        )
        handover_list(
            ctx, handover.handover_for(db, actor, cell["project_id"], today, cell["shift"]), "schedule.no_handover"
        )
else:
    st.info(t("myschedule.off_today"))

# --- my shifts -------------------------------------------------------------------------------------------------
st.subheader(t("myschedule.shifts"))
if not cells:
    st.caption(t("myschedule.no_shifts"))
else:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("schedule.c.day"): day_label(ctx, pd.Timestamp(c["day"]).date()),
                    t("schedule.c.project"): f"{c['merchant_name']} · {c['project']}",
                    t("schedule.c.shift"): t(f"schedule.cell.{c['shift']}"),
                    t("myschedule.hours"): c["hours"],
                }
                for c in cells
            ]
        ),
        hide_index=True,
        width="stretch",
    )

if not projects:
    st.stop()
labels = {p["id"]: f"{p['merchant_name']} · {p['name']}" for p in projects}
tab_note, tab_leave, tab_swap, tab_mine = st.tabs(
    [t("myschedule.tab.note"), t("myschedule.tab.leave"), t("myschedule.tab.swap"), t("myschedule.tab.requests")],
    key="myschedule_tabs",
    on_change="rerun",
)
with tab_note:

    def my_shift() -> tuple[int, object, str]:
        c1, c2 = st.columns(2)
        chosen = c1.selectbox(t("schedule.c.project"), list(labels), format_func=labels.get)
        shift = c2.selectbox(
            t("schedule.c.shift"),
            shift_settings.WORK_SHIFTS,
            format_func=lambda s: t(f"schedule.shift.{s}"),
            index=1 if config.now().hour >= 16 else 0,
        )
        return chosen, today, shift

    handover_form(ctx, "my_handover", "my_schedule", my_shift)
with tab_leave:
    with st.form("my_leave", clear_on_submit=True):
        project_id = st.selectbox(t("schedule.c.project"), list(labels), format_func=labels.get, key="leave_project")
        c1, c2 = st.columns(2)
        first = c1.date_input(t("field.schedule.day"), value=today + timedelta(days=1), min_value=today)
        last = c2.date_input(t("field.schedule.end_day"), value=today + timedelta(days=1), min_value=today)
        reason = st.text_input(t("field.schedule.reason"), max_chars=shift_settings.MAX_REASON)
        if st.form_submit_button(t("myschedule.send")):
            save_and_flash(
                ctx,
                "my_schedule",
                t("myschedule.sent"),
                lambda: shift_requests.request_leave(db, actor, project_id, first, last, reason),
            )
with tab_swap:
    project_id = st.selectbox(t("schedule.c.project"), list(labels), format_func=labels.get, key="swap_project")
    day = st.date_input(t("field.schedule.day"), value=today + timedelta(days=1), min_value=today, key="swap_day")
    mates = [m for m in shifts.team_pool(db, actor, project_id, day, day) if m["agent_id"] != me["id"]]
    if not mates:
        st.caption(t("myschedule.no_mates"))
    else:
        with st.form("my_swap", clear_on_submit=True):
            other = st.selectbox(
                t("field.schedule.swap_agent"),
                [m["agent_id"] for m in mates],
                format_func=lambda a: next(
                    f"{m['name']} ({t('schedule.shift.' + m['shift'])})" for m in mates if m["agent_id"] == a
                ),
            )
            reason = st.text_input(t("field.schedule.reason"), max_chars=shift_settings.MAX_REASON)
            if st.form_submit_button(t("myschedule.send")):
                save_and_flash(
                    ctx,
                    "my_schedule",
                    t("myschedule.sent"),
                    lambda: shift_requests.request_swap(db, actor, project_id, day, other, reason),
                )
with tab_mine:
    mine = shift_requests.requests(db, actor)
    if not mine:
        st.caption(t("schedule.no_requests"))
    else:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("schedule.c.kind"): t(f"schedule.kind.{r['kind']}"),
                        t("schedule.c.day"): r["day"],
                        t("schedule.c.end_day"): r["end_day"],
                        t("schedule.c.swap_with"): r["swap_name"] or "",
                        t("schedule.c.status"): t(f"schedule.status.{r['status']}"),
                        t("field.schedule.decision_note"): r["decision_note"],
                    }
                    for r in mine
                ]
            ),
            hide_index=True,
            width="stretch",
        )
