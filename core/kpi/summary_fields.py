"""The canonical fields of the platforms' per-agent summary exports and the header wordings that name them.

`FIELDS` (each with the kind its values parse as and its labels), the figures only the platform
gives (`PLATFORM_ONLY_FIELDS`), and `HEADER_ALIASES`: plain data, add a wording there and it maps.
Every measure exists per person (`<field>_person`) and per conversation (`<field>_session`) too,
and in the two flavours of a figure (service hours, whole day).
"""

from __future__ import annotations

from dataclasses import dataclass

# Field kinds
DATE, TEXT, COUNT, RATE, DURATION, MONEY, NUMBER = "date", "text", "count", "rate", "duration", "money", "number"


@dataclass(frozen=True)
class FieldSpec:
    """A canonical field: its name, how its values parse, and its labels."""

    name: str
    kind: str
    zh: str
    en: str
    allow_negative: bool = False


BASE_FIELDS = (
    FieldSpec("date", DATE, "日期", "date"),
    FieldSpec("agent", TEXT, "客服", "agent"),
    FieldSpec("consultations", COUNT, "咨询人数", "consultations"),
    FieldSpec("receptions", COUNT, "接待人数", "buyers received"),
    FieldSpec("inquiries", COUNT, "询单人数", "inquiries"),
    FieldSpec("ordered_buyers", COUNT, "下单人数", "buyers who ordered"),
    FieldSpec("converted", COUNT, "成交人数", "buyers converted (paid)"),
    FieldSpec("sessions", COUNT, "会话数", "sessions"),
    FieldSpec("response_30s_rate", RATE, "30秒应答率", "30s response rate"),
    FieldSpec("response_1min_rate", RATE, "1分钟应答率", "1-minute response rate"),
    FieldSpec("response_3min_rate", RATE, "3分钟回复率", "3-minute response rate"),
    FieldSpec("avg_response_s", DURATION, "平均响应时长", "average response time"),
    FieldSpec("first_response_s", DURATION, "首次响应时长", "first response time"),
    FieldSpec("effective_reply_rate", RATE, "有效回复率", "effective reply rate"),
    FieldSpec("conversion_rate", RATE, "询单转化率", "conversion rate"),
    FieldSpec("sales", MONEY, "询单销售额", "sales"),
    FieldSpec("sales_after_refund", MONEY, "退款后销售额", "sales after refunds", allow_negative=True),
    FieldSpec("aov", MONEY, "客单价", "average order value"),
    FieldSpec("items", COUNT, "销售件数", "items sold"),
    FieldSpec("items_per_buyer", NUMBER, "客件数", "items per buyer"),
    FieldSpec("satisfaction", RATE, "满意度", "satisfaction"),
    FieldSpec("complaints", COUNT, "投诉数", "complaints"),
    FieldSpec("complaint_rate", RATE, "投诉率", "complaint rate"),
    # Text beside the agent: shown, kept in the platform's figures, never the agent key.
    FieldSpec("agent_name", TEXT, "客服昵称", "agent display name"),
    FieldSpec("group", TEXT, "客服分组", "agent group"),
    FieldSpec("shop", TEXT, "店铺名称", "shop name"),
    # Platform-only figures that matter to merchants and QA: kept with the day, shown where they exist.
    FieldSpec("valid_receptions", COUNT, "有效接待人数", "valid receptions"),
    FieldSpec("needs_human", COUNT, "需人工回复咨询人数", "buyers needing a human reply"),
    FieldSpec("unreplied", COUNT, "未回复人数", "buyers not replied"),
    FieldSpec("unreplied_3min", COUNT, "3分钟未回复人数", "buyers not replied within 3 min"),
    FieldSpec("slow_responses", COUNT, "慢响应人数", "slow responses"),
    FieldSpec("answer_ratio", NUMBER, "答问比", "answer/question ratio"),
    FieldSpec("lost_inquiries", COUNT, "询单流失人数", "inquiries lost"),
    FieldSpec("refund_buyers", COUNT, "退款人数", "buyers refunded"),
    FieldSpec("refund_amount", MONEY, "退款金额", "refund amount"),
    FieldSpec("service_score", NUMBER, "客服服务分", "service score"),
    FieldSpec("ratings", COUNT, "评分数", "ratings"),
    FieldSpec("low_rating_orders", COUNT, "评分≤3订单数", "orders rated 3 or less"),
    FieldSpec("low_rating_rate", RATE, "评分≤3率", "share rated 3 or less"),
    FieldSpec("dispute_refunds", COUNT, "纠纷退款数", "dispute refunds"),
    FieldSpec("dissatisfaction_rate", RATE, "不满意率", "dissatisfaction rate"),
    FieldSpec("reviews", COUNT, "评价数", "reviews"),
    FieldSpec("good_reviews", COUNT, "好评数", "good reviews"),
    FieldSpec("bad_reviews", COUNT, "差评数", "bad reviews"),
    FieldSpec("warning_sessions", COUNT, "预警会话量", "flagged sessions"),
    FieldSpec("problem_sessions", COUNT, "服务问题会话数", "sessions with service problems"),
    FieldSpec("waiting_sessions", COUNT, "待回复会话量", "sessions waiting for a reply"),
    FieldSpec("transferred_sessions", COUNT, "转出会话量", "sessions transferred"),
    FieldSpec("online_days", COUNT, "在线天数", "days online"),
    FieldSpec("online_s", DURATION, "PC在线时长", "time online (PC)"),
    FieldSpec("break_s", DURATION, "PC小休时长", "time on break (PC)"),
    FieldSpec("offline_s", DURATION, "PC离线时长", "time offline (PC)"),
    FieldSpec("cpd", NUMBER, "CPD", "CPD"),
    FieldSpec("not_served_rate", RATE, "不服务率", "not-served rate"),
    FieldSpec("bad_review_rate", RATE, "差评率", "bad-review rate"),
)


