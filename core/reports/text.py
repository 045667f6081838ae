"""UI text of what a merchant sees: report periods in progress, daily means and totals, empty states, its team."""

from __future__ import annotations

CATALOGUE: dict[str, tuple[str, str]] = {
    # reports: a period not over yet, means and totals
    "report.in_progress": ("（进行中）", " (in progress)"),
    "report.in_progress_through": ("（进行中，截至 {through}）", " (in progress, through {through})"),
    "report.daily_mean": ("日均{label}", "{label} per day"),
    "report.total_of": ("{label}（合计）", "{label} (total)"),
    "report.anchor_hint": (
        "默认显示最近一个完整的周期；选择本周/本月会显示截至目前的数据。",
        "Opens on the last complete period; choosing this week or month shows the figures so far.",
    ),
    # empty states: what will happen, and when
    "outlook.before_golive": (
        "{project} 预计于 {date} 上线，目前还没有KPI数据。上线后，每天的服务数据（咨询、响应、转化）从次日起显示在这里。",
        "{project} goes live on {date}. From the day after, each day's service figures (enquiries, response, conversion) show here.",
    ),
    "outlook.before_golive_no_date": (
        "{project} 尚未上线，还没有KPI数据；上线日期确认后会显示在这里。上线后，每天的服务数据从次日起显示。",
        "{project} is not live yet; its go-live date shows here once it is agreed. Figures follow from the day after go-live.",
    ),
    "outlook.awaiting_import": (
        "{project} 已上线，{day} 的服务数据尚未导入，导入后即显示在这里。",
        "{project} is live; the figures of {day} are not imported yet and show here once they are.",
    ),
    "outlook.paused": (
        "{project} 目前暂停服务，恢复后数据会继续更新。",
        "{project} is paused; figures resume when service does.",
    ),
    "outlook.ended": (
        "{project} 的服务已结束，这里保留服务期间的数据。",
        "{project} has ended; the figures of its service period stay here.",
    ),
    "outlook.staff_no_data": (
        "该项目还没有KPI数据。项目经理在“数据导入”上传聊天记录或平台日报后即显示。",
        "No KPI data yet. It shows once a project manager uploads chat logs or platform summaries on Data import.",
    ),
    # the merchant's view of its team
    "team.merchant.caption": (
        "为您服务的客服团队：在岗与储备人员及其班次。",
        "The agents serving your shop: on duty and in reserve, with their shifts.",
    ),
    "team.merchant.empty": (
        "团队组建中，客服确定后会显示在这里。",
        "The team is being built; its agents show here once they are chosen.",
    ),
}
