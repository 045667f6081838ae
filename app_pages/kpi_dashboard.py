"""Project KPI dashboard: tiles against targets, trends, agents, hour-of-day load, drill-down."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import plotly.express as px
import streamlit as st

from core.kernel import config, formatting
from core.kernel.permissions import can, is_merchant
from core.kpi import daily_figures, drilldown, hourly, roster_names
from core.overview import home
from ui import charts, context
from ui.cache import cached
from ui.kpi_widgets import fmt, kpi_platform_table, trend
from ui.widgets import count_column, download_xlsx, money_column, project_picker

ctx = context.get()
t, db, actor = ctx.t, ctx.db, ctx.actor

st.title(t("kpi.dashboard.title"))
project = project_picker(ctx, "kpi_project", default_live=True, with_status=False, remember=False)
project_id = project["id"]

span = cached(daily_figures.data_range)(db, actor, project_id)
if span is None:  # say what will happen and when, in words for the reader's role
    if can(actor, "kpi.import"):
        st.info(t("kpi.no_data"))
    elif is_merchant(actor):
        st.info(
            home.outlook_text(
                home.data_outlook(db, actor, project_id)
                or {
                    "kind": "awaiting_import",
                    "project": f"{project['merchant_name']} · {project['name']}",
                    "date": config.today() - timedelta(days=1),
                },
                t,
            ),
            icon=":material/schedule:",
        )
    else:
        st.info(t("outlook.staff_no_data"))
    st.stop()
first_day, last_day = span
c1, c2 = st.columns([2, 3])
period = c1.date_input(
    t("kpi.period"),
    value=(max(first_day, last_day - timedelta(days=29)), last_day),
    min_value=first_day,
    max_value=last_day,
    format="YYYY-MM-DD",
    key=f"kpi_period_{project_id}",
)
start, end = (period[0], period[-1]) if isinstance(period, tuple) and period else (first_day, last_day)
agent_days = cached(daily_figures.agent_days)(db, actor, project_id, start, end)
agent_names = sorted(agent_days["agent_name"].unique().tolist())
chosen_agents = c2.multiselect(t("kpi.agent_filter"), agent_names, key=f"kpi_agents_{project_id}", placeholder=t("all"))
goal = cached(daily_figures.targets)(db, actor, project_id)
if not goal:
    st.warning(t("kpi.no_targets"))

# tiles -------------------------------------------------------------------------------------------
st.subheader(t("kpi.tiles"))
tile_rows = cached(daily_figures.tiles)(
    db, actor, project_id, last_day + timedelta(days=1) if last_day < config.today() else config.today()
)
period_key = (
    st.segmented_control(
        t("kpi.tiles_period"),
        ["today", "yesterday", "last7"],
        default="yesterday",
        format_func=lambda k: t(f"kpi.period.{k}"),
        key=f"tiles_period_{project_id}",
    )
    or "yesterday"
)
shown_tiles = [r for r in tile_rows if r["period"] == period_key]
if all(tile["actual"] is None for tile in shown_tiles):
    st.info(t("kpi.no_data_period"))
else:
    for row_start in (0, 4):
        columns = st.columns(4)
        for column, tile in zip(columns, shown_tiles[row_start : row_start + 4]):
            delta = formatting.kpi_gap(tile["kpi"], tile["gap"], t("kpi.points"), mean=tile["kpi"] == "consultations")
            label = t(f"kpi.m.{tile['kpi']}")
            if period_key == "last7" and tile["kpi"] == "consultations":  # a mean of 7 days against a per-day target
                label = t("report.daily_mean", label=label)
            if tile["target"] is not None:
                label += f" · {t('kpi.target')} {fmt(tile['kpi'], tile['target'])}"
            higher_is_better = daily_figures.TARGETS[tile["kpi"]][1]
            value = (
                t("imp.pending_cell")
                if tile["actual"] is None and tile["pending"]
                else fmt(tile["kpi"], tile["actual"])
            )
            if tile["pending"] and tile["actual"] is not None:
                label += f" · {t('kpi.includes_pending')}"
            column.metric(
                label, value, delta=delta, delta_color="normal" if higher_is_better else "inverse", border=True
            )

pending_days = daily_figures.pending_figures(db, actor, project_id, start, end)
if pending_days:
    st.warning(
        t(
            "kpi.pending_days",
            days="、".join(pending_days),
            fields="、".join(sorted({t(f"kpi.f.{f}") for fields in pending_days.values() for f in fields})),
        )
    )

# trends -----------------------------------------------------------------------------------------
st.subheader(t("kpi.trends"))
if chosen_agents:
    daily = daily_figures.agents_by_day(agent_days, chosen_agents)
else:
    daily = cached(daily_figures.shop_days)(db, actor, project_id, start, end)
if daily.empty:
    st.info(t("kpi.no_data_period"))
else:
    left, right = st.columns(2)
    for index, name in enumerate(
        ("consultations", "response_30s_rate", "first_response_s", "avg_response_s", "conversion_rate", "aov")
    ):
        (left if index % 2 == 0 else right).plotly_chart(
            trend(ctx, daily, name, goal.get(name)), width="stretch", key=f"trend_{name}"
        )

# agents -----------------------------------------------------------------------------------------
st.subheader(t("kpi.agents"))
table = cached(daily_figures.agent_table)(db, actor, project_id, start, end)
if chosen_agents:
    table = table[table["agent_name"].isin(chosen_agents)]
if table.empty:
    st.info(t("kpi.no_data_period"))
else:
    shown = pd.DataFrame(
        {
            t("kpi.rank"): table["rank"],
            t("kpi.agent"): table["agent_name"],
            **{
                t(f"kpi.m.{m}"): table[m].map(
                    lambda v, m=m: (
                        v * 100
                        if m in ("response_30s_rate", "conversion_rate", "effective_reply_rate")
                        and v is not None
                        and not pd.isna(v)
                        else v
                    )
                )
                for m in (
                    "consultations",
                    "response_30s_rate",
                    "first_response_s",
                    "avg_response_s",
                    "effective_reply_rate",
                    "converted",
                    "conversion_rate",
                    "sales",
                    "aov",
                    "items_per_buyer",
                )
            },
        }
    )
    percent = {
        t(f"kpi.m.{m}"): st.column_config.NumberColumn(format="%.1f%%")
        for m in ("response_30s_rate", "conversion_rate", "effective_reply_rate")
    }
    seconds = {
        t(f"kpi.m.{m}"): st.column_config.NumberColumn(format="%.1f s") for m in ("first_response_s", "avg_response_s")
    }
    money = {t(f"kpi.m.{m}"): money_column(t(f"kpi.m.{m}")) for m in ("sales", "aov")}
    counts = {t(f"kpi.m.{m}"): count_column(t(f"kpi.m.{m}")) for m in ("consultations", "converted")}
    ratios = {t("kpi.m.items_per_buyer"): st.column_config.NumberColumn(format="%.2f")}  # 客件数 1.61, not 1.6062
    st.dataframe(
        shown, hide_index=True, width="stretch", column_config={**percent, **seconds, **money, **counts, **ratios}
    )
    download_xlsx(
        ctx, "btn.export_excel", {"agents": shown}, f"kpi-agents-{project_id}-{start}-{end}.xlsx", "kpi_export"
    )
    platform = daily_figures.platform_figures(db, actor, project_id, start, end)
    if chosen_agents:
        platform = platform[platform["agent_name"].isin(chosen_agents)]
    if len(platform):
        st.markdown(f"**{t('kpi.platform_figures')}**")
        st.caption(t("kpi.platform_figures_hint"))
        st.dataframe(kpi_platform_table(ctx, platform), hide_index=True, width="stretch")
    ranking = px.bar(
        table.sort_values("conversion_rate"),
        x="conversion_rate",
        y="agent_name",
        orientation="h",
        labels={"conversion_rate": t("kpi.m.conversion_rate"), "agent_name": ""},
    )
    if goal.get("conversion_rate") is not None:
        # the label sits above the plot area (yanchor bottom at the top edge), not inside it where the bars cover it
        ranking.add_vline(
            x=goal["conversion_rate"],
            line_dash="dash",
            line_color="#d9480f",
            annotation_text=f"{t('kpi.target')} {fmt('conversion_rate', goal['conversion_rate'])}",
            annotation_position="top",
            annotation_yanchor="bottom",
            annotation_font_color="#d9480f",
            annotation_bgcolor="rgba(255,255,255,0.9)",
        )
    # room at the top for the title and, under it, the target's label
    ranking.update_layout(
        height=max(240, 28 * len(table)) + 60, margin=dict(l=10, r=10, t=70, b=10), xaxis_tickformat=".0%"
    )
    charts.finish(
        ctx, ranking, t("kpi.chart.ranking"), x=charts.axis(ctx, t("kpi.m.conversion_rate"), "pct"), y=t("chart.agent")
    )
    st.plotly_chart(ranking, width="stretch", key="ranking")

# hour of day -------------------------------------------------------------------------------------
st.subheader(t("kpi.heatmap"))
load = cached(hourly.hourly_load)(db, actor, project_id, start, end)  # heavy on raw logs; per data version
if load.empty:
    st.info(t("kpi.heatmap_needs_raw"))
else:
    weekdays = [t(f"weekday.{i}") for i in range(7)]
    grid = load.pivot_table(index="weekday", columns="hour", values="waits", fill_value=0).reindex(
        range(7), fill_value=0
    )
    heat = px.imshow(
        grid.values,
        x=[f"{h:02d}" for h in grid.columns],
        y=weekdays,
        aspect="auto",
        color_continuous_scale="Oranges",
        labels={"x": t("kpi.hour"), "y": "", "color": t("kpi.waits")},
    )
    heat.update_layout(height=300, margin=dict(l=10, r=10, t=10, b=10))
    charts.finish(
        ctx,
        heat,
        t("kpi.heatmap"),
        x=charts.axis(ctx, t("chart.hour"), "hour"),
        y=t("chart.weekday"),
        color=charts.axis(ctx, t("kpi.waits"), "times"),
    )
    st.plotly_chart(heat, width="stretch", key="heat")
    by_hour = cached(hourly.response_by_hour)(db, actor, project_id, start, end).rename(
        columns={"avg_response_s": "avg"}
    )
    line = px.bar(by_hour, x="hour", y="avg", labels={"hour": t("kpi.hour"), "avg": t("kpi.m.avg_response_s")})
    line.update_layout(height=240, margin=dict(l=10, r=10, t=10, b=10))
    charts.finish(
        ctx,
        line,
        t("kpi.chart.response_by_hour"),
        x=charts.axis(ctx, t("chart.hour"), "hour"),
        y=charts.axis(ctx, t("kpi.m.avg_response_s"), "seconds"),
    )
    st.plotly_chart(line, width="stretch", key="hour_resp")

# drill-down --------------------------------------------------------------------------------------
st.subheader(t("kpi.drill"))
st.caption(t("kpi.drill_hint"))
c1, c2 = st.columns(2)
drill_day = c1.date_input(
    t("kpi.day"), value=end, min_value=start, max_value=end, format="YYYY-MM-DD", key=f"drill_day_{project_id}"
)
day_agents = sorted(agent_days[agent_days["day"] == drill_day.isoformat()]["agent"].unique().tolist())
who = roster_names.account_labels(db, actor, project_id, day_agents)  # the roster agent's name with the account
drill_agent = c2.selectbox(
    t("kpi.agent"),
    [None, *day_agents],
    format_func=lambda a: t("all") if a is None else who.get(a, a),
    key=f"drill_agent_{project_id}",
)
chats = cached(drilldown.chats_of_day)(db, actor, project_id, drill_day, drill_agent)
if chats.empty:
    st.info(t("kpi.drill_none"))
else:
    totals = drilldown.chat_totals(chats)
    st.caption(t("kpi.drill_count", n=totals["chats"], converted=totals["converted"], sales=f"{totals['sales']:,.2f}"))
    who |= roster_names.account_labels(db, actor, project_id, [a for a in chats["agent"].unique() if a not in who])
    yes_no = {True: t("yes"), False: t("no")}
    view = pd.DataFrame(
        {
            t("kpi.agent"): chats["agent"].map(who),
            t("kpi.buyer"): chats["buyer"],
            t("kpi.first_response_s"): chats["first_response_s"],
            t("kpi.effective"): chats["effectively_replied"].map(yes_no),
            t("kpi.chat_converted"): chats["converted"].map(yes_no),
            t("kpi.m.sales"): chats["sales"],
            t("kpi.orders"): chats["order_ids"].map(lambda ids: ", ".join(ids)),
        }
    )
    shown = view.assign(
        **{t("kpi.first_response_s"): view[t("kpi.first_response_s")].map(lambda s: "—" if pd.isna(s) else f"{s:.0f}")}
    )
    st.dataframe(shown, hide_index=True, width="stretch")
    download_xlsx(ctx, "btn.export_excel", {"chats": view}, f"chats-{project_id}-{drill_day}.xlsx", "chats_export")
    chat_labels = [
        f"{who[agent]} · {buyer}" for agent, buyer in zip(chats["agent"].tolist(), chats["buyer"].tolist())
    ]  # one pass, not iloc per option
    pick = st.selectbox(
        t("kpi.transcript"), range(len(chats)), format_func=chat_labels.__getitem__, key=f"drill_chat_{project_id}"
    )
    transcript = drilldown.transcript(
        db, actor, project_id, drill_day, chats["agent"].iloc[pick], chats["buyer"].iloc[pick]
    )
    transcript["sender"] = transcript["sender"].map(lambda s: t(f"kpi.sender.{s}"))
    st.dataframe(
        transcript.rename(columns={"time": t("kpi.time"), "sender": t("kpi.sender"), "content": t("kpi.content")}),
        hide_index=True,
        width="stretch",
    )