PLATFORM_ONLY_FIELDS = (
    "valid_receptions",
    "needs_human",
    "unreplied",
    "unreplied_3min",
    "slow_responses",
    "answer_ratio",
    "lost_inquiries",
    "refund_buyers",
    "refund_amount",
    "service_score",
    "ratings",
    "low_rating_orders",
    "low_rating_rate",
    "dispute_refunds",
    "dissatisfaction_rate",
    "reviews",
    "good_reviews",
    "bad_reviews",
    "warning_sessions",
    "problem_sessions",
    "waiting_sessions",
    "transferred_sessions",
    "online_days",
    "online_s",
    "break_s",
    "offline_s",
    "cpd",
    "not_served_rate",
    "bad_review_rate",
)
"""Figures only the platform gives (not computed from chat logs): stored with the day and shown in
the agent table and the merchant report where a file has them."""


# Header wordings seen in (or expected of) platform exports. Keys are canonical fields; the field
# name and its labels match too. Compared after normalisation (see module docstring), so list
# wordings, not spacing, punctuation or case variants.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("日期", "统计日期", "数据日期", "业务日期", "报表日期", "时间", "day", "stat date", "report date"),
    "agent": (
        "客服",
        "客服账号",
        "客服子账号",
        "子账号",
        "子账号名称",
        "客服旺旺",
        "旺旺",
        "旺旺昵称",
        "旺旺账号",
        "旺旺账号名称",
        "账号",
        "账号名称",
        "客服人员",
        "agent",
        "agent account",
        "staff",
        "cs agent",
        "sub account",
        "account",
        "uid",
    ),
    # a display name beside the account; the agent when the file has no account column
    "agent_name": ("客服昵称", "客服名称", "客服名", "客服姓名", "昵称", "agent name", "nickname", "display name"),
    "group": ("旺旺分组", "客服分组", "分组", "技能组", "group", "skill group"),
    "shop": ("店铺名称", "店铺", "shop", "shop name", "store"),
    "valid_receptions": ("有效接待人数",),
    "needs_human": ("需要人工回复的咨询人数", "需人工回复咨询人数"),
    "unreplied": ("未回复人数", "未回复买家数"),
    "unreplied_3min": ("3分钟未回复人数", "三分钟未回复人数"),
    "slow_responses": ("慢响应人数", "慢响应次数"),
    "answer_ratio": ("答问比", "问答比"),
    "lost_inquiries": ("询单流失人数", "流失人数"),
    "refund_buyers": ("退款人数",),
    "refund_amount": ("退款金额", "成功退款金额", "退款额"),
    "service_score": ("客服服务分", "服务分"),
    "ratings": ("评分数", "评分人数"),
    "low_rating_orders": ("评分≤3订单数", "评分<=3订单数", "低分订单数"),
    "low_rating_rate": ("评分≤3率", "评分<=3率", "低分率"),
    "dispute_refunds": ("纠纷退款数", "纠纷退款单数"),
    "dissatisfaction_rate": ("不满意率", "im不满意率", "买家不满意率", "dissatisfaction rate"),
    "reviews": ("评价数", "有效评价数", "评价量", "旺旺评价量", "评价人数"),
    "good_reviews": ("好评数", "有效好评数", "好评量", "满意评价量"),
    "bad_reviews": ("差评数", "有效差评数", "差评量"),
    "warning_sessions": ("预警会话量", "预警会话数"),
    "problem_sessions": ("服务问题会话数",),
    "waiting_sessions": ("待回复会话量",),
    "transferred_sessions": ("转出会话量", "转接会话量"),
    "online_days": ("客服在线天数", "在线天数"),
    "online_s": ("pc在线时长", "在线时长"),
    "break_s": ("pc小休时长", "小休时长"),
    "offline_s": ("pc离线时长", "离线时长"),
    "cpd": ("cpd",),
    "not_served_rate": ("不服务率",),
    "bad_review_rate": ("差评率",),
    "consultations": (
        "咨询人数",
        "咨询量",
        "咨询客户数",
        "咨询买家数",
        "咨询用户数",
        "consultation",
        "consults",
        "buyers consulted",
    ),
    "receptions": (
        "接待人数",
        "人工接待人数",
        "接待客户数",
        "接待买家数",
        "接待量",
        "已接待人数",
        "人工已接待人数",
        "receptions",
        "buyers received",
        "received buyers",
    ),
    "inquiries": (
        "询单人数",
        "询单客户数",
        "询单买家数",
        "询单量",
        "售前接待人数",
        "inquiry",
        "enquiries",
        "inquiry buyers",
    ),
    "ordered_buyers": (
        "下单人数",
        "询单下单人数",
        "下单买家数",
        "下单客户数",
        "促成下单人数",
        "ordered buyers",
        "buyers ordered",
    ),
    "converted": (
        "成交人数",
        "询单成交人数",
        "最终成团人数",
        "成团人数",
        "询单最终付款人数",
        "最终付款人数",
        "销售人数",
        "支付人数",
        "询单支付人数",
        "付款人数",
        "询单付款人数",
        "支付买家数",
        "成交客户数",
        "buyers paid",
        "paid buyers",
        "converted buyers",
        "conversions",
    ),
    "sessions": (
        "会话数",
        "接待会话数",
        "会话量",
        "接待会话量",
        "人工接待会话量",
        "人工已接待会话量",
        "人工会话量",
        "session count",
        "conversations",
        "chats",
    ),
    "response_30s_rate": (
        "30秒应答率",
        "30秒回复率",
        "30秒响应率",
        "30秒内应答率",
        "30秒内回复率",
        "30秒人工应答率",
        "30秒人工回复率",
        "30s response rate",
        "30 second response rate",
        "30 sec response rate",
        "response rate 30s",
        "30s reply rate",
    ),
    "response_1min_rate": (
        "1分钟应答率",
        "1分钟回复率",
        "1分钟响应率",
        "1分钟内回复率",
        "60秒应答率",
        "60秒回复率",
        "1min response rate",
        "1 minute response rate",
        "60s response rate",
        "1min reply rate",
    ),
    "response_3min_rate": (
        "3分钟应答率",
        "3分钟回复率",
        "3分钟响应率",
        "3分钟内回复率",
        "3分钟人工回复率",
        "3分钟人工响应率",
        "3分钟人工应答率",
        "客服3分钟人工回复率",
        "三分钟回复率",
        "三分钟人工回复率",
        "180秒回复率",
        "3min response rate",
        "3 minute response rate",
        "3min reply rate",
        "180s response rate",
    ),
    "avg_response_s": (
        "平均响应时长",
        "平均人工响应时长",
        "平均响应时间",
        "平均人工响应时间",
        "平响时长",
        "平响",
        "平均回复时长",
        "平均回复时间",
        "平均应答时长",
        "人工平均回复时长",
        "人工平均响应时长",
        "avg response time",
        "average response time",
        "mean response time",
        "avg response",
        "avg reply time",
    ),
    "first_response_s": (
        "首次响应时长",
        "首响时长",
        "首次响应时间",
        "首响时间",
        "首响",
        "平均首次响应时长",
        "平均首响时长",
        "平均首次响应时间",
        "首次人工响应时长",
        "first response",
        "avg first response time",
        "average first response time",
    ),
    "effective_reply_rate": (
        "有效回复率",
        "回复率",
        "有效应答率",
        "旺旺回复率",
        "reply rate",
        "effective response rate",
        "valid reply rate",
    ),
    "conversion_rate": (
        "询单转化率",
        "转化率",
        "询单成交转化率",
        "询单最终付款转化率",
        "最终付款转化率",
        "询单到成交转化率",
        "询单支付转化率",
        "咨询转化率",
        "成交转化率",
        "inquiry conversion rate",
        "cvr",
    ),
    "sales": (
        "询单销售额",
        "销售额",
        "成交金额",
        "询单成交金额",
        "询单支付额",
        "询单支付金额",
        "客服询单支付额",
        "客服销售额",
        "支付金额",
        "成交额",
        "询单最终付款金额",
        "最终付款金额",
        "促成下单商品金额",
        "sales amount",
        "inquiry sales",
        "revenue",
        "gmv",
        "paid amount",
    ),
    "sales_after_refund": (
        "退款后销售额",
        "扣除退款后销售额",
        "净销售额",
        "去退销售额",
        "sales after refund",
        "net sales",
    ),
    "aov": ("客单价", "询单客单价", "average order value", "avg order value", "atv"),
    "items": ("销售件数", "成交件数", "支付件数", "件数", "items", "items sold", "units sold"),
    "items_per_buyer": ("客件数", "items per buyer", "units per buyer", "upt"),
    "satisfaction": (
        "满意度",
        "满意率",
        "客户满意度",
        "客户满意率",
        "买家满意度",
        "好评率",
        "satisfaction rate",
        "csat",
    ),
    "complaints": ("投诉数", "投诉次数", "投诉量", "投诉单数", "complaint count"),
    "complaint_rate": ("投诉率", "complaint rate"),
}


