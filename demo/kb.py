"""Demo data of the knowledge base, quick phrases and memos.

Articles in every category for the two live demo projects (and a few for the fruit shop in
training), written weeks ago by the manager, trainer and QA inspector, some edited since (a few
this week, so "what changed this week" has something to show), some past their review date; a
merchant's comment; quick phrases with shortcuts, QA flags in each state, one rewritten by last
Monday's meeting; and the demo agent's memos: answered (one as an article, one not yet seen),
queued for the meeting (one carried over) and waiting.

Deterministic, relative to `config.now()`, written through the core functions (with their `now`
parameter for past times) so that it obeys every rule it shows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlite_utils

from core.accounts import users
from core.kb import articles as kb
from core.kb import memos, phrases
from core.kernel import config, weeks
from core.kernel.db import one
from core.kernel.permissions import Actor
from core.projects import merchants

# (title, category, tags, skus, owner, created days ago, review offset in days from today, material title, body)
YOUPIN_ARTICLES = (
    (
        "四件套尺寸怎么选",
        "product",
        "尺码,床品",
        "YP-4J-150,YP-4J-180",
        "trainer",
        50,
        40,
        "产品知识手册",
        "## 按床宽选\n- 1.5米床：被套 200×230cm，床单 230×250cm\n- 1.8米床：被套 220×240cm，床单 245×250cm\n\n"
        "## 注意\n床垫厚度超过25cm的，建议选床笠款（YP-4J-180L）。枕套为48×74cm，可单独购买。",
    ),
    (
        "保温杯材质与保温时长",
        "product",
        "保温杯,材质",
        "YP-BWB-500",
        "trainer",
        45,
        45,
        "",
        "316不锈钢内胆，食品级硅胶密封圈。\n\n- 6小时保温：70℃以上\n- 12小时保冷：10℃以下\n\n"
        "不建议装碳酸饮料、牛奶长时间存放。",
    ),
    (
        "收纳箱承重与尺寸",
        "product",
        "收纳,尺寸",
        "YP-SNX-L,YP-SNX-XL",
        "trainer",
        40,
        50,
        "",
        "L号：55×40×32cm，承重15kg；XL号：65×45×36cm，承重20kg。\n\n箱盖可叠放3层，PP材质，仅限室内使用，避免暴晒。",
    ),
    (
        "天猫客服禁用语与引导规则",
        "platform_rules",
        "天猫,规则,禁用语",
        "",
        "qa",
        60,
        -5,
        "天猫平台规则要点",
        "- 禁止引导买家线下交易、加微信\n- 不得承诺“全网最低价”“绝对不掉色”等绝对化用语\n"
        "- 不得催促买家给好评\n\n违规将被平台扣分，质检按严重违规处理。",
    ),
    (
        "天猫发货时效规则",
        "platform_rules",
        "天猫,发货,时效",
        "",
        "manager",
        55,
        30,
        "",
        "页面承诺的发货时间即为考核标准：现货默认48小时内发货。超时未发货平台会按实付金额的5%赔付买家（最高不超过50元）。",
    ),
    (
        "店铺优惠券使用规则",
        "promotions",
        "优惠券,满减",
        "",
        "manager",
        35,
        55,
        "",
        "- 店铺券：满199减20，每人限领1张，有效期7天\n- 与跨店满减可叠加，与店铺其他券不可叠加\n- 退货后优惠券不退回",
    ),
    (
        "双11预售规则",
        "promotions",
        "预售,定金,大促",
        "",
        "manager",
        70,
        -12,
        "",
        "定金+尾款模式：定金不退（因商家原因无法发货除外）；尾款在11月1日开始支付，未付尾款视为放弃。\n\n预售商品按页面时间发货。",
    ),
    (
        "发货时间说明",
        "logistics",
        "发货,时效,物流",
        "",
        "manager",
        40,
        45,
        "",
        "现货商品付款后48小时内发货；预售商品按页面标注时间发货。\n\n每天16:00前付款的订单当天发出，周日不发货。",
    ),
    (
        "快递与运费",
        "logistics",
        "快递,运费,包邮",
        "",
        "manager",
        48,
        -3,
        "",
        "默认中通/韵达快递，全国包邮（新疆、西藏、青海除外，需补运费15元）。\n\n需要顺丰的，可补差价10元。",
    ),
    (
        "修改地址与快递改派",
        "logistics",
        "地址,改派",
        "",
        "trainer",
        30,
        60,
        "",
        "未发货前可直接在订单中修改地址；已发货的，联系快递改派，产生的费用由买家承担。",
    ),
    (
        "七天无理由退换货",
        "after_sales",
        "退换货,七天无理由",
        "",
        "qa",
        58,
        32,
        "售后处理流程",
        "签收后7天内，商品保持完好、不影响二次销售，可申请无理由退换。\n\n"
        "- 非质量问题：来回运费买家承担（有运费险的除外）\n- 床品拆封试用后不支持无理由退货",
    ),
    (
        "质量问题处理流程",
        "after_sales",
        "质量问题,补偿",
        "",
        "qa",
        52,
        38,
        "",
        "1. 先安抚买家，请买家拍照\n2. 5-20元优惠券先行处理，最多20元\n3. 超过20元或买家不接受的，登记后转售后主管",
    ),
    (
        "退款时效",
        "after_sales",
        "退款",
        "",
        "qa",
        25,
        65,
        "",
        "退货签收后1-3个工作日内退款，原路返回。仅退款申请在24小时内处理。",
    ),
    (
        "发票开具说明",
        "policy",
        "发票",
        "",
        "manager",
        65,
        25,
        "",
        "开具电子普通发票，买家确认收货后在订单详情中申请，1-3个工作日开出。\n\n抬头可以是个人或公司，公司需提供税号。",
    ),
    (
        "价格保护政策",
        "policy",
        "价保,降价",
        "",
        "manager",
        33,
        57,
        "",
        "签收后15天内降价可申请价保，退差价；大促活动价（如双11当天）不参与价保。",
    ),
    (
        "赠品规则",
        "faq",
        "赠品",
        "",
        "trainer",
        28,
        62,
        "",
        "每单赠送一份收纳袋，不可多送、不可折现。赠品缺失的，核实后补发。",
    ),
    (
        "能否指定快递",
        "faq",
        "快递,指定",
        "",
        "trainer",
        20,
        70,
        "",
        "默认不指定快递。需要顺丰的，可补差价10元后备注，我们优先安排。",
    ),
)
BEAUTY_ARTICLES = (
    (
        "精华液成分与用法",
        "product",
        "精华,成分,烟酰胺",
        "MZ-JH-30",
        "trainer",
        44,
        46,
        "美妆产品成分说明",
        "主要成分：烟酰胺5%、透明质酸。\n\n早晚洁面后取2-3滴，避开眼周。初次使用建议先在耳后试用。",
    ),
    (
        "面霜适合肤质",
        "product",
        "面霜,肤质",
        "MZ-MS-50",
        "trainer",
        42,
        48,
        "",
        "适合干性、混干性肌肤；油性肌肤夏季建议改用乳液。敏感肌请先做局部测试。",
    ),
    (
        "口红色号选择指南",
        "product",
        "色号,口红",
        "MZ-KH-01,MZ-KH-05,MZ-KH-08",
        "trainer",
        38,
        52,
        "",
        "- 01 豆沙色：黄皮友好，日常通勤\n- 05 正红色：显白，适合约会\n- 08 枫叶棕：秋冬色",
    ),
    (
        "抖音小店客服考核规则",
        "platform_rules",
        "抖音,考核,回复率",
        "",
        "qa",
        62,
        -8,
        "",
        "3分钟人工回复率须在85%以上；不回复、辱骂买家将被扣分。直播期间咨询量大，需增加在线人数。",
    ),
    (
        "直播间专属优惠券",
        "promotions",
        "优惠券,直播",
        "",
        "manager",
        15,
        75,
        "",
        "直播间专属券：满99减15，仅直播期间可领，下单时自动抵扣；与店铺券不可叠加。",
    ),
    (
        "满赠活动规则",
        "promotions",
        "满赠,赠品",
        "",
        "manager",
        12,
        78,
        "",
        "单笔实付满199元赠旅行装面霜1份，赠品随单发出，退货时需一并退回。",
    ),
    (
        "发货时间说明",
        "logistics",
        "发货,时效",
        "",
        "manager",
        40,
        50,
        "",
        "直播间订单付款后72小时内发货；普通订单48小时内发货。默认圆通快递。",
    ),
    (
        "过敏处理流程",
        "after_sales",
        "过敏,售后",
        "",
        "qa",
        36,
        54,
        "",
        "1. 建议买家立即停用，用清水洗净\n2. 请买家提供过敏部位照片和订单号\n3. 登记后由售后主管联系，可退款不退货",
    ),
    (
        "已拆封商品退换规则",
        "after_sales",
        "退换货,拆封",
        "",
        "qa",
        34,
        56,
        "",
        "化妆品拆封后不支持七天无理由退货；质量问题或过敏除外。未拆封的支持7天无理由。",
    ),
    (
        "发票开具说明",
        "policy",
        "发票",
        "",
        "manager",
        50,
        -2,
        "",
        "开具电子普通发票，确认收货后在订单页申请。不开具增值税专用发票。",
    ),
    (
        "正品保障说明",
        "policy",
        "正品,授权",
        "",
        "manager",
        46,
        44,
        "",
        "所有商品为品牌授权正品，支持专柜验货，假一赔十。",
    ),
    (
        "保质期与生产日期",
        "faq",
        "保质期",
        "",
        "trainer",
        26,
        64,
        "",
        "保质期3年，发货商品的生产日期均在1年内。开封后建议12个月内用完。",
    ),
)
FRUIT_ARTICLES = (
    (
        "坏果理赔规则",
        "after_sales",
        "坏果,理赔",
        "",
        "qa",
        10,
        80,
        "",
        "签收24小时内拍照反馈，坏果按个数赔付；坏果超过30%的整箱补发。",
    ),
    (
        "发货时间说明",
        "logistics",
        "发货,产地直发",
        "",
        "manager",
        10,
        80,
        "",
        "产地直发，付款后48小时内发货，顺丰冷链；偏远地区不发货。",
    ),
    (
        "赣南脐橙规格",
        "product",
        "脐橙,规格",
        "XG-QC-5,XG-QC-10",
        "trainer",
        9,
        81,
        "",
        "5斤装果径65-70mm，10斤装果径70-75mm，11月中旬上市。",
    ),
)
# (title, days ago, new body, note): later versions of articles above
EDITS = (
    (
        "发货时间说明",
        0,
        "现货商品付款后48小时内发货；预售商品按页面标注时间发货。\n\n每天17:00前付款的订单当天发出，周日正常发货。",
        "仓库截单时间改为17:00，周日恢复发货",
    ),
    (
        "店铺优惠券使用规则",
        0,
        "- 店铺券：满299减30，每人限领1张，有效期7天\n- 与跨店满减可叠加，与店铺其他券不可叠加\n- 退货后优惠券不退回",
        "店铺券改为满299减30",
    ),
    (
        "七天无理由退换货",
        20,
        "签收后7天内，商品保持完好、不影响二次销售，可申请无理由退换。\n\n"
        "- 非质量问题：来回运费买家承担（有运费险的除外）\n- 床品拆封试用后不支持无理由退货\n"
        "- 定制商品不支持无理由退换",
        "补充定制商品",
    ),
    (
        "质量问题处理流程",
        10,
        "1. 先安抚买家，请买家拍照\n2. 5-20元优惠券先行处理，最多20元\n"
        "3. 超过20元或买家不接受的，登记后转售后主管\n4. 24小时内回访",
        "增加回访要求",
    ),
)
PHRASES = {
    "优品家居": (
        ("欢迎语", "/hy", "亲，欢迎光临优品家居官方旗舰店，我是客服小优，请问有什么可以帮您？"),
        ("物流", "/fh", "亲，现货商品48小时内发货，预售商品按页面标注时间发货哦～"),
        ("物流", "/kd", "亲，默认发中通或韵达快递，暂不支持指定快递哦。"),
        ("物流", "/wl", "亲，麻烦提供一下订单号，我这边帮您查询物流进度～"),
        ("售后", "/th", "亲，支持7天无理由退换货，商品保持完好、不影响二次销售即可申请哦。"),
        ("售后", "/zl", "非常抱歉给您带来不好的体验，麻烦拍一下问题部位的照片，我们马上为您处理。"),
        ("售后", "/tk", "亲，退货签收后3-5个工作日内退款原路返回哦。"),
        ("售后", "/fp", "亲，我们开具电子普通发票，确认收货后在订单详情里申请即可～"),
        ("活动", "/yhq", "亲，店铺满199减20优惠券可在首页领取，下单时自动抵扣哦～"),
        ("活动", "/dj", "亲，预售商品需先付定金，尾款在活动当天支付，定金不退哦。"),
        ("产品", "/cm", "亲，1.5米床建议选200×230cm被套，1.8米床建议选220×240cm被套哦。"),
        ("产品", "/bw", "亲，这款保温杯为316不锈钢内胆，6小时保温在70℃以上哦。"),
        ("结束语", "/zj", "感谢您的光临，有任何问题随时联系我们哦，祝您生活愉快～"),
    ),
    "美妆小铺": (
        ("欢迎语", "/hy", "宝宝你好呀，欢迎来到美妆小铺直播间，有什么可以帮你的吗？"),
        ("物流", "/fh", "宝宝，直播间订单72小时内发货，普通订单48小时内发货哦～"),
        ("售后", "/gm", "宝宝先停用哦，用清水洗净，麻烦发一下过敏部位照片和订单号，我们马上登记处理。"),
        ("售后", "/th", "宝宝，未拆封的商品支持7天无理由退货，拆封后非质量问题不支持退货哦。"),
        ("活动", "/yhq", "宝宝，直播间专属券满99减15，直播期间领取，下单自动抵扣哦～"),
        ("产品", "/bzq", "宝宝，保质期3年，发货的都是1年内生产的新货哦。"),
        ("产品", "/zp", "宝宝放心，所有商品都是品牌授权正品，支持专柜验货，假一赔十。"),
        ("产品", "/sh", "黄皮宝宝推荐01豆沙色，想显白可以选05正红色哦～"),
    ),
}


def _ago(days: float = 0, hours: float = 0) -> datetime:
    return config.now() - timedelta(days=days, hours=hours)


def _this_week(minutes: int) -> datetime:
    """A moment earlier this week (never before this Monday 00:00)."""
    monday = datetime.combine(weeks.week_start(), datetime.min.time())
    return max(_ago(hours=minutes / 60), monday)


def seed(db: sqlite_utils.Database, admin: Actor) -> None:
    """Seed the knowledge base, phrases and memos of the demo firm (after the projects and teams)."""
    people = {
        name: users.actor_from_row(users.find_by_username(db, name))
        for name in ("manager", "trainer", "qa", "agent", "merchant")
    }
    by_name = {p["name"]: p for p in merchants.list_projects(db, admin)}
    today = config.today()
    titles: dict[tuple[int, str], int] = {}

    def write_articles(project: dict, articles: tuple) -> None:
        for title, category, tags, skus, owner, days, review, material, body in articles:
            found = (
                one(
                    db,
                    "SELECT id FROM training_materials WHERE project_id = ? AND title = ?",
                    [project["id"], material],
                )
                if material
                else None
            )
            author = people["trainer" if owner == "qa" else owner]  # QA owns articles but does not write them
            titles[(project["id"], title)] = kb.create_article(
                db,
                author,
                project["id"],
                {
                    "title": title,
                    "category": category,
                    "tags": tags,
                    "skus": skus,
                    "body": body,
                    "owner_id": people[owner].id,
                    "review_by": today + timedelta(days=review),
                    "source_material_id": found["id"] if found else None,
                },
                now=_ago(days=days, hours=2),
            )

    youpin, beauty, fruit = (by_name[f"{shop}-售前客服"] for shop in ("优品家居旗舰店", "美妆小铺", "鲜果坊"))
    write_articles(youpin, YOUPIN_ARTICLES)
    write_articles(beauty, BEAUTY_ARTICLES)
    write_articles(fruit, FRUIT_ARTICLES)
    for index, (title, days, body, note) in enumerate(EDITS):
        when = _this_week(30 + 10 * index) if days == 0 else _ago(days=days)
        kb.update_article(db, people["manager"], titles[(youpin["id"], title)], {"body": body}, note, now=when)
    shipping = titles[(youpin["id"], "发货时间说明")]
    kb.add_comment(
        db, people["merchant"], shipping, "618期间仓库发货可能延长到72小时，到时请同步更新话术。", now=_ago(days=3)
    )
    kb.add_comment(db, people["manager"], shipping, "收到，活动前一周更新文章和快捷短语。", now=_ago(days=2, hours=20))

    phrase_ids: dict[tuple[str, str], int] = {}
    for shop, project in (("优品家居", youpin), ("美妆小铺", beauty)):
        for group, shortcut, text in PHRASES[shop]:
            phrase_ids[(shop, shortcut)] = phrases.create_phrase(
                db,
                people["trainer"],
                project["id"],
                {"group_name": group, "shortcut": shortcut, "text": text},
                now=_ago(days=30),
            )
    qa_user, manager = people["qa"], people["manager"]
    last_monday = datetime.combine(weeks.week_start() - timedelta(days=7), datetime.min.time()) + timedelta(hours=10)
    refund = phrases.flag(
        db,
        qa_user,
        phrase_ids[("优品家居", "/tk")],
        "wrong",
        "退款时效已改为签收后1-3个工作日，短语还写3-5天。",
        now=last_monday - timedelta(days=3),
    )
    phrases.put_on_meeting_list(db, manager, refund, now=last_monday - timedelta(days=2))
    phrases.apply_decision(
        db,
        manager,
        phrase_ids[("优品家居", "/tk")],
        {"text": "亲，退货签收后1-3个工作日内退款，原路返回哦。"},
        "周例会：按新退款时效改写",
        now=last_monday,
    )
    courier = phrases.flag(
        db,
        qa_user,
        phrase_ids[("优品家居", "/kd")],
        "outdated",
        "现在可以补差价10元发顺丰，短语没提。",
        now=_ago(days=2),
    )
    phrases.put_on_meeting_list(db, manager, courier, now=_ago(days=1))
    phrases.flag(
        db, qa_user, phrase_ids[("优品家居", "/yhq")], "wrong", "店铺券本周起改为满299减30。", now=_this_week(20)
    )
    deposit = phrases.flag(
        db, qa_user, phrase_ids[("优品家居", "/dj")], "outdated", "大促结束了，这条还需要吗？", now=_ago(days=6)
    )
    phrases.dismiss_flag(db, manager, deposit, "下次大促继续使用，保留。", now=_ago(days=5))
    phrases.flag(
        db,
        qa_user,
        phrase_ids[("美妆小铺", "/fh")],
        "outdated",
        "直播间发货已缩短为48小时。",
        now=_ago(days=1, hours=3),
    )

    agent, trainer = people["agent"], people["trainer"]
    invoice = memos.note(
        db,
        agent,
        youpin["id"],
        "买家问能不能开增值税专用发票，不确定怎么回答。",
        "question",
        "买家：lily_88，订单尾号3321",
        now=_ago(days=6),
    )
    memos.to_article(
        db,
        manager,
        invoice,
        "可以开增值税专用发票：请买家在订单备注公司名称、税号、开户行及账号，确认收货后3个工作日内寄出纸质专票。",
        "增值税专用发票怎么开",
        "policy",
        "发票,专票",
        now=_ago(days=5),
    )
    memos.mark_seen(db, agent, now=_ago(days=4))
    pillow = memos.note(
        db,
        agent,
        youpin["id"],
        "买家问四件套的枕套能不能单独买？",
        "question",
        "买家：小王同学",
        now=_ago(days=1, hours=5),
    )
    memos.answer(db, manager, pillow, "可以，枕套链接在店铺“床品配件”分类，48×74cm，一对39元。", now=_ago(hours=20))
    carried = memos.note(db, agent, youpin["id"], "买家问收纳箱能不能放阳台或户外？", "question", now=_ago(days=10))
    memos.queue(db, manager, carried, now=_ago(days=9))
    idea = memos.note(
        db, agent, youpin["id"], "建议把“补差价发顺丰”做成快捷短语，最近很多买家问。", "idea", now=_ago(days=2, hours=4)
    )
    memos.queue(db, people["qa"], idea, now=_ago(days=2))
    memos.note(db, agent, youpin["id"], "买家问保温杯能不能装碳酸饮料？", "question", "订单尾号7788", now=_ago(hours=3))
    allergy = memos.note(
        db, trainer, beauty["id"], "直播间过敏咨询多，建议统一一条安抚话术。", "idea", now=_ago(days=4)
    )
    memos.to_phrase(
        db,
        manager,
        allergy,
        "/gmaw",
        "售后",
        "宝宝别着急，先停用并用清水洗净，我们会全程跟进处理，请放心～",
        "已统一为快捷短语 /gmaw。",
        now=_ago(days=3),
    )
