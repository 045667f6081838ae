"""The platforms' customer-service exports as data: one profile per platform and export kind.

A profile says what a file of that export looks like and what its figures mean: the headers
that identify it (`signature`), header wordings that mean something particular in it
(`aliases`, header → field, or None for a column known to carry nothing we store), which
column is the agent, the labels of its summary and benchmark rows, whether the day is in the
file name, and the platform's own definitions (service window, per message or per turn, per
person or per session, robot replies), shown to the user in the import preview.

`detect(headers, filename)` picks the profile whose signature the headers match best; the user
can choose another in the preview. Adding an export is adding a `Profile` to `PROFILES`, never a
code branch. The layouts are those of shared/spec/platform-exports.md.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# Rows that are not agents, wherever their label sits. Benchmark rows are kept as the shop's peer
# benchmark; summary rows are skipped. Compared after normalisation (see `label_key`).
SUMMARY_LABELS = (
    "汇总值",
    "平均值",
    "全店汇总值",
    "全店平均值",
    "店铺总计",
    "店铺汇总值",
    "店铺平均值",
    "汇总",
    "合计",
    "总计",
    "总和",
    "小计",
    "平均",
    "均值",
    "total",
    "totals",
    "sum",
    "average",
    "avg",
)
BENCHMARK_LABELS = ("同行同层优秀", "同行同层均值", "同行优秀", "同行均值", "同行同层平均")


def label_key(text: str) -> str:
    """A cell as compared with row labels: NFKC, no spaces or punctuation, lower case."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", str(text)).lower())


_SUMMARY_KEYS = {label_key(x) for x in SUMMARY_LABELS}
_BENCHMARK_KEYS = {label_key(x) for x in BENCHMARK_LABELS}


def row_label_kind(cell: str) -> str | None:
    """'summary', 'benchmark' or None for one cell's text."""
    key = label_key(cell)
    if key in _BENCHMARK_KEYS:
        return "benchmark"
    if key in _SUMMARY_KEYS:
        return "summary"
    return None


@dataclass(frozen=True)
class Profile:
    """One export of one platform."""

    key: str
    platform: str  # tmall, taobao, pinduoduo, douyin, jd, kuaishou
    zh: str
    en: str
    signature: tuple[str, ...]  # headers that identify the layout (as written; compared normalised)
    menu_zh: str  # where the user downloads it
    aliases: dict[str, str | None] = field(default_factory=dict)
    agent_headers: tuple[str, ...] = ()  # which column is the agent, in order of preference
    day_in_filename: bool = True  # the file has no date column: the day is in its name
    shop_level: bool = False  # one row for the shop, no agent column
    definitions_zh: tuple[str, ...] = ()
    definitions_en: tuple[str, ...] = ()
    response_unit: str = "message"  # the platform's wait: per buyer message or per turn
    robot_as_human: bool = False  # robot (智能辅助) replies count as the agent's


def _sig(*headers: str) -> tuple[str, ...]:
    return headers


