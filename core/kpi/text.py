"""UI text of the chat KPIs: imports, dashboards, the company view, the agent's own view."""

from __future__ import annotations

_METRIC_LABELS: dict[str, tuple[str, str]] = {
    "consultations": ("咨询人数", "Consultations"),
    "receptions": ("接待人数", "Receptions"),
    "inquiries": ("询单人数", "Inquiries"),
    "ordered_buyers": ("下单人数", "Buyers who ordered"),
    "converted": ("询单成交人数", "Converted buyers"),
    "sessions": ("会话数", "Sessions"),
    "waits": ("应答次数", "Waits"),
    "fast_replies": ("30秒内应答次数", "Fast replies"),
    "response_30s_rate": ("30秒应答率", "30-second response rate"),
    "response_1min_rate": ("1分钟应答率", "1-minute response rate"),
    "response_3min_rate": ("3分钟回复率", "3-minute reply rate"),
    "avg_response_s": ("平均响应时长", "Average response time"),
    "first_response_s": ("首次响应时长", "First response time"),
    "effective_reply_rate": ("有效回复率", "Effective reply rate"),
    "conversion_rate": ("询单转化率", "Inquiry conversion rate"),
    "sales": ("询单销售额", "Inquiry sales"),
    "sales_after_refund": ("退款后销售额", "Sales after refunds"),
    "aov": ("客单价", "Average order value"),
    "items": ("销售件数", "Items"),
    "items_per_buyer": ("客件数", "Items per buyer"),
    "satisfaction": ("满意度", "Satisfaction"),
    "complaints": ("投诉数", "Complaints"),
    "complaint_rate": ("投诉率", "Complaint rate"),
}


def _field_labels() -> dict[str, tuple[str, str]]:
    labels = {
        "kpi.f.date": ("日期", "Date"),
        "kpi.f.agent": ("客服", "Agent"),
        "kpi.f.agent_key": ("客服(去前缀)", "Agent (short)"),
    }
    for name, (zh, en) in _METRIC_LABELS.items():
        labels[f"kpi.f.{name}"] = (zh, en)
        labels[f"kpi.f.{name}_person"] = (f"{zh}(人维度)", f"{en} (per person)")
        labels[f"kpi.f.{name}_session"] = (f"{zh}(会话维度)", f"{en} (per session)")
    labels.update({f"kpi.m.{name}": label for name, label in _METRIC_LABELS.items()})
    return labels


