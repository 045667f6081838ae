"""Benchmark of knowledge-base search (core/kb/articles.py): 10,000 Chinese articles.

Builds a seeded corpus in a temporary database: 10,000 articles spread over 10 projects, written
through `kb.create_article` (so the FTS5 trigram index is filled by its triggers, as in the app),
plus each project's FAQ table. Then times `kb.search` as an agent uses it mid-chat, for the
three paths of the search: words of three characters or more (trigram index, bm25), words of
one or two characters (scan), and a phrase no article holds (relaxed to its pieces); each scoped
to one project (as the page does) and across all projects (staff). Prints the machine, the build
time and p50/p95/max latency in milliseconds.

Run:  .venv/bin/python bench/kb_search_bench.py [--articles 10000] [--projects 10] [--repeat 30]

Not a pytest test (no ``test_`` names).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("APP_BCRYPT_ROUNDS", "4")

from core.accounts import users  # noqa: E402
from core.bootstrap import open_store  # noqa: E402
from core.kb import articles as kb
from core.kernel.db import write  # noqa: E402
from core.projects import merchants

TOPICS = {
    "logistics": ("发货时间", "快递", "物流", "运费", "包邮", "顺丰", "改地址", "偏远地区", "预售发货", "仓库"),
    "after_sales": ("退换货", "七天无理由", "质量问题", "退款", "补发", "破损", "运费险", "拒收", "换货", "售后"),
    "promotions": ("优惠券", "满减", "定金", "尾款", "大促", "赠品", "直播间", "会员价", "秒杀", "叠加"),
    "product": ("尺码", "材质", "颜色", "规格", "保质期", "使用方法", "成分", "尺寸", "重量", "清洗"),
    "policy": ("发票", "价保", "正品", "授权", "专票", "收据", "保修", "退差价", "隐私", "投诉"),
    "platform_rules": ("禁用语", "回复率", "考核", "违规", "扣分", "线下交易", "好评", "催付", "时效", "申诉"),
    "faq": ("能不能", "多久", "怎么", "有没有", "可以吗", "是否", "哪里", "几天", "多少钱", "为什么"),
}
FILLER = (
    "亲，",
    "请放心，",
    "我们会",
    "按照页面承诺",
    "为您处理",
    "如有疑问",
    "请联系客服",
    "感谢理解",
    "具体以订单为准",
    "工作日内",
    "商品签收后",
    "请保持商品完好",
    "不影响二次销售",
    "活动期间",
    "以实际为准",
    "客服会在",
    "小时内回复",
)
QUERIES = {
    "trigram (3+ chars)": ("发货时间", "七天无理由", "优惠券", "保质期", "线下交易", "运费险 退款"),
    "scan (1-2 chars)": ("发货", "尺码", "发票", "退款", "快递", "赠品"),
    "relaxed": ("怎么开发票呢", "优惠券怎么叠加使用", "多久能发货啊"),
}


def build(db, n_articles: int, n_projects: int, seed: int = 20261101) -> list[int]:
    """Seeded projects and articles; returns the project ids."""
    rng = random.Random(seed)
    admin_id = users.create_user(db, None, "bench", "基准", "admin", "bench-pass-123")
    admin = users.actor_from_row(users.get_user(db, admin_id))
    project_ids = []
    for index in range(n_projects):
        merchant_id = merchants.create_merchant(db, admin, {"name": f"店铺{index:02d}", "platform": "tmall"})
        project_ids.append(merchants.create_project(db, admin, merchant_id, "售前"))
    categories = list(TOPICS)
    with write(db):  # one transaction: the app writes one article at a time, the benchmark times search
        for number in range(n_articles):
            category = rng.choice(categories)
            words = rng.sample(TOPICS[category], 3) + rng.sample(TOPICS[rng.choice(categories)], 2)
            title = f"{words[0]}{rng.choice(('说明', '规则', '处理', '指南', '问题'))}{number}"
            paragraphs = []
            for _ in range(rng.randint(3, 8)):
                sentence = "".join(rng.choice(FILLER) for _ in range(rng.randint(3, 7)))
                paragraphs.append(f"{rng.choice(words)}：{sentence}{rng.choice(words)}{rng.randint(1, 72)}小时。")
            kb.create_article(
                db,
                admin,
                rng.choice(project_ids),
                {
                    "title": title,
                    "category": category,
                    "tags": ",".join(words[:3]),
                    "body": "\n\n".join(paragraphs),
                    "skus": f"SKU-{number:05d}",
                },
            )
    return project_ids


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--projects", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args(argv)
    folder = tempfile.mkdtemp(prefix="kb-bench-")
    os.environ["APP_DB"] = str(Path(folder) / "app.db")
    db = open_store(os.environ["APP_DB"])
    print(
        f"machine: {platform.machine()} · {platform.processor() or '-'} · {os.cpu_count()} cpus · "
        f"{platform.system()} {platform.release()} · Python {platform.python_version()} · "
        f"SQLite {sqlite3.sqlite_version}"
    )
    started = time.perf_counter()
    project_ids = build(db, args.articles, args.projects)
    print(
        f"built {args.articles:,} articles in {args.projects} projects in {time.perf_counter() - started:.1f} s "
        f"({db.execute('SELECT COUNT(*) FROM kb_search').fetchone()[0]:,} index entries)"
    )
    admin = users.actor_from_row(users.find_by_username(db, "bench"))
    print(f"{'path':<20} {'scope':<12} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'hits':>5}")
    overall: list[float] = []
    for path, queries in QUERIES.items():
        for scope in ("one project", "all"):
            timings, hits = [], 0
            for repeat in range(args.repeat):
                for query in queries:
                    project_id = project_ids[repeat % len(project_ids)] if scope == "one project" else None
                    start = time.perf_counter()
                    found = kb.search(db, admin, query, project_id)
                    timings.append((time.perf_counter() - start) * 1000)
                    hits = max(hits, len(found))
            overall += timings
            print(
                f"{path:<20} {scope:<12} {len(timings):>7} {statistics.median(timings):>8.1f} "
                f"{percentile(timings, 0.95):>8.1f} "
                f"{max(timings):>8.1f} {hits:>5}"
            )
    print(
        f"{'all searches':<33} {len(overall):>7} {statistics.median(overall):>8.1f} "
        f"{percentile(overall, 0.95):>8.1f} {max(overall):>8.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