PROFILES: tuple[Profile, ...] = (
    Profile(
        "tmall_performance",
        "tmall",
        "天猫/淘宝 客服绩效",
        "Tmall/Taobao agent performance (客服绩效)",
        _sig(
            "旺旺昵称",
            "询单人数",
            "询单最终付款人数",
            "询单最终付款转化率",
            "询单最终付款金额",
            "首次响应时长（秒)",
            "平均响应时长（秒)",
            "客户满意率",
            "旺旺回复率",
            "成功退款金额",
        ),
        "千牛/生意参谋 → 服务 → 自制报表 → 报表查看 → 客服绩效 → 下载（开始和结束选同一天）",
        agent_headers=("旺旺昵称",),
        definitions_zh=(
            "响应时长按轮次（买家连续多条消息算一次）",
            "询单最终付款为延迟统计：约4天后才结算，未结算时显示“延迟统计”",
            "全天口径，不区分服务时间",
            "客户满意率 = 满意评价 / 评价数",
        ),
        definitions_en=(
            "response times per turn (a burst of buyer messages is one wait)",
            "final-payment figures settle after about 4 days (延迟统计 until then)",
            "whole day, no service window",
            "satisfaction = satisfied reviews / reviews",
        ),
        response_unit="turn",
    ),
    Profile(
        "tmall_reception",
        "tmall",
        "天猫/淘宝 咨询接待分析",
        "Tmall/Taobao reception analysis (咨询接待分析)",
        _sig(
            "旺旺昵称",
            "咨询人数",
            "接待人数",
            "未回复人数",
            "有效接待人数",
            "平均响应时长（秒)",
            "3分钟人工响应率",
            "旺旺回复率",
            "首次响应时长（秒)",
            "慢响应人数",
            "答问比",
            "旺旺分组",
        ),
        "生意参谋 → 服务 → 专项分析 → 咨询接待分析 → 下载",
        agent_headers=("旺旺昵称",),
        definitions_zh=("响应时长按轮次", "比率以小数写出（0.9971 = 99.71%）", "全天口径"),
        definitions_en=("response times per turn", "rates written as fractions (0.9971 = 99.71 %)", "whole day"),
        response_unit="turn",
    ),
    Profile(
        "qianniu_service",
        "tmall",
        "千牛 服务报表（按客服查看）",
        "Qianniu service report (按客服查看)",
        _sig("旺旺账号名称", "平均响应时长", "人工接待会话量", "3分钟人工响应率"),
        "千牛 → 服务报表 → 按客服查看 → 导出",
        agent_headers=("旺旺账号名称",),
        definitions_zh=("会话量按会话计", "响应时长按轮次"),
        definitions_en=("counts per session", "response times per turn"),
        response_unit="turn",
    ),
    Profile(
        "pdd_performance",
        "pinduoduo",
        "拼多多 客服绩效详情",
        "Pinduoduo agent performance (客服绩效详情)",
        _sig(
            "客服账号",
            "客服服务分",
            "咨询人数",
            "询单人数",
            "最终成团人数",
            "询单转化率",
            "客服销售额（元）",
            "去退销售额（元）",
            "需要人工回复的咨询人数",
            "人工接待人数",
            "3分钟未回复人数",
            "3分钟人工回复率(8-23点)",
            "30秒应答率(8-23点)",
            "平均人工响应时长",
            "评分≤3订单数",
            "纠纷退款数",
            "投诉数",
        ),
        "商家后台 → 多多客服 → 客服数据 → 客服绩效详情 → 下载表单（选一天；数据约晚3天）",
        agent_headers=("客服账号",),
        definitions_zh=(
            "每条买家消息算一次等待（按消息）",
            "(8-23点) 为服务时间口径，(全天) 为全天口径，两者分开保存",
            "平均人工响应时长不含机器人回复",
            "数据约3天后才完整",
        ),
        definitions_en=(
            "every buyer message is a wait (per message)",
            "(8-23点) is the service-hours figure, (全天) the whole-day one; kept apart",
            "average human response time excludes robot replies",
            "figures complete about 3 days later",
        ),
        response_unit="message",
    ),
    Profile(
        "douyin_performance",
        "douyin",
        "抖音 飞鸽 客服表现",
        "Douyin Feige agent performance (客服表现)",
        _sig(
            "客服昵称",
            "客服账号",
            "客服在线天数",
            "已接待人数",
            "接待会话量",
            "待回复会话量",
            "转出会话量",
            "有效评价数",
            "有效好评数",
            "有效差评数",
            "全天不满意率",
            "全天满意率",
            "全天平响时长",
            "全天首响时长",
            "全天3分钟回复率",
            "工作时间平响时长",
            "工作时间3分钟回复率",
            "询单人数",
            "下单人数",
            "支付人数",
            "退款人数",
            "客服询单支付额",
            "退款金额",
            "退款后销售额",
            "询单转化率",
            "服务问题会话数",
        ),
        "抖店 → 飞鸽 → 客服数据 → 客服表现 → 导出（选一天）",
        aliases={"客服昵称": "agent_name", "客服账号": "agent"},
        agent_headers=("客服账号", "客服昵称"),
        definitions_zh=(
            "全天 与 工作时间 是同一指标的两个口径，分开保存",
            "首响/平响统计 08:00:00–22:59:59",
            "欢迎语不算回复；机器人“智能辅助”回复算人工",
        ),
        definitions_en=(
            "全天 (whole day) and 工作时间 (service hours) are two figures of one KPI, kept apart",
            "first/average response counted 08:00:00–22:59:59",
            "the welcome message is not a reply; robot 智能辅助 replies count as human",
        ),
        response_unit="message",
        robot_as_human=True,
    ),
    Profile(
        "douyin_history",
        "douyin",
        "抖音 历史数据 客服数据",
        "Douyin history agent data (客服数据)",
        _sig(
            "店铺名称",
            "客服昵称",
            "账号名称",
            "人工已接待人数",
            "人工已接待会话量",
            "CPD",
            "不满意率",
            "3分钟人工回复率 (会话)",
            "3分钟人工回复率",
            "首次响应时长（秒）",
            "平均响应时长（秒）",
            "新平均响应时长（秒）",
            "满意率",
            "客服销售额（元）",
            "询单人数",
            "下单人数",
            "支付人数",
            "询单转化率",
            "预警会话量",
            "PC在线时长（时）",
            "PC小休时长（时）",
            "PC离线时长（时）",
        ),
        "抖店 → 飞鸽 → 历史数据 → 客服数据 → 导出",
        aliases={"客服昵称": "agent_name", "账号名称": "agent", "店铺名称": "shop"},
        agent_headers=("账号名称", "客服昵称"),
        definitions_zh=(
            "比率以百分数写在百分比格式单元格中",
            "(会话) 为按会话口径，其余按人",
            "最后一行“汇总”在店铺名称列",
        ),
        definitions_en=(
            "rates as numbers in percent-formatted cells",
            "(会话) is per session, the rest per person",
            "a final 汇总 row in 店铺名称",
        ),
        response_unit="message",
        robot_as_human=True,
    ),
    Profile(
        "jd_overall",
        "jd",
        "京东 咚咚 整体数据",
        "JD Dongdong overall data (整体数据)",
        _sig(
            "客服",
            "接待量",
            "售前接待人数",
            "促成下单人数",
            "促成下单商品金额",
            "平均响应时长（新）",
            "30s应答率",
            "客服3分钟人工回复率",
            "好评量",
            "评价量",
        ),
        "咚咚 → 客服管理 → 店铺数据 → 数据明细 → 导出数据（选一天）",
        agent_headers=("客服",),
        definitions_zh=(
            "满意度 = 好评量 / 评价量（加权，不是比率的平均）",
            "30秒应答率不含 23:00–09:00 开始的会话",
            "合计行的客服列为空",
        ),
        definitions_en=(
            "satisfaction = 好评量 / 评价量 (weighted, never a mean of rates)",
            "the 30-second rate excludes chats started 23:00–09:00",
            "the totals row has an empty 客服 cell",
        ),
        response_unit="message",
    ),
    Profile(
        "kuaishou_shop",
        "kuaishou",
        "快手小店 客服考核数据（店铺）",
        "Kuaishou shop customer-service data (shop level)",
        _sig(
            "三分钟回复率（人维度）",
            "三分钟回复率（会话）",
            "不服务率",
            "咨询人数",
            "咨询人次",
            "人工会话量",
            "人工平均回复时长",
            "好评率（人维度）",
            "好评率（会话）",
            "差评率（人维度）",
            "差评率（会话）",
            "IM不满意率（人维度）",
            "询单人数",
            "下单人数",
            "支付人数",
            "询单转化率",
            "询单客单价",
            "客服销售额",
        ),
        "快手小店 → 客服 → 考核数据 → 导出",
        shop_level=True,
        definitions_zh=("店铺级数据，没有客服列：保存为店铺当天数据", "人维度与会话维度分开保存"),
        definitions_en=(
            "shop level, no agent column: stored as the shop's day",
            "per person and per session kept apart",
        ),
    ),
)

