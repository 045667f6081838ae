"""Benchmark of the KPI engine (core/kpi/engine.py): 1,000,000 messages, 100,000 orders.

Generates a seeded, realistic data set (several hundred agents over a month,
many buyers, bursts of buyer messages, automatic replies and system notices,
same-second replies, orders paid later, cancelled / unpaid / refunded and
silent orders), then times ``agent_daily`` + ``shop_daily`` in-process on the
DataFrames (``time`` as datetime64, as ``read_messages`` returns it) and prints
the machine, rows/s, seconds and peak memory.

Run:  .venv/bin/python bench/kpi_bench.py [--messages 1000000] [--orders 100000]
      [--repeat 3] [--string-times]

Not a pytest test (no ``test_`` names).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.kpi import engine  # noqa: E402

BUDGET_S = 3.0
BUDGET_MB = 1536.0


def make_data(n_messages: int, n_orders: int, seed: int = 20261101) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Seeded synthetic messages and orders, vectorised."""
    rng = np.random.default_rng(seed)
    n_days = 30
    day0 = np.datetime64("2026-10-01", "s").astype(np.int64)
    surnames = ["小美", "阿杰", "晓晓", "Amy", "bob", "cc", "若兰", "Kevin", "思思", "tom"]
    agents = np.array([f"店铺{i % 7}:{surnames[i % len(surnames)]}{i:03d}" for i in range(400)], dtype=object)
    n_buyers = 150_000
    buyers = np.array([f"buyer{x:09d}" for x in rng.choice(10**9, n_buyers, replace=False)], dtype=object)

    # chats: ~7.5 messages each on average
    n_chats = int(n_messages / 7.5) + 1
    c_day = rng.integers(0, n_days, n_chats)
    c_agent = rng.zipf(1.3, n_chats) % len(agents)  # some agents much busier
    c_buyer = rng.integers(0, n_buyers, n_chats)
    # start time of day: mostly 8-23 h, some at night and at the window edges
    hour = rng.choice(24, n_chats, p=_hour_profile())
    c_start = hour * 3600 + rng.integers(0, 3600, n_chats)
    edge = rng.random(n_chats) < 0.02
    c_start[edge] = rng.choice([8 * 3600 - 5, 8 * 3600, 23 * 3600 - 5, 23 * 3600], edge.sum())

    # messages: assign each to a chat, order inside the chat by cumulated gaps
    counts = rng.poisson(6.5, n_chats) + 1
    total = int(counts.sum())
    scale = n_messages / total
    counts = np.maximum(1, np.round(counts * scale).astype(np.int64))
    diff = n_messages - int(counts.sum())
    if diff:
        idx = rng.choice(n_chats, abs(diff))
        np.add.at(counts, idx, 1 if diff > 0 else -1)
        counts = np.maximum(counts, 0)
        counts[0] += n_messages - int(counts.sum())
    chat_of = np.repeat(np.arange(n_chats), counts)
    n = len(chat_of)
    first = np.r_[0, np.cumsum(counts)[:-1]]
    k = np.arange(n) - np.repeat(first, counts)  # position inside the chat
    # senders: bursts of buyer messages answered by agents; auto at the start; some system notices
    u = rng.random(n)
    sender = np.where(u < 0.52, 0, np.where(u < 0.92, 1, np.where(u < 0.98, 2, 3)))
    sender[k == 0] = np.where(rng.random((k == 0).sum()) < 0.9, 0, 1)  # chats usually open with the buyer
    auto_second = (k == 1) & (rng.random(n) < 0.3)
    sender[auto_second] = 2
    # gaps: buyer bursts are quick, replies take 0-120 s, sometimes exactly the same second
    gap = rng.exponential(25.0, n).astype(np.int64)
    gap[rng.random(n) < 0.08] = 0
    gap[(sender == 2)] = rng.integers(0, 2, (sender == 2).sum())
    gap[k == 0] = 0
    gap[rng.random(n) < 0.03] = 30  # waits of exactly 30 s
    offs = np.cumsum(gap)
    offs -= np.repeat(offs[first], counts)
    t = day0 + c_day[chat_of] * 86400 + c_start[chat_of] + offs
    names = np.array(engine.SENDERS, dtype=object)
    perm = rng.permutation(n)  # rows need not be sorted
    messages = pd.DataFrame(
        {
            "time": t[perm].astype("datetime64[s]"),
            "buyer": pd.array(buyers[c_buyer[chat_of]][perm], dtype="str"),
            "agent": pd.array(agents[c_agent[chat_of]][perm], dtype="str"),
            "sender": pd.array(names[sender][perm], dtype="str"),
        }
    )

    # orders: 80 % placed by chatting buyers shortly after one of their chats, 20 % silent buyers
    chatty = rng.random(n_orders) < 0.8
    src = rng.integers(0, n_chats, n_orders)
    o_buyer = np.where(chatty, c_buyer[src], rng.integers(0, n_buyers, n_orders))
    created = np.where(
        chatty,
        day0 + c_day[src] * 86400 + c_start[src] + rng.integers(0, 4 * 3600, n_orders),
        day0 + rng.integers(0, n_days * 86400, n_orders),
    )
    delay = np.where(
        rng.random(n_orders) < 0.85, rng.integers(0, 900, n_orders), rng.integers(3600, 3 * 86400, n_orders)
    )
    paid = (created + delay).astype("datetime64[s]")
    status = rng.choice(np.array(engine.ORDER_STATUSES, dtype=object), n_orders, p=[0.45, 0.25, 0.2, 0.03, 0.04, 0.03])
    paid[(status == "unpaid") | ((status == "cancelled") & (rng.random(n_orders) < 0.5))] = np.datetime64("NaT")
    orders = pd.DataFrame(
        {
            "order_id": pd.array([f"O{i:09d}" for i in range(n_orders)], dtype="str"),
            "buyer": pd.array(buyers[o_buyer], dtype="str"),
            "created_at": created.astype("datetime64[s]"),
            "paid_at": paid,
            "amount": np.round(rng.gamma(2.0, 120.0, n_orders), 2),
            "items": rng.integers(1, 6, n_orders),
            "status": pd.array(status, dtype="str"),
        }
    )
    return messages, orders


