"""Volume to headcount (人力测算与应急预案): inquiries by hour, the forecast, agents needed,
promotions, surge plan, staff loss."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import plotly.express as px
import streamlit as st

from core.kernel import config
from core.kernel.weeks import week_start
from core.schedule import shifts
from ui import charts, context
from ui.schedule_widgets import WEEKDAY_KEYS, day_label
from ui.widgets import download_xlsx, flash, project_picker, save_and_flash, show_flash

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("staffing.title"))
show_flash("staffing")
project_id = project_picker(ctx, "staffing_project")["id"]
conf = shifts.settings(db, actor, project_id)
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
    history = shifts.inquiry_history(db, actor, project_id, today - timedelta(weeks=weeks), today - timedelta(days=1))
    if not history:
        st.info(t("staffing.no_history"))
    else:
        frame = pd.DataFrame([{"day": d, "hour": h, "n": n} for (d, h), n in history.items()])
        frame["weekday"] = pd.to_datetime(frame["day"]).dt.day_of_week
        per_day = frame.groupby("day", as_index=False)["n"].sum()
        days_per_weekday = frame.groupby("weekday")["day"].nunique()
        grid = (
            frame.groupby(["weekday", "hour"])["n"]
            .sum()
            .unstack(fill_value=0)
            .div(days_per_weekday, axis=0)
            .reindex(range(7))
            .fillna(0)
        )
        heat = px.imshow(
            grid.values.round(1),
            x=[f"{h:02d}" for h in grid.columns],
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
        promo_days = {
            d
            for p in shifts.promotions(db, actor, project_id)
            for d in shifts.days_of(pd.Timestamp(p["start_day"]).date(), pd.Timestamp(p["end_day"]).date())
        }
        per_day["promotion"] = per_day["day"].map(
            lambda d: t("staffing.promo_day") if d in promo_days else t("staffing.normal_day")
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
    volume = shifts.volume_forecast(db, actor, project_id, first, last)
    if not volume:
        st.info(t("staffing.no_history"))
    else:
        need = shifts.requirement(db, actor, project_id, first, last)
        table = pd.DataFrame(
            [
                {"day": d.isoformat(), "hour": h, "volume": round(v, 1), "agents": need[(d, h)]}
                for (d, h), v in volume.items()
            ]
        )
        daily = table.groupby("day", as_index=False).agg(volume=("volume", "sum"), peak=("agents", "max"))
        m1, m2, m3 = st.columns(3)
        m1.metric(t("staffing.forecast_total"), f"{daily['volume'].sum():,.0f}")
        m2.metric(t("staffing.peak_agents"), int(daily["peak"].max()))
        m3.metric(t("staffing.agent_hours"), int(table["agents"].sum()))
        grid = table.pivot(index="day", columns="hour", values="agents")
        heat = px.imshow(
            grid.values,
            x=[f"{h:02d}" for h in grid.columns],
            y=[day_label(ctx, pd.Timestamp(d).date()) for d in grid.index],
            aspect="auto",
            text_auto=True,
            color_continuous_scale="Blues",
            labels={"x": t("schedule.c.hour"), "y": t("schedule.c.day"), "color": t("staffing.agents")},
        )
        heat.update_layout(height=120 + 24 * len(grid.index), margin={"t": 30})
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
            note = st.text_input(t("field.schedule.note"), max_chars=shifts.MAX_REASON)
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
                    ctx, "staffing", t("msg.saved"), lambda: shifts.add_promotion(db, actor, project_id, values)
                )
    promos = shifts.promotions(db, actor, project_id)
    if not promos:
        st.info(t("staffing.no_promos"))
    else:
        labels = {
            p["id"]: f"{p['name']} · {p['start_day']}–{p['end_day']}"
            + (f" · +{p['expected_rise'] * 100:.0f}%" if p["expected_rise"] is not None else "")
            for p in promos
        }
        promo_id = st.selectbox(t("staffing.promotion"), list(labels), format_func=labels.get, key="surge_promo")
        plan = shifts.surge_plan(db, actor, promo_id)
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
        m1.metric(
            t("staffing.reserve_have"), len(plan["reserves"]), delta=len(plan["reserves"]) - plan["reserve_target"]
        )
        m2.metric(t("staffing.reserve_target"), plan["reserve_target"])
        m3.metric(t("staffing.shortfall"), plan["shortfall"])
        peak = pd.DataFrame(
            [
                {
                    t("schedule.c.day"): d,
                    **{t(f"schedule.shift.{s}"): plan["peak"][s].get(d, 0) for s in shifts.WORK_SHIFTS},
                }
                for d in sorted(set(plan["peak"]["day"]) | set(plan["peak"]["night"]))
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
                shifts.delete_promotion(db, actor, promo_id)
                st.session_state.pop("promo_delete", None)
                flash("staffing", t("staffing.deleted"))
                st.rerun()

# --- staff loss ---------------------------------------------------------------------------------------------
with tab_loss:
    loss = shifts.replacements(db, actor, project_id)
    m1, m2, m3 = st.columns(3)
    m1.metric(t("staffing.online_now"), loss["online"], delta=loss["online"] - loss["required"])
    m2.metric(t("staffing.required"), loss["required"])
    m3.metric(t("staffing.reserve_have"), len(loss["reserves"]), delta=len(loss["reserves"]) - loss["reserve_target"])
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