BY_KEY: dict[str, Profile] = {p.key: p for p in PROFILES}
GENERIC = "generic"  # no profile: the general header table only


def header_key(text: str) -> str:
    """A header as compared with signatures: NFKC, no spaces or punctuation, lower case."""
    return label_key(text)


def match_score(profile: Profile, headers: list[str]) -> float:
    """Share of the profile's signature found among the headers (0–1)."""
    present = {header_key(h) for h in headers if str(h).strip()}
    wanted = {header_key(h) for h in profile.signature}
    return len(wanted & present) / len(wanted) if wanted else 0.0


DETECT_THRESHOLD = 0.6


def detect(headers: list[str], filename: str = "") -> Profile | None:
    """The profile these headers match best (at least 60 % of its signature), or None. A tie is
    broken by the platform named in the file name (抖音, 拼多多, 京东, …)."""
    scored = sorted(((match_score(p, headers), p) for p in PROFILES), key=lambda sp: -sp[0])
    best = [p for score, p in scored if score >= DETECT_THRESHOLD and score == scored[0][0]]
    if not best:
        return None
    hints = {
        "tmall": ("天猫", "淘宝", "千牛", "生意参谋"),
        "pinduoduo": ("拼多多", "pdd", "多多"),
        "douyin": ("抖音", "飞鸽", "抖店"),
        "jd": ("京东", "咚咚", "jd"),
        "kuaishou": ("快手",),
    }
    name = filename.lower()
    for profile in best:
        if any(h in name for h in hints.get(profile.platform, ())):
            return profile
    return best[0]