def _hour_profile() -> np.ndarray:
    w = np.array([1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 2, 5, 8, 9, 9, 8, 8, 9, 9, 8, 8, 9, 10, 11, 11, 8, 3], float)
    return w / w.sum()


def _rss_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # reset VmHWM (peak RSS) to the current RSS
        return True
    except OSError:
        return False


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--messages", type=int, default=1_000_000)
    p.add_argument("--orders", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--unit", choices=("message", "turn"), default="message")
    p.add_argument(
        "--string-times", action="store_true", help="also time with 'YYYY-MM-DD HH:MM:SS' strings instead of datetime64"
    )
    args = p.parse_args()

    print(f"machine : {_cpu_model()}, {os.cpu_count()} logical cores, {platform.system()} {platform.release()}")
    print(f"python  : {platform.python_version()}  pandas {pd.__version__}  numpy {np.__version__}")
    t0 = time.perf_counter()
    messages, orders = make_data(args.messages, args.orders)
    print(
        f"data    : {len(messages):,} messages ({messages['sender'].value_counts().to_dict()}), "
        f"{messages['agent'].nunique()} agents, {messages['buyer'].nunique():,} buyers, "
        f"{len(orders):,} orders; generated in {time.perf_counter() - t0:.1f} s"
    )
    settings = engine.KpiSettings(response_unit=args.unit)

    variants = [("datetime64 times", messages, orders)]
    if args.string_times:
        ms = messages.assign(time=messages["time"].dt.strftime("%Y-%m-%d %H:%M:%S"))
        os_ = orders.assign(
            created_at=orders["created_at"].dt.strftime("%Y-%m-%d %H:%M:%S"),
            paid_at=orders["paid_at"].dt.strftime("%Y-%m-%d %H:%M:%S"),
        )
        variants.append(("string times", ms, os_))

    ok = True
    for label, m, o in variants:
        gc.collect()
        base = _rss_mb("VmRSS")
        can_reset = _reset_peak()
        best = float("inf")
        parts = (0.0, 0.0)
        for _ in range(args.repeat):
            t1 = time.perf_counter()
            a = engine.agent_daily(m, o, settings)
            t2 = time.perf_counter()
            s = engine.shop_daily(m, o, settings)
            t3 = time.perf_counter()
            if t3 - t1 < best:
                best, parts = t3 - t1, (t2 - t1, t3 - t2)
            del a, s
            gc.collect()
        peak = _rss_mb("VmHWM") if can_reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        a, s = engine.daily(m, o, settings)
        t4 = time.perf_counter()
        engine.daily(m, o, settings)
        both = time.perf_counter() - t4
        print(f"\n[{label}, unit={args.unit}] best of {args.repeat}")
        print(
            f"  agent_daily {parts[0]:.3f} s + shop_daily {parts[1]:.3f} s = {best:.3f} s "
            f"(budget {BUDGET_S:.1f} s)  -> {len(m) / best:,.0f} messages/s for both levels"
        )
        print(f"  daily() both levels from one pass: {both:.3f} s")
        print(
            f"  peak RSS during the runs: {peak:,.0f} MB (process, incl. input data; "
            f"{base:,.0f} MB before) budget {BUDGET_MB:,.0f} MB"
            + ("" if can_reset else " [ru_maxrss: whole process lifetime]")
        )
        print(
            f"  output: {len(a):,} agent-day rows, {len(s)} shop-day rows; "
            f"shop consultations {int(s['consultations'].sum()):,}, converted {int(s['converted'].sum()):,}, "
            f"sales {s['sales'].sum():,.2f}"
        )
        if label.startswith("datetime64"):
            ok &= best <= BUDGET_S and peak <= BUDGET_MB
    print("\nwithin budget" if ok else "\nOVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
