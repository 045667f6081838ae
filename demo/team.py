"""Demo data of the team building, training materials and exams (called once by demo.firm.seed).

Deterministic (a seeded random.Random) and relative to config.today(). On top of the roster of
demo.firm.seed_roster it adds, per demo project:

- 优品家居 (live, 8 required): a full funnel (24 matched, 16 admitted, 12 on the team), materials
  with versions (its courseware returned once, then confirmed), a past training plan;
- 美妆小铺 (live, 10 required): full but for two leavers: 13 of 15 on the team (shown short);
- 鲜果坊 (training, 8 required, examined by us and the merchant): mid-funnel, screening reached
  late, merchant exams missing, courseware waiting for the merchant, a plan under way;
- 潮流服饰 (signed, 4 required): screening just started.

And newcomers on every stage of each track, candidates, a failed basic exam and a leaver.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pandas as pd
import sqlite_utils

from core.accounts import users
from core.agents import directory
from core.kernel import config, excel, workdays
from core.kernel.db import write
from core.kernel.permissions import Actor
from core.projects import merchants
from core.team import exams, funnel, materials, plans

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "晓雨",
    "子涵",
    "欣怡",
    "梓萱",
    "思彤",
    "雨桐",
    "佳琪",
    "一诺",
    "诗涵",
    "可馨",
    "浩然",
    "宇轩",
    "子豪",
    "俊杰",
    "明轩",
    "嘉怡",
    "雅琪",
    "梦瑶",
    "婉清",
    "若曦",
    "文静",
    "海燕",
    "丽娜",
    "春梅",
    "建华",
    "志强",
    "秀英",
    "桂芳",
    "玉兰",
    "晓峰",
    "凯文",
    "思远",
    "心怡",
    "语嫣",
    "天佑",
    "乐萱",
    "紫琳",
    "佳慧",
    "安琪",
    "雪莹",
)
# The candidate of 优品家居 with no project exam yet: the browser test examines and admits them.
EXAM_CANDIDATE = "林晓峰"
FAIL_NOTES = ("话术不熟练，催付环节遗漏", "售后政策答错两处", "响应超时较多", "未核对订单信息就答复", "产品参数记错")


def _pdf(text: str) -> bytes:
    """A small valid one-page PDF showing an ASCII line (demo courseware)."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _text(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


