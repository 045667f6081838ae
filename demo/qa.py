"""Demo data of QA and complaints: 90 days of reviews, disputes, cases, calibration, complaints and registers.

Deterministic (one seeded random.Random), relative to `config.today()`, and written through the
core functions (with their `now` parameter for past times) so that it obeys every rule it shows.
Only the two live demo projects and their teams get data, as in `demo.firm.seed_roster`.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import sqlite_utils

from core.complaints import aftersales, complaints
from core.kernel import config
from core.kernel.db import one
from core.kernel.permissions import Actor
from core.projects import merchants
from core.qa import access, calibration, cases, disputes, reviews, scorecards, scoring, settings
from core.qa import chats as qa_chats

DAYS = 90
SEED = 4

CATEGORY_WEIGHTS = {
    "logistics": 25,
    "product_quality": 20,
    "refund": 20,
    "service_attitude": 12,
    "wrong_answer": 13,
    "other": 10,
}
DESCRIPTIONS = {
    "logistics": ("快递三天没有更新物流", "包裹显示签收但没收到", "发错快递公司，买家要求改派"),
    "product_quality": ("收到的商品有划痕", "用了两天就坏了", "颜色与图片差距很大"),
    "refund": ("退款申请三天未处理", "退货寄回后迟迟未退款", "要求部分退款被拒"),
    "service_attitude": ("客服回复敷衍，态度冷淡", "客服语气不耐烦", "客服催买家下单，买家反感"),
    "wrong_answer": ("客服说有赠品，收货没有", "客服答复的尺码不对", "客服承诺的发货时间没兑现"),
    "other": ("要求开发票未处理", "买家投诉价格变动", "买家要求修改收货地址未处理"),
}
CASE_DESCRIPTIONS = {
    "not_as_expected": "买家说颜色比图片暗，要求退货",
    "service_unsatisfied": "买家认为客服回复太慢，给了中评",
    "missing_item": "买家反馈少了一个挂钩",
    "late_delivery": "下单五天仍未到货，买家催促",
    "transit_damage": "外箱压坏，商品一角破损",
    "quality": "使用一周后出现开裂",
}
COMMENTS_GOOD = ("整体规范，话术到位。", "响应及时，解答准确。", "服务热情，主动推荐搭配。", "处理流程清晰，买家满意。")
COMMENTS_WEAK = (
    "响应偏慢，需注意首响时间。",
    "产品参数解答有误，需复习产品知识。",
    "未主动追单，错失转化机会。",
    "话术生硬，缺少欢迎语。",
)
COMMENTS_CRITICAL = ("与买家争执，严重违规。", "拒不承认发错货，买家情绪激动。")


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """A time on a day, never later than a minute ago (demo data is all in the past)."""
    moment = datetime.combine(day, time(hour, minute))
    latest = config.now() - timedelta(minutes=1)
    return min(moment, latest)


def _ratings(rng: random.Random, card: scoring.Card, skill: float, fail_critical: bool) -> dict[int, int | None]:
    ratings: dict[int, int | None] = {}
    criticals = [i for i in card.items if i.critical]
    failing = rng.choice(criticals).id if fail_critical and criticals else None
    for item in card.items:
        low, high = scoring.SCALES[item.scale]
        if item.kind == "bonus":
            ratings[item.id] = high if rng.random() < (skill - 0.8) * 0.6 else None
            continue
        if item.allow_na and rng.random() < 0.15:
            ratings[item.id] = None
            continue
        if item.critical:
            ratings[item.id] = low if item.id == failing else high
            continue
        rating = high
        while rating > low and rng.random() > skill:
            rating -= 1
        ratings[item.id] = rating
    return ratings


def _comment(rng: random.Random, score: float, critical: bool) -> str:
    if critical:
        return rng.choice(COMMENTS_CRITICAL)
    return rng.choice(COMMENTS_GOOD if score >= 90 else COMMENTS_WEAK)


def seed(db: sqlite_utils.Database, admin: Actor) -> None:
    """Seed QA, complaints and registers for the live demo projects."""
    rng = random.Random(SEED)
    today = config.today()
    inspector = _actor(db, "qa") or admin
    manager = _actor(db, "manager") or admin
    agent_user = _actor(db, "agent")
    live = [p for p in merchants.list_projects(db, admin) if p["status"] == "live"]
    if not live:
        return
    settings.set_project_settings(db, admin, live[-1]["id"], 92.0, 2)
    card = scorecards.load_card(db, scorecards.default_scorecard_id(db))
    own_agent = access.own_agent_id(db, agent_user) if agent_user else None
    mine: list[int] = []
    for project in live:
        team = [a for a in access.team_agents(db, admin, project["id"], online_only=True)]
        skills = {a["id"]: 0.72 + 0.25 * rng.random() for a in team}
        for offset in range(DAYS, 0, -1):
            chat_day = today - timedelta(days=offset)
            for agent in team:
                # about two reviews a week each; the last two days are left for the sampling help to propose
                if offset <= 2 or rng.random() > 0.3:
                    continue
                growth = 0.08 * (DAYS - offset) / DAYS  # coaching shows: scores creep up over the quarter
                skill = min(0.98, skills[agent["id"]] + growth)
                critical = rng.random() < 0.025 + (0.03 if skill < 0.8 else 0)
                buyer = f"tb_{rng.randrange(10**7, 10**8)}"
                if qa_chats.has_raw_logs(db, project["id"]):  # a review is of one of the agent's stored chats
                    chats = qa_chats.agent_chats(db, admin, project["id"], chat_day, agent["id"])
                    if not chats:
                        continue  # no chat of this agent that day
                    buyer = rng.choice(chats)["buyer"]
                ratings = _ratings(rng, card, skill, critical)
                result = scoring.compute(card, ratings)
                case = (
                    "problem"
                    if critical or result.score < 55
                    else ("excellent" if result.score >= 100 and rng.random() < 0.4 else None)
                )
                who = inspector if rng.random() < 0.8 else admin
                when = _at(chat_day + timedelta(days=1), 10 + rng.randrange(7), rng.randrange(60))
                review_id = reviews.record_review(
                    db,
                    who,
                    {
                        "project_id": project["id"],
                        "agent_id": agent["id"],
                        "chat_buyer_id": buyer,
                        "chat_date": chat_day,
                        "comment": _comment(rng, result.score, bool(result.critical_failed)),
                        "transcript": "买家：在吗？\n客服：亲，在的，请问有什么可以帮您？"
                        if rng.random() < 0.3
                        else "",
                        "case_type": case,
                    },
                    ratings,
                    now=when,
                )
                if case and offset > 21 and rng.random() < 0.8:
                    cases.mark_case(
                        db,
                        admin,
                        review_id,
                        "discussed",
                        chat_day + timedelta(days=rng.randrange(3, 10)),
                        "周一例会提升培训已讲解",
                    )
                if agent["id"] == own_agent:
                    mine.append(review_id)
        _seed_calibration(db, rng, admin, inspector, project, team, card, today)
        _seed_complaints(db, rng, inspector, manager, project, team, card, today)
        _seed_registers(db, rng, inspector, manager, project, today)
    if agent_user is not None and mine:
        _seed_disputes(db, rng, agent_user, manager, mine, card)


def _actor(db: sqlite_utils.Database, username: str) -> Actor | None:
    row = one(db, "SELECT id, username, role, display_name, merchant_id FROM users WHERE username = ?", [username])
    if row is None:
        return None
    return Actor(
        id=row["id"],
        username=row["username"],
        role=row["role"],
        display_name=row["display_name"],
        merchant_id=row["merchant_id"],
    )


def _seed_disputes(
    db: sqlite_utils.Database,
    rng: random.Random,
    agent_user: Actor,
    manager: Actor,
    mine: list[int],
    card: scoring.Card,
) -> None:
    """The demo agent disputes a few of its reviews: accepted, partly accepted, rejected, and one still open."""
    chosen = sorted(mine, key=lambda rid: one(db, "SELECT score FROM qa_reviews WHERE id = ?", [rid])["score"])[:5]
    chosen = sorted(chosen)  # oldest first
    outcomes = ("accepted", "rejected", "partly_accepted", "rejected", None)
    for review_id, outcome in zip(chosen, outcomes):
        review = one(db, "SELECT chat_date, reviewed_at FROM qa_reviews WHERE id = ?", [review_id])
        raised = datetime.fromisoformat(review["reviewed_at"]) + timedelta(hours=3)
        raised = min(raised, config.now() - timedelta(minutes=1))
        dispute_id = disputes.raise_dispute(
            db, agent_user, review_id, "当时买家已说明不需要推荐，且系统卡顿导致响应慢，申请复核。", now=raised
        )
        if outcome is None:
            continue
        resolved = min(raised + timedelta(hours=rng.randrange(4, 40)), config.now() - timedelta(seconds=30))
        ratings = reviews.current_ratings(db, review_id)
        scored = [i for i in card.items if i.kind == "standard" and not i.critical and ratings.get(i.id) is not None]
        if outcome == "accepted":  # every point taken back
            for item in scored:
                ratings[item.id] = scoring.SCALES[item.scale][1]
        elif outcome == "partly_accepted":  # the worst item taken back, the rest stands
            worst = min(scored, key=lambda i: scoring.item_score(i.scale, ratings[i.id]))
            ratings[worst.id] = scoring.SCALES[worst.scale][1]
        comment = {
            "accepted": "复核聊天记录，申诉成立。",
            "partly_accepted": "响应慢属实，推荐项可不适用，部分采纳。",
            "rejected": "聊天记录显示确有不当，维持原评分。",
        }[outcome]
        disputes.resolve_dispute(
            db, manager, dispute_id, outcome, comment, None if outcome == "rejected" else ratings, now=resolved
        )


def _seed_calibration(
    db: sqlite_utils.Database,
    rng: random.Random,
    admin: Actor,
    inspector: Actor,
    project: dict,
    team: list[dict],
    card: scoring.Card,
    today: date,
) -> None:
    agent = team[0]
    calibration_id = calibration.create_calibration(
        db,
        admin,
        {
            "project_id": project["id"],
            "agent_id": agent["id"],
            "chat_buyer_id": "tb_calib_0001",
            "chat_date": today - timedelta(days=9),
            "title": "月度校准：退换货咨询",
            "transcript": "买家：衣服小了能换吗？\n客服：可以的亲，七天无理由退换。",
        },
        now=_at(today - timedelta(days=8), 9),
    )
    base = _ratings(rng, card, 0.85, False)
    for who, drift in ((inspector, 0), (admin, 1)):
        ratings = dict(base)
        for item in card.items:
            low, high = scoring.SCALES[item.scale]
            if (
                drift
                and item.kind == "standard"
                and not item.critical
                and ratings[item.id] is not None
                and rng.random() < 0.4
            ):
                ratings[item.id] = max(low, min(high, ratings[item.id] + rng.choice((-1, 1))))
        calibration.score_calibration(
            db, who, calibration_id, ratings, "校准评分", now=_at(today - timedelta(days=8), 11 + drift)
        )


def _seed_complaints(
    db: sqlite_utils.Database,
    rng: random.Random,
    inspector: Actor,
    manager: Actor,
    project: dict,
    team: list[dict],
    card: scoring.Card,
    today: date,
) -> None:
    categories = list(CATEGORY_WEIGHTS)
    weights = list(CATEGORY_WEIGHTS.values())
    overdue_days = {3, 5, 8} if project["id"] % 2 else {4, 7}  # a few complaints left open past their promise
    for offset in range(DAYS, 0, -1):
        if rng.random() > 0.3 and offset not in overdue_days:
            continue
        day = today - timedelta(days=offset)
        logged = _at(day, 9 + rng.randrange(12), rng.randrange(60))
        category = rng.choices(categories, weights)[0]
        severity = rng.choices(("low", "medium", "high"), (4, 4, 2))[0]
        concerns = category in complaints.SUPERVISOR_CATEGORIES or (category == "refund" and rng.random() < 0.3)
        agent = rng.choice(team) if concerns else None
        complaint_id = complaints.log_complaint(
            db,
            inspector,
            {
                "project_id": project["id"],
                "channel": rng.choice(complaints.CHANNELS),
                "buyer_id": f"buyer_{rng.randrange(10**6, 10**7)}",
                "order_no": str(rng.randrange(10**17, 10**18)),
                "category": category,
                "severity": severity,
                "description": rng.choice(DESCRIPTIONS[category]),
                "concerns_agent": concerns,
                "agent_id": agent["id"] if agent else None,
                "chat_date": (day - timedelta(days=1)) if agent else None,
                "promised_at": logged + timedelta(hours=24) if offset in overdue_days else None,
            },
            now=logged,
        )
        complaint = one(db, "SELECT * FROM complaints WHERE id = ?", [complaint_id])
        if offset in overdue_days:
            overdue_days.discard(offset)
            if complaint["status"] == "new" and rng.random() < 0.5:
                complaints.advance(
                    db, inspector, complaint_id, "start", "已联系买家，等待回复", now=logged + timedelta(hours=2)
                )
            continue  # left open past its promise: overdue on the lists
        if offset <= 1:
            continue  # yesterday's complaints are still new
        step = logged + timedelta(hours=1 + rng.randrange(3))
        if complaint["review_id"]:
            fail = category == "service_attitude" and rng.random() < 0.5
            ratings = _ratings(rng, card, 0.7, fail)
            reviews.score_review(
                db,
                inspector,
                complaint["review_id"],
                ratings,
                _comment(rng, scoring.compute(card, ratings).score, fail),
                "problem" if fail else None,
                now=step,
            )
            step += timedelta(hours=2)
        if complaint["status"] == "new":
            complaints.advance(db, inspector, complaint_id, "start", "已联系买家", now=step)
            step += timedelta(hours=3)
            if severity == "high" and rng.random() < 0.5:
                complaints.advance(db, inspector, complaint_id, "escalate", "买家情绪激动，升级主管", now=step)
                step += timedelta(hours=2)
        if complaint["concerns_agent"]:
            responsible = rng.random() < 0.55
            complaints.set_responsibility(
                db,
                manager,
                complaint_id,
                responsible,
                "核实聊天记录，客服处理不当" if responsible else "客服按规范处理，非客服责任",
                now=step,
            )
            step += timedelta(hours=1)
        if offset <= 3 and rng.random() < 0.5:
            continue  # still being worked on, within its promise
        complaints.advance(
            db,
            manager if complaint["concerns_agent"] else inspector,
            complaint_id,
            "resolve",
            "已补偿买家并致歉" if rng.random() < 0.5 else "已为买家办理退换",
            now=step,
        )
        if offset > 5:
            complaints.advance(db, inspector, complaint_id, "close", "买家确认满意", now=step + timedelta(days=1))
            if rng.random() < 0.05:
                complaints.advance(db, inspector, complaint_id, "reopen", "买家再次来电", now=step + timedelta(days=2))
                complaints.advance(
                    db, inspector, complaint_id, "resolve", "重新处理完毕", now=step + timedelta(days=2, hours=3)
                )
                complaints.advance(db, inspector, complaint_id, "close", "买家确认", now=step + timedelta(days=3))


def _seed_registers(
    db: sqlite_utils.Database, rng: random.Random, inspector: Actor, manager: Actor, project: dict, today: date
) -> None:
    items = ("收纳盒 ×1", "挂钩 ×2", "靠垫套 ×1", "口红小样 ×1", "化妆刷 ×1", "赠品小样 ×2")
    for offset in range(14, -1, -1):
        day = today - timedelta(days=offset)
        for n in range(rng.randrange(1, 4)):
            incomplete = rng.random() < 0.12
            aftersales.add_reissue(
                db,
                inspector,
                project["id"],
                {
                    "order_no": str(rng.randrange(10**17, 10**18)),
                    "buyer_id": f"buyer_{rng.randrange(10**6, 10**7)}",
                    "items": "" if incomplete else rng.choice(items),
                    "reason": rng.choice(aftersales.REISSUE_REASONS),
                    "note": "",
                },
                day=day,
                now=_at(day, 10 + n * 3),
            )
    for offset in range(30, 0, -1):
        if rng.random() > 0.5:
            continue
        day = today - timedelta(days=offset)
        reason = rng.choices(aftersales.CASHBACK_REASONS, (3, 1))[0]
        cashback_id = aftersales.add_cashback(
            db,
            inspector,
            project["id"],
            {
                "order_no": str(rng.randrange(10**17, 10**18)),
                "buyer_id": f"buyer_{rng.randrange(10**6, 10**7)}",
                "amount": "3.00" if reason == "good_review" else f"{rng.choice((5, 10, 15, 20))}.00",
                "reason": reason,
                "note": "五星好评截图已收到" if reason == "good_review" else "破损补偿",
            },
            now=_at(day, 15),
        )
        if offset > 7:
            aftersales.settle_cashback(db, manager, cashback_id, "店主已转账", now=_at(day + timedelta(days=3), 18))
    for offset in range(20, 0, -2):
        day = today - timedelta(days=offset)
        case_type = aftersales.CASE_TYPES[(offset // 2) % len(aftersales.CASE_TYPES)]
        case_id = aftersales.open_case(
            db,
            inspector,
            project["id"],
            {
                "case_type": case_type,
                "order_no": str(rng.randrange(10**17, 10**18)),
                "buyer_id": f"buyer_{rng.randrange(10**6, 10**7)}",
                "description": CASE_DESCRIPTIONS[case_type],
            },
            now=_at(day, 14),
        )
        total = aftersales.HANDLING_STEPS[case_type]
        done = total if offset > 6 else rng.randrange(0, total)
        aftersales.set_steps(db, inspector, case_id, list(range(1, done + 1)))
        if done == total:
            aftersales.close_case(db, inspector, case_id, now=_at(day + timedelta(days=2), 16))