DIMENSIONS: dict[str, tuple[str, str]] = {"person": ("人维度", "per person"), "session": ("会话维度", "per session")}


# Flavours of one figure that platforms give side by side (PDD `(8-23点)` / `(全天)`, Douyin 工作时间 /
# 全天, Douyin's and JD's 新 response time): kept apart as `<field>[_<dimension>]_<flavour>`.
FLAVOURS: dict[str, tuple[str, str]] = {
    "service": ("服务时间", "service hours"),
    "allday": ("全天", "whole day"),
    "new": ("新口径", "new definition"),
}


def _with_dimensions(base: tuple[FieldSpec, ...]) -> dict[str, FieldSpec]:
    fields: dict[str, FieldSpec] = {}
    for spec in base:
        fields[spec.name] = spec
        if spec.name == "agent":
            fields["agent_key"] = FieldSpec("agent_key", TEXT, "客服(去店铺前缀)", "agent (without shop prefix)")
        if spec.kind in (DATE, TEXT):
            continue
        variants = [(spec.name, spec.zh, spec.en)]
        for dim, (zh, en) in DIMENSIONS.items():
            variants.append((f"{spec.name}_{dim}", f"{spec.zh}({zh})", f"{spec.en} ({en})"))
        for name, zh_label, en_label in list(variants):
            if name != spec.name:
                fields[name] = FieldSpec(name, spec.kind, zh_label, en_label, spec.allow_negative)
        for name, zh_label, en_label in variants:
            for flavour, (zh, en) in FLAVOURS.items():
                flavoured = f"{name}_{flavour}"
                fields[flavoured] = FieldSpec(
                    flavoured, spec.kind, f"{zh_label}[{zh}]", f"{en_label} [{en}]", spec.allow_negative
                )
    return fields


FIELDS: dict[str, FieldSpec] = _with_dimensions(BASE_FIELDS)
"""Every canonical field, in the column order of `SummaryPreview.rows`."""


REQUIRED_FIELDS = ("date", "agent")