class _Seeder:
    def __init__(self, db: sqlite_utils.Database, admin: Actor):
        self.db = db
        self.admin = admin
        self.rng = random.Random(20240601)
        self.today = config.today()
        self.trainer = users.actor_from_row(users.find_by_username(db, "trainer"))
        self.manager = users.actor_from_row(users.find_by_username(db, "manager"))
        self.used_names = {a["name"] for a in directory.list_agents(db, admin)}
        self.next_no = len(self.used_names) + 1
        self.projects = {p["merchant_name"][:2]: p for p in merchants.list_projects(db, admin)}

    def ago(self, days: int) -> date:
        return self.today - timedelta(days=days)

    def name(self) -> str:
        while True:
            name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)
            if name not in self.used_names and name != EXAM_CANDIDATE:
                self.used_names.add(name)
                return name

    def agent(self, path: tuple[str, ...], joined: int, name: str | None = None, skills: str = "售前") -> int:
        """A new agent who joined `joined` days ago and went along `path` (candidate → ...), spaced out."""
        if name:
            self.used_names.add(name)
        agent_id = directory.create_agent(
            self.db,
            self.admin,
            {
                "name": name or self.name(),
                "employee_no": f"KF{self.next_no:04d}",
                "phone": f"1370000{self.next_no:04d}",
                "skills": skills,
                "status": "candidate",
                "base_salary": 3300 + 100 * self.rng.randint(0, 6),
                "since": self.ago(joined),
            },
        )
        self.next_no += 1
        for step, status in enumerate(path, start=1):
            directory.change_status(
                self.db,
                self.admin,
                agent_id,
                status,
                on=self.ago(max(0, joined - step * max(1, joined // (len(path) + 1)))),
            )
        return agent_id

    def exam(
        self,
        agent_id: int,
        project_id: int | None,
        exam_type: str,
        passed: bool,
        days_ago: int,
        examiner: str = "李培训",
    ) -> None:
        maximum = 100 if exam_type != "simulation" else 50
        ratio = self.rng.uniform(0.82, 0.98) if passed else self.rng.uniform(0.55, 0.76)
        exams.record_exam(
            self.db,
            self.trainer,
            {
                "agent_id": agent_id,
                "project_id": project_id,
                "exam_type": exam_type,
                "score": round(maximum * ratio),
                "max_score": maximum,
                "examiner": examiner,
                "exam_date": self.ago(days_ago).isoformat(),
                "notes": "" if passed else self.rng.choice(FAIL_NOTES),
            },
        )

    def basic(self, agent_id: int, days_ago: int, passed: bool = True) -> None:
        self.exam(agent_id, None, "written", passed, days_ago)

    def upload(
        self,
        project_id: int,
        title: str,
        category: str,
        versions: list[tuple[str, bytes]],
        uploader: Actor | None = None,
    ) -> list[int]:
        ids = [
            materials.upload_material(
                self.db, uploader or self.trainer, project_id, versions[0][1], versions[0][0], title, category
            )
        ]
        for filename, data in versions[1:]:
            ids.append(materials.upload_new_version(self.db, uploader or self.trainer, ids[-1], data, filename))
        return ids

    # --- projects ------------------------------------------------------------------------------

    def live_project(
        self, key: str, extra_team: int, pool_admitted: int, not_admitted: int, leavers: int, exam_name: str | None
    ) -> None:
        project = self.projects[key]
        project_id = project["id"]
        prefix = project["merchant_name"][:4]
        funnel.update_settings(self.db, self.manager, project_id, 3, 2, 1.5, 3, self.ago(130))
        current = directory.project_team(self.db, self.admin, project_id)
        members = [m["agent_id"] for m in current]
        for agent_id in members:  # the roster's first teams: screened, trained and examined long ago
            self.basic(agent_id, 135)
        funnel.match_candidates(self.db, self.manager, project_id, members, on=self.ago(128))
        for agent_id in members:
            self.exam(agent_id, project_id, "written", True, 124)
            self.exam(agent_id, project_id, "simulation", True, 123)
        newcomers = []
        for index in range(extra_team):
            # a second wave, on the team since before the quarter the KPI and QA demo data cover
            agent_id = self.agent(("training", "online" if index % 4 else "reserve"), 150)
            self.basic(agent_id, 135)
            funnel.match_candidates(self.db, self.manager, project_id, [agent_id], on=self.ago(127))
            first_try = index % 5 != 2
            self.exam(agent_id, project_id, "written", first_try, 112)
            if not first_try:
                self.exam(agent_id, project_id, "written", True, 110)
            self.exam(agent_id, project_id, "simulation", True, 109)
            funnel.add_to_team(
                self.db,
                self.manager,
                project_id,
                agent_id,
                "online" if index % 4 else "reserve",
                "day" if index % 2 else "night",
                self.ago(105),
                f"{prefix}:{directory.get_agent(self.db, agent_id)['name']}",
            )
            newcomers.append(agent_id)
        pool = []
        for _ in range(pool_admitted):
            agent_id = self.agent(("training", "reserve"), 150)
            pool.append(agent_id)
            self.basic(agent_id, 135)
            funnel.match_candidates(self.db, self.manager, project_id, [agent_id], on=self.ago(127))
            self.exam(agent_id, project_id, "written", True, 122)
            self.exam(agent_id, project_id, "simulation", True, 121)
        for index in range(not_admitted):
            name = exam_name if exam_name and index == not_admitted - 1 else None
            agent_id = self.agent(("training",), 150, name=name)
            self.basic(agent_id, 135)
            funnel.match_candidates(self.db, self.manager, project_id, [agent_id], on=self.ago(127))
            if name is None:  # failed one of the two exams (the named one has sat none yet)
                self.exam(agent_id, project_id, "written", index % 2 == 0, 122)
                self.exam(agent_id, project_id, "simulation", index % 2 == 1, 121)
        for agent_id in members[:2]:  # mystery shoppers after go-live
            self.exam(agent_id, project_id, "mystery_shopper", agent_id != members[1], 20, "神秘顾客")
        plan_start = self.ago(126)
        participants = members + pool  # the first team trained before go-live, reserves with them
        plans.save_plan(
            self.db,
            self.trainer,
            project_id,
            "mixed",
            plan_start,
            plans.default_plan_end(plan_start),
            list(plans.CONTENT_ITEMS),
            participants,
            "上线前集中培训，储备与在岗一起参加",
        )
        for offset, topic in enumerate(("项目情况与产品知识", "话术与常见问题", "模拟对练与质检要求")):
            present = [a for a in participants if self.rng.random() > 0.1]
            plans.add_session(self.db, self.trainer, project_id, plan_start + timedelta(days=offset), topic, present)
        for agent_id in newcomers[:leavers]:  # people leave: the team runs short
            assignment = next(
                m for m in directory.project_team(self.db, self.admin, project_id) if m["agent_id"] == agent_id
            )
            directory.end_assignment(self.db, self.manager, assignment["assignment_id"], self.ago(6))
            directory.change_status(self.db, self.manager, agent_id, "left", "个人原因离职", on=self.ago(6))

    def seed_youpin(self) -> None:
        project_id = self.projects["优品"]["id"]
        self.live_project("优品", extra_team=6, pool_admitted=4, not_admitted=8, leavers=0, exam_name=EXAM_CANDIDATE)
        merchant = users.actor_from_row(users.find_by_username(self.db, "merchant"))
        self.upload(
            project_id,
            "产品知识手册",
            "product",
            [
                ("product-handbook.pdf", _pdf("Youpin product handbook v1")),
                ("product-handbook-v2.pdf", _pdf("Youpin product handbook v2")),
            ],
        )
        self.upload(
            project_id,
            "天猫平台规则要点",
            "platform_rules",
            [("天猫规则.txt", _text("天猫平台规则要点", "1. 禁止引导线下交易", "2. 发货时效以页面承诺为准"))],
        )
        self.upload(
            project_id,
            "接待话术",
            "scripts",
            [
                ("话术v1.txt", _text("欢迎语：亲，欢迎光临优品家居~")),
                ("话术v2.txt", _text("欢迎语：亲，欢迎光临优品家居~", "催付：亲，您拍下的宝贝还没付款哦")),
                (
                    "话术v3.xlsx",
                    excel.to_xlsx(
                        {
                            "话术": pd.DataFrame(
                                {
                                    "场景": ["欢迎", "催付", "售后"],
                                    "话术": [
                                        "亲，欢迎光临优品家居~",
                                        "亲，您拍下的宝贝还没付款哦",
                                        "亲，非常抱歉给您带来不便",
                                    ],
                                }
                            )
                        }
                    ),
                ),
            ],
        )
        self.upload(
            project_id,
            "售后处理流程",
            "aftersales",
            [("售后流程.txt", _text("退换货：7天无理由", "质量问题：先安抚，再登记"))],
        )
        course = self.upload(
            project_id, "新人培训课件", "courseware", [("courseware-v1.pdf", _pdf("Youpin onboarding course v1"))]
        )
        materials.review_material(self.db, merchant, course[0], "returned", "退货运费规则写错了，请按最新政策修改")
        course.append(
            materials.upload_new_version(
                self.db, self.trainer, course[0], _pdf("Youpin onboarding course v2"), "courseware-v2.pdf"
            )
        )
        materials.review_material(self.db, merchant, course[1], "confirmed")

    def seed_meizhuang(self) -> None:
        project_id = self.projects["美妆"]["id"]
        self.live_project("美妆", extra_team=9, pool_admitted=7, not_admitted=10, leavers=2, exam_name=None)
        self.upload(
            project_id,
            "美妆产品成分说明",
            "product",
            [("成分说明.txt", _text("精华液：烟酰胺5%", "面霜：适合干性肌肤"))],
        )
        self.upload(
            project_id, "直播间客服课件", "courseware", [("live-course.pdf", _pdf("Douyin live room service course"))]
        )

    def seed_xianguo(self) -> None:
        project = self.projects["鲜果"]
        project_id = project["id"]
        prefix = project["merchant_name"][:3]
        funnel.update_settings(self.db, self.manager, project_id, 3, 2, 1.5, 2, self.ago(12))
        plan_start = self.ago(4)
        people = []
        for index in range(24):
            agent_id = self.agent(("training",), 45, skills="售前,售后" if index % 3 == 0 else "售前")
            self.basic(agent_id, 20)
            people.append(agent_id)
        # screening: 16 in time, the last 8 after the due day (reached late)
        funnel.match_candidates(self.db, self.manager, project_id, people[:16], on=self.ago(11))
        funnel.match_candidates(self.db, self.manager, project_id, people[16:], on=self.ago(5))
        for index, agent_id in enumerate(people):
            if index < 17:  # our exams
                self.exam(agent_id, project_id, "written", index != 16, 2)
                self.exam(agent_id, project_id, "simulation", True, 1)
            elif index < 21:
                self.exam(agent_id, project_id, "written", True, 2)
            if index < 9:  # the merchant's exam passed
                self.exam(agent_id, project_id, "merchant", True, 1, "鲜果坊-刘女士")
            elif index < 12:
                self.exam(agent_id, project_id, "merchant", False, 1, "鲜果坊-刘女士")
        golive = self.today + timedelta(days=6)
        for index, agent_id in enumerate(people[:6]):
            funnel.add_to_team(
                self.db,
                self.manager,
                project_id,
                agent_id,
                "online" if index < 4 else "reserve",
                "day" if index % 2 == 0 else "night",
                golive,
                f"{prefix}:{directory.get_agent(self.db, agent_id)['name']}",
            )
        plans.save_plan(
            self.db,
            self.trainer,
            project_id,
            "mock_practice",
            plan_start,
            plans.default_plan_end(plan_start),
            ["project", "business", "industry", "scripts", "cases"],
            people,
            "商家要求重点培训生鲜售后理赔",
        )
        plans.add_session(self.db, self.trainer, project_id, plan_start, "项目情况与水果品类知识", people[:22])
        plans.add_session(
            self.db, self.trainer, project_id, self.ago(2), "拼多多规则与话术模拟对练", people[:20] + people[21:]
        )
        self.upload(
            self.projects["鲜果"]["id"],
            "水果品类知识",
            "product",
            [("水果知识.txt", _text("赣南脐橙：11月上市", "坏果理赔：拍照即赔"))],
        )
        self.upload(
            project_id, "拼多多客服规则", "platform_rules", [("拼多多规则.pdf", _pdf("Pinduoduo service rules"))]
        )
        merchant2 = users.actor_from_row(users.find_by_username(self.db, "merchant2"))
        course = self.upload(
            project_id, "鲜果坊新人课件", "courseware", [("xianguo-course-v1.pdf", _pdf("Xianguo course v1"))]
        )
        materials.review_material(self.db, merchant2, course[0], "returned", "缺少坏果理赔流程，请补充")
        materials.upload_new_version(
            self.db, self.trainer, course[0], _pdf("Xianguo course v2"), "xianguo-course-v2.pdf"
        )
        self.upload(
            project_id, "质检标准", "qa_standard", [("质检标准.txt", _text("首响10秒内", "禁用语：不知道、没办法"))]
        )

    def seed_chaoliu(self) -> None:
        project_id = self.projects["潮流"]["id"]
        people = []
        for index in range(7):
            agent_id = self.agent(("training",), 30, skills="售前,服饰")
            self.basic(agent_id, 8)
            people.append(agent_id)
        funnel.match_candidates(
            self.db, self.manager, project_id, people[:5]
        )  # screening asked for today: 5 of 12 so far
        start = self.today + timedelta(days=2)
        plans.save_plan(
            self.db,
            self.trainer,
            project_id,
            "online_course",
            start,
            plans.default_plan_end(start),
            ["project", "business", "scripts", "faq_categories"],
            people,
            "",
        )
        self.upload(
            project_id,
            "尺码表",
            "product",
            [
                (
                    "尺码表.xlsx",
                    excel.to_xlsx(
                        {"尺码": pd.DataFrame({"尺码": ["S", "M", "L"], "身高": ["155-160", "160-165", "165-170"]})}
                    ),
                )
            ],
        )

    def seed_newcomers(self) -> None:
        """Trainees on every stage of every track, candidates, a failed basic exam, an old leaver."""
        for track, stages in plans.TRACKS.items():
            for done in range(len(stages) + 1):
                # into the current stage by a day (two trainees run late), or finished two days ago
                into = (
                    sum(s.working_days for s in stages[:done])
                    + (1 if done < len(stages) else 2)
                    + (3 if done == 1 else 0)
                )
                start = self._working_days_back(into)
                agent_id = self.agent(
                    ("training",), (self.today - start).days + 3, skills="售后" if track == "aftersales" else "售前"
                )
                track_id = plans.start_track(self.db, self.trainer, agent_id, track, start)
                progress = plans.track_progress(track, start, [], self.today)
                for stage in progress["stages"][:done]:
                    plans.complete_stage(
                        self.db,
                        self.trainer,
                        track_id,
                        min(stage["planned_end"] + timedelta(days=self.rng.randint(0, 1)), self.today),
                    )
                if done == len(stages):
                    self.basic(agent_id, 0, passed=track != "experienced")
        for _ in range(3):
            self.agent((), self.rng.randint(0, 5))
        leaver = self.agent(("training", "online"), 300)
        self.basic(leaver, 280)
        directory.change_status(self.db, self.manager, leaver, "left", "转岗", on=self.ago(90))

    def _working_days_back(self, n: int) -> date:
        """The day from which today is the n-th working day."""
        day, count = self.today, 0
        while True:
            if workdays.is_working_day(day):
                count += 1
                if count >= n:
                    return day
            day -= timedelta(days=1)

    def seed_agent_login(self) -> None:
        """The demo agent's own record: a finished track long ago."""
        own = directory.agent_for_user(self.db, users.find_by_username(self.db, "agent")["id"])
        track_id = plans.start_track(self.db, self.trainer, own["id"], "no_experience", self.ago(160))
        for stage in plans.track_progress("no_experience", self.ago(160), [], self.today)["stages"]:
            plans.complete_stage(self.db, self.trainer, track_id, stage["planned_end"])


def seed(db: sqlite_utils.Database, admin: Actor) -> None:
    """Add the team & training demo data to the seeded demo firm."""
    with write(db):  # one transaction: the many small writes become savepoints (fast)
        _seed(db, admin)


def _seed(db: sqlite_utils.Database, admin: Actor) -> None:
    seeder = _Seeder(db, admin)
    seeder.seed_agent_login()
    seeder.seed_youpin()
    seeder.seed_meizhuang()
    seeder.seed_xianguo()
    seeder.seed_chaoliu()
    seeder.seed_newcomers()