CATALOGUE: dict[str, tuple[str, str]] = {
    **_field_labels(),
    "nav.group.kpi": ("数据与KPI", "Data & KPIs"),
    "nav.kpi_dashboard": ("KPI看板", "KPI dashboard"),
    "nav.kpi_company": ("公司总览", "Company view"),
    "nav.kpi_import": ("数据导入", "Data import"),
    "nav.my_kpi": ("我的KPI", "My KPIs"),
    "weekday.0": ("周一", "Mon"),
    "weekday.1": ("周二", "Tue"),
    "weekday.2": ("周三", "Wed"),
    "weekday.3": ("周四", "Thu"),
    "weekday.4": ("周五", "Fri"),
    "weekday.5": ("周六", "Sat"),
    "weekday.6": ("周日", "Sun"),
    "kpi.err.row": ("{reason}", "{reason}"),
    "kpi.err.summary_has_errors": ("文件有{n}处错误，未导入", "the file has {n} errors; nothing was imported"),
    # dashboard
    "kpi.dashboard.title": ("KPI看板", "KPI dashboard"),
    "kpi.no_data": (
        "该项目还没有KPI数据。请在“数据导入”上传聊天记录或平台日报。",
        "No KPI data yet. Upload chat logs or platform summaries on the Data import page.",
    ),
    "kpi.no_data_period": ("所选时间段没有数据。", "No data in this period."),
    "kpi.no_targets": (
        "订单确认表尚未确认，没有考核目标可对比。",
        "The order confirmation is not confirmed: there are no targets to compare with.",
    ),
    "kpi.period": ("日期范围", "Dates"),
    "kpi.agent_filter": ("客服筛选", "Agents"),
    "kpi.tiles": ("指标概览（对比目标）", "At a glance (against targets)"),
    "kpi.tiles_period": ("时间段", "Period"),
    "kpi.period.today": ("今天", "Today"),
    "kpi.period.yesterday": ("昨天", "Yesterday"),
    "kpi.period.last7": ("近7天（日均）", "Last 7 days (per day)"),
    "kpi.target": ("目标", "Target"),
    "kpi.points": ("个百分点", " pts"),
    "kpi.trends": ("每日趋势", "Daily trends"),
    "kpi.agents": ("客服明细与排名", "Agents and ranking"),
    "kpi.rank": ("排名", "Rank"),
    "kpi.agent": ("客服", "Agent"),
    # what the heat map counts is waits (buyer messages waiting for a reply), so it is named for them, title and legend alike
    "kpi.heatmap": ("分时段应答次数（星期 × 小时）", "Waits by weekday and hour"),
    "kpi.chart.ranking": ("客服询单转化率排名", "Agents by inquiry conversion rate"),
    "kpi.chart.response_by_hour": ("分时段平均响应时长", "Average response time by hour"),
    "kpi.heatmap_needs_raw": (
        "分时段分析需要原始聊天记录（平台日报没有时段数据）。",
        "The hour-of-day view needs raw chat logs (summaries have no hours).",
    ),
    "kpi.hour": ("小时", "Hour"),
    "kpi.waits": ("应答次数", "Waits"),
    "kpi.drill": ("数据追溯：某天的会话", "Drill-down: the chats of a day"),
    "kpi.drill_hint": (
        "选择日期和客服，查看构成当天数据的每个会话及其订单，用于解释有争议的数字。",
        "Pick a day and an agent to see every chat and order behind the figures.",
    ),
    "kpi.day": ("日期", "Day"),
    "kpi.drill_none": ("这一天没有原始会话记录。", "No raw chats on this day."),
    "kpi.drill_count": (
        "共{n}个会话，成交{converted}个，销售额¥{sales}",
        "{n} chats, {converted} converted, sales ¥{sales}",
    ),
    "kpi.buyer": ("买家", "Buyer"),
    "kpi.effective": ("有效回复", "Effectively replied"),
    "kpi.orders": ("归属订单", "Attributed orders"),
    "kpi.transcript": ("查看会话记录", "Transcript"),
    "kpi.time": ("时间", "Time"),
    "kpi.sender": ("发送方", "Sender"),
    "kpi.sender.buyer": ("买家", "Buyer"),
    "kpi.sender.agent": ("客服", "Agent"),
    "kpi.sender.auto": ("自动回复", "Auto-reply"),
    "kpi.sender.system": ("系统消息", "System"),
    "kpi.first_response_s": ("首次响应时长（秒）", "First response (s)"),
    "kpi.chat_converted": ("是否成交", "Converted"),
    "kpi.content": ("内容", "Content"),
    "kpi.days": ("天数", "Days"),
    # company
    "kpi.company.title": ("公司总览", "Company view"),
    "kpi.company.empty": ("没有已上线的项目。", "No live project."),
    "kpi.company.alert": (
        "系统预警：{project} 的 {kpis} 连续{n}天未达标",
        "Alert: {project} below target on {kpis} for {n} days in a row",
    ),
    "kpi.company.no_alerts": ("没有连续未达标的项目。", "No project below target for several days in a row."),
    "kpi.company.legend": (
        "每格：实际 / 目标；✅ 达标，❌ 未达标（响应时长越低越好）。咨询人数为日均。",
        "Each cell: actual / target; ✅ met, ❌ missed (lower is better for response times). Consultations per day.",
    ),
    # mine
    "kpi.mine.title": ("我的KPI", "My KPIs"),
    "kpi.mine.not_linked": (
        "您的账号还没有关联到客服花名册，请联系项目经理。",
        "Your login is not linked to the agent roster yet; ask your manager.",
    ),
    "kpi.mine.rank": ("询单转化率排名：第 **{rank}** 名 / 共 {n} 人", "Conversion rank: **{rank}** of {n}"),
    # import
    "kpi.import.title": ("数据导入", "Data import"),
    "kpi.import.settings": (
        "本项目KPI口径：考核时段 {start}–{end}，快速应答 {fast} 秒，{unit}，转化归属 {days} 天（来自订单确认表）",
        "This project's KPI settings: window {start}–{end}, fast reply {fast} s, {unit}, attribution {days} day(s) (from the order confirmation)",
    ),
    "kpi.import.raw": ("原始聊天记录", "Raw chat logs"),
    "kpi.import.summary": ("平台日报", "Platform daily summary"),
    "kpi.import.history": ("导入记录", "Import history"),
    "kpi.import.raw_hint": (
        "上传聊天记录（time, buyer, agent, sender, content）及订单（order_id, buyer, created_at, paid_at, amount, items, status），CSV或Excel。文件覆盖的日期将整体替换。",
        "Upload chat messages (time, buyer, agent, sender, content) and orders (order_id, buyer, created_at, paid_at, amount, items, status), CSV or Excel. The days the file covers are replaced.",
    ),
    "kpi.import.messages_file": ("聊天记录文件", "Chat messages file"),
    "kpi.import.orders_file": ("订单文件（可选）", "Orders file (optional)"),
    "kpi.import.check": ("检查文件", "Check the file"),
    "kpi.import.checking": ("正在检查…", "Checking…"),
    "kpi.import.refused": (
        "文件有错误，未导入任何数据。请修改以下行后重新上传：",
        "The file has errors; nothing was imported. Fix these rows and upload again:",
    ),
    "kpi.import.where": ("位置", "Where"),
    "kpi.import.reason": ("原因", "Reason"),
    "kpi.import.more_errors": ("另有{n}处错误未显示。", "{n} more errors not shown."),
    "kpi.import.raw_ok": (
        "检查通过：{messages}条消息，{orders}个订单，日期 {start} 至 {end}。",
        "Checked: {messages} messages, {orders} orders, {start} to {end}.",
    ),
    "kpi.import.replace_note": (
        "导入将替换本项目 {start} 至 {end} 的聊天数据，并重新计算受影响日期的KPI。",
        "Importing replaces this project's chats of {start} to {end} and recomputes the affected days.",
    ),
    "kpi.import.go": ("确认导入", "Import"),
    "kpi.import.progress": ("正在导入并计算KPI…", "Importing and computing KPIs…"),
    "kpi.import.done": ("导入完成（批次 #{id}）。", "Imported (batch #{id})."),
    "kpi.import.open_dashboard": ("打开KPI看板", "Open the KPI dashboard"),
    "kpi.import.unknown_agents": (
        "文件中有{n}个客服名称在花名册中找不到，请关联（只需一次，之后自动识别）：",
        "{n} agent names are not on the roster; map them once and they are remembered:",
    ),
    "kpi.import.leave_unmapped": ("暂不关联", "Leave unmapped"),
    "kpi.import.save_mapping": ("保存关联", "Save mapping"),
    "kpi.import.summary_hint": (
        "上传拼多多、淘宝、抖音等后台导出的客服日报（Excel或CSV），系统自动识别表头；导入前可预览。",
        "Upload a shop backend's per-agent daily summary (Excel or CSV); headers are recognised automatically and previewed before saving.",
    ),
    "kpi.import.summary_file": ("日报文件", "Summary file"),
    "kpi.import.mapping": ("表头识别", "Header mapping"),
    "kpi.import.header": ("文件表头", "File header"),
    "kpi.import.maps_to": ("识别为", "Read as"),
    "kpi.import.ignored": ("（不导入）", "(ignored)"),
    "kpi.import.summary_ok": ("检查通过：{rows}行。", "Checked: {rows} rows."),
    "kpi.import.no_history": ("还没有导入记录。", "No imports yet."),
    "kpi.import.when": ("时间", "When"),
    "kpi.import.kind": ("类型", "Kind"),
    "kpi.import.kind.raw": ("原始记录", "Raw logs"),
    "kpi.import.kind.summary": ("平台日报", "Summary"),
    "kpi.import.files": ("文件", "Files"),
    "kpi.import.days": ("日期", "Days"),
    "kpi.import.messages": ("消息数", "Messages"),
    "kpi.import.rows": ("KPI行数", "KPI rows"),
}
