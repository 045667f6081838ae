"""Volume to headcount (人力测算与应急预案): inquiries by hour, the forecast, agents needed,
promotions, surge plan, staff loss."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import plotly.express as px
import streamlit as st

from core.kernel import config
from core.kernel.weeks import week_start
from core.schedule import coverage, promotions, shift_settings, staffing, surge
from ui import charts, context
from ui.schedule_widgets import WEEKDAY_KEYS, day_label
from ui.widgets import download_xlsx, flash, project_picker, save_and_flash, show_flash

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("staffing.title"))
show_flash("staffing")
project_id = project_picker(ctx, "staffing_project")["id"]
conf = shift_settings.settings(db, actor, project_id)
today = config.today()
st.caption(
    t(
        "staffing.model",
        aht=int(conf["aht_s"]),
        conc=conf["concurrency"],
        rate=f"{conf['target_rate'] * 100:.0f}%",
        shrink=f"{conf['shrinkage'] * 100:.0f}%",
        occ=f"{conf['max_occupancy'] * 100:.0f}%",
    )
)

tab_volume, tab_forecast, tab_surge, tab_loss = st.tabs(
    [t("staffing.tab.volume"), t("staffing.tab.forecast"), t("staffing.tab.surge"), t("staffing.tab.loss")],
    key="staffing_tabs",
    on_change="rerun",
)
weekdays = [t("schedule.wd." + k) for k in WEEKDAY_KEYS]

# --- volume by hour and weekday -------------------------------------------------------------------------
with tab_volume:
    weeks = st.radio(
        t("staffing.history_weeks"),
        (4, 8, 12),
        index=1,
        horizontal=True,
        format_func=lambda n: t("schedule.weeks", n=n),
        key="staffing_weeks",
    )
    history = coverage.inquiry_history(db, actor, project_id, today - timedelta(weeks=weeks), today - timedelta(days=1))
    if not history:
        st.info(t("staffing.no_history"))
    else:
        hours, means = staffing.weekday_hour_means(history)
        heat = px.imshow(
            np.array(means, dtype=float).round(1),
            x=[f"{h:02d}" for h in hours],
            y=weekdays,
            aspect="auto",
            color_continuous_scale="Oranges",
            labels={"x": t("schedule.c.hour"), "y": t("staffing.weekday"), "color": t("staffing.inquiries")},
        )
        heat.update_layout(height=330, margin={"t": 30})
        charts.finish(
            ctx,
            heat,
            t("staffing.heat_title"),
            x=charts.axis(ctx, t("chart.hour"), "hour"),
            y=t("chart.weekday"),
            color=charts.axis(ctx, t("staffing.inquiries"), "people"),
        )
        st.plotly_chart(heat, width="stretch", key="volume_heat")
        promo_days = promotions.promotion_days(promotions.promotions(db, actor, project_id))
        per_day = pd.DataFrame(
            [
                {
                    "day": d,
                    "n": n,
                    "promotion": t("staffing.promo_day") if d in promo_days else t("staffing.normal_day"),
                }
                for d, n in staffing.daily_volume(history)
            ]
        )
        line = px.bar(
            per_day,
            x="day",
            y="n",
            color="promotion",
            labels={"day": t("schedule.c.day"), "n": t("staffing.inquiries"), "promotion": ""},
        )
        line.update_layout(height=300, margin={"t": 30})
        charts.finish(
            ctx, line, t("staffing.days_title"), x=t("chart.day"), y=charts.axis(ctx, t("staffing.inquiries"), "people")
        )
        st.plotly_chart(line, width="stretch", key="volume_days")

# --- forecast and agents needed ------------------------------------------------------------------------------
with tab_forecast:
    c1, c2 = st.columns([1, 2])
    first = c1.date_input(t("schedule.from"), value=week_start(today) + timedelta(days=7), key="forecast_from")
    span = c2.radio(
        t("schedule.length"),
        (1, 2, 4),
        horizontal=True,
        format_func=lambda n: t("schedule.weeks", n=n),
        key="forecast_weeks",
    )
    last = first + timedelta(days=7 * span - 1)
    volume = coverage.volume_forecast(db, actor, project_id, first, last)
    if not volume:
        st.info(t("staffing.no_history"))
    else:
        need = coverage.requirement(db, actor, project_id, first, last)
        rows = staffing.forecast_table(volume, need)
        table = pd.DataFrame(rows)
        totals = staffing.forecast_totals(rows)
        m1, m2, m3 = st.columns(3)
        m1.metric(t("staffing.forecast_total"), f"{totals['volume']:,.0f}")
        m2.metric(t("staffing.peak_agents"), int(totals["peak"]))
        m3.metric(t("staffing.agent_hours"), int(totals["agent_hours"]))
        grid_days, grid_hours, grid = staffing.need_grid(rows)
        heat = px.imshow(
            pd.DataFrame(grid).to_numpy(),  # None (no row) as NaN, like a pivot
            x=[f"{h:02d}" for h in grid_hours],
            y=[day_label(ctx, d) for d in grid_days],
            aspect="auto",
            text_auto=True,
            color_continuous_scale="Blues",
            labels={"x": t("schedule.c.hour"), "y": t("schedule.c.day"), "color": t("staffing.agents")},
        )
        heat.update_layout(height=120 + 24 * len(grid_days), margin={"t": 30})
        charts.finish(
            ctx,
            heat,
            t("staffing.need_title"),
            x=charts.axis(ctx, t("chart.hour"), "hour"),
            y=t("chart.day"),
            color=charts.axis(ctx, t("staffing.agents"), "agents"),
        )
        heat.update_xaxes(type="category")
        heat.update_yaxes(type="category")
        st.plotly_chart(heat, width="stretch", key="need_heat")
        export = table.rename(
            columns={
                "day": t("schedule.c.day"),
                "hour": t("schedule.c.hour"),
                "volume": t("staffing.inquiries"),
                "agents": t("staffing.agents"),
            }
        )
        download_xlsx(
            ctx,
            "btn.export_excel",
            {t("staffing.tab.forecast"): export},
            f"staffing-{project_id}-{first}.xlsx",
            "forecast_xlsx",
        )

# --- promotions and the surge plan ---------------------------------------------------------------------------
with tab_surge:
    st.caption(t("staffing.surge_rules"))
    with st.expander(t("staffing.add_promo"), expanded=False):
        with st.form("promo_form", clear_on_submit=True):
            name = st.text_input(t("field.schedule.promo_name"), max_chars=100)
            c1, c2, c3 = st.columns(3)
            start_day = c1.date_input(t("field.schedule.start_day"), value=today + timedelta(days=7))
            end_day = c2.date_input(t("field.schedule.end_day"), value=today + timedelta(days=7))
            announced = c3.date_input(t("field.schedule.announced_on"), value=today)
            c1, c2 = st.columns(2)
            rise_known = c1.checkbox(t("staffing.rise_known"), value=True)
            rise = c2.number_input(t("field.schedule.expected_rise"), 0.0, 500.0, 30.0, step=5.0)
            note = st.text_input(t("field.schedule.note"), max_chars=shift_settings.MAX_REASON)
            if st.form_submit_button(t("btn.save")):
                values = {
                    "name": name,
                    "start_day": start_day,
                    "end_day": end_day,
                    "announced_on": announced,
                    "expected_rise": rise / 100 if rise_known else None,
                    "note": note,
                }
                save_and_flash(
                    ctx, "staffing", t("msg.saved"), lambda: promotions.add_promotion(db, actor, project_id, values)
                )
    promos = promotions.promotions(db, actor, project_id)
    if not promos:
        st.info(t("staffing.no_promos"))
    else:
        labels = {
            p["id"]: f"{p['name']} · {p['start_day']}–{p['end_day']}"
            + (f" · +{p['expected_rise'] * 100:.0f}%" if p["expected_rise"] is not None else "")
            for p in promos
        }
        promo_id = st.selectbox(t("staffing.promotion"), list(labels), format_func=labels.get, key="surge_promo")
        plan = surge.surge_plan(db, actor, promo_id)
        notice = plan["notice"]
        if "beyond_plan" in plan["risks"]:
            st.error(t("staffing.risk.beyond_plan"), icon=":material/error:")
        elif "short_notice" in plan["risks"]:
            st.error(
                t("staffing.risk.short_notice", given=notice["given"], needed=notice["needed"]), icon=":material/error:"
            )
        else:
            st.success(
                t("staffing.notice_ok", given=notice["given"], needed=notice["needed"]), icon=":material/verified:"
            )
        if "reserve_short" in plan["risks"]:
            st.error(t("staffing.risk.reserve_short", n=plan["shortfall"]), icon=":material/group_off:")
        if "reserve_not_admitted" in plan["risks"]:
            st.warning(t("staffing.risk.reserve_not_admitted"), icon=":material/school:")
        m1, m2, m3 = st.columns(3)
        m1.metric(t("staffing.reserve_have"), len(plan["reserves"]), delta=plan["reserve_delta"])
        m2.metric(t("staffing.reserve_target"), plan["reserve_target"])
        m3.metric(t("staffing.shortfall"), plan["shortfall"])
        peak = pd.DataFrame(
            [
                {t("schedule.c.day"): d, **{t(f"schedule.shift.{s}"): n[s] for s in shift_settings.WORK_SHIFTS}}
                for d, n in staffing.peak_by_day(plan["peak"])
            ]
        )
        st.markdown(f"**{t('staffing.extra_title')}**")
        st.dataframe(peak, hide_index=True, width="stretch")
        st.markdown(f"**{t('staffing.proposal_title')}**")
        if plan["proposal"]:
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            t("schedule.c.day"): p["day"],
                            t("schedule.c.shift"): t(f"schedule.shift.{p['shift']}"),
                            t("schedule.c.agent"): p["name"],
                        }
                        for p in plan["proposal"]
                    ]
                ),
                hide_index=True,
                width="stretch",
            )
        else:
            st.caption(t("staffing.no_extra"))
        if st.button(t("btn.delete"), key=f"promo_delete_{promo_id}", help=t("staffing.delete_help")):
            st.session_state["promo_delete"] = promo_id
        if st.session_state.get("promo_delete") == promo_id:
            if st.checkbox(t("confirm_delete"), key=f"promo_confirm_{promo_id}"):
                promotions.delete_promotion(db, actor, promo_id)
                st.session_state.pop("promo_delete", None)
                flash("staffing", t("staffing.deleted"))
                st.rerun()

# --- staff loss ---------------------------------------------------------------------------------------------
with tab_loss:
    loss = surge.replacements(db, actor, project_id)
    m1, m2, m3 = st.columns(3)
    m1.metric(t("staffing.online_now"), loss["online"], delta=loss["online_delta"])
    m2.metric(t("staffing.required"), loss["required"])
    m3.metric(t("staffing.reserve_have"), len(loss["reserves"]), delta=loss["reserve_delta"])
    if loss["left"]:
        st.warning(t("staffing.left_n", n=len(loss["left"])), icon=":material/person_remove:")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("schedule.c.employee_no"): r["employee_no"],
                        t("schedule.c.agent"): r["name"],
                        t("schedule.c.home_shift"): t(f"schedule.shift.{r['shift']}"),
                        t("staffing.left_on"): r["left_on"],
                    }
                    for r in loss["left"]
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption(t("staffing.none_left"))
    if loss["gap"]:
        st.error(t("staffing.online_gap", n=loss["gap"]), icon=":material/warning:")
    st.markdown(f"**{t('staffing.reserves_title')}**")
    if loss["reserves"]:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("schedule.c.employee_no"): r["employee_no"],
                        t("schedule.c.agent"): r["name"],
                        t("schedule.c.home_shift"): t(f"schedule.shift.{r['shift']}"),
                        t("schedule.c.admitted"): t("staffing.passed") if r["admitted"] else t("staffing.not_passed"),
                    }
                    for r in loss["reserves"]
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.info(t("staffing.no_reserves"))
