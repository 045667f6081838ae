"""AppTest runs of the QA, complaint and after-sales pages: the flows per role and the refusals.

The demo firm is seeded once for the module and copied for each test (seeding takes seconds).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import timedelta

import pytest

from core.bootstrap import open_store
from core.complaints import complaints
from core.kernel import config
from core.qa import access, analytics, chats, disputes, reviews, scorecards, scoring
from tests.app_pages.helpers import logged_in, open_page
from tests.conftest import actor_of


@pytest.fixture(scope="module")
def seeded(_demo_template):
    """The session's seeded demo firm (tests/conftest.py); fixtures below copy it."""
    return _demo_template[0]


@pytest.fixture
def site(seeded, tmp_path, monkeypatch):
    """A private copy of the seeded demo firm, set as APP_DB."""
    folder = tmp_path / "site"
    shutil.copytree(seeded, folder, ignore=shutil.ignore_patterns("app.db*"))
    source, target = sqlite3.connect(seeded / "app.db"), sqlite3.connect(folder / "app.db")
    source.backup(target)
    source.close()
    target.close()
    monkeypatch.setenv("APP_DB", str(folder / "app.db"))
    db = open_store(folder / "app.db")
    yield db
    db.close()


def texts(at) -> str:
    return " ".join(str(e.value) for e in [*at.markdown, *at.caption, *at.info, *at.error, *at.warning, *at.success])


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


# --- QA ---------------------------------------------------------------------------------------------------


def test_an_agent_sees_its_own_reviews_and_no_scoring(site):
    at = open_page(logged_in("agent"), "app_pages/qa.py")
    assert not at.exception
    assert [m.label for m in at.metric][:1] == ["我的质检分(IQS)"]
    assert not at.tabs and not [b for b in at.button if b.label == "保存评分"]
    own = access.own_agent_id(site, actor_of(site, "agent"))
    names = {r["agent_name"] for r in reviews.list_reviews(site, actor_of(site, "admin"), agent_id=own)}
    assert names == {"小美"}
    assert "阿杰" not in str(at.dataframe[0].value)


def test_an_agent_disputes_a_scored_review_from_the_page(site):
    agent = actor_of(site, "agent")
    start = config.today() - timedelta(days=29)
    target = next(r for r in reviews.list_reviews(site, agent, start=start) if r["status"] == "scored")
    at = open_page(logged_in("agent"), "app_pages/qa.py")
    at.selectbox(key="qa_a_pick").set_value(target["id"]).run()
    at.text_area[0].input("买家已确认不需要推荐")
    button(at, "提出申诉").click().run()
    assert not at.exception
    assert reviews.get_review(site, agent, target["id"])["status"] == "disputed"
    assert any("申诉已提交" in s.value for s in at.success)


def _inspection(site):
    """The demo's first live project (raw chat logs), yesterday, Amy and her first stored chat of the day, and the
    scorecard."""
    inspector = actor_of(site, "qa")
    project = access.projects_for(site, inspector, "qa.read")
    project_id = next(p["id"] for p in project if p["merchant_name"] == "优品家居旗舰店")
    yesterday = config.today() - timedelta(days=1)
    agent_id = next(a["id"] for a in access.team_agents(site, inspector, project_id, yesterday) if a["name"] == "Amy")
    chat = chats.agent_chats(site, inspector, project_id, yesterday, agent_id)[0]
    card = scorecards.load_card(site, scorecards.effective_scorecard_id(site, project_id))
    return inspector, project_id, yesterday, agent_id, chat, card


def _rate_all(at, card, key: str, **changes: int) -> None:
    """Click a rating on every standard item: the top one, or the one given by item name."""
    for item in card.items:
        if item.kind == "standard":
            at.radio(key=f"{key}_{item.id}").set_value(changes.get(item.name, scoring.SCALES[item.scale][1]))


def test_an_inspector_records_a_review_with_a_critical_failure_and_sees_the_total_live(site):
    inspector, project_id, _day, agent_id, chat, card = _inspection(site)
    at = open_page(logged_in("qa"), "app_pages/qa.py", project=project_id)
    at.selectbox(key="qa_agent_0").set_value(agent_id).run()
    at.selectbox(key="qa_chat_0").set_value(chat["buyer"]).run()
    _rate_all(at, card, "qa_r_0", 与买家争吵或嘲讽买家=0)
    at.run()
    assert any("计0分" in e.value for e in at.error)
    assert next(m for m in at.tabs[1].metric if m.label == "总分").value == "0"
    at.selectbox(key="qa_case_0").set_value("problem")
    at.text_area(key="qa_comment_0").input("与买家争执")
    at.button(key="qa_save_0").click().run()
    assert not at.exception
    saved = reviews.list_reviews(site, inspector, project_id=project_id, agent_id=agent_id, search=chat["buyer"])
    assert [(r["score"], r["critical_failed"], r["case_type"], r["inspector_name"]) for r in saved][-1:] == [
        (0.0, 1, "problem", "赵质检")
    ]


def test_a_new_review_starts_unrated_and_saving_it_so_is_refused_naming_every_item(site):
    inspector, project_id, _day, agent_id, chat, card = _inspection(site)
    before = len(reviews.list_reviews(site, inspector, project_id=project_id))
    at = open_page(logged_in("qa"), "app_pages/qa.py", project=project_id)
    at.selectbox(key="qa_agent_0").set_value(agent_id).run()
    at.selectbox(key="qa_chat_0").set_value(chat["buyer"]).run()
    standard = [i for i in card.items if i.kind == "standard"]
    assert all(at.radio(key=f"qa_r_0_{i.id}").value is None for i in standard)  # nothing preselected, no full marks
    assert not [m for m in at.tabs[1].metric if m.label == "总分"]  # no total until every item is rated
    at.button(key="qa_save_0").click().run()
    assert not at.exception
    refusal = next(e.value for e in at.error if "未保存" in e.value)
    assert all(f"{i.name}: 未评分" in refusal for i in standard)
    assert len(reviews.list_reviews(site, inspector, project_id=project_id)) == before
    _rate_all(at, card, "qa_r_0")
    at.radio(key=f"qa_r_0_{standard[0].id}").set_value(None)  # one item left unrated: refused, naming that one only
    at.button(key="qa_save_0").click().run()
    refusal = next(e.value for e in at.error if "未保存" in e.value)
    assert f"{standard[0].name}: 未评分" in refusal and f"{standard[1].name}: 未评分" not in refusal
    assert len(reviews.list_reviews(site, inspector, project_id=project_id)) == before


def test_with_raw_logs_the_inspector_picks_one_of_the_agents_chats_and_reads_it_beside_the_scorecard(site):
    inspector, project_id, day, agent_id, chat, card = _inspection(site)
    at = open_page(logged_in("qa"), "app_pages/qa.py", project=project_id)
    assert not [w for w in at.text_input if w.key == "qa_buyer_0"]  # no typed buyer id, no pasted transcript
    assert not [w for w in at.text_area if w.key == "qa_transcript_0"]
    at.selectbox(key="qa_agent_0").set_value(agent_id).run()
    options = at.selectbox(key="qa_chat_0").options
    mine = chats.agent_chats(site, inspector, project_id, day, agent_id)
    assert len(options) == len(mine) and all(c["buyer"] in o for c, o in zip(mine, options))
    at.selectbox(key="qa_chat_0").set_value(chat["buyer"]).run()
    shown = next(d.value for d in at.dataframe if "发送方" in d.value.columns)
    messages = chats.chat_messages(site, inspector, project_id, day, agent_id, chat["buyer"])
    assert len(shown) == len(messages) and set(shown["发送方"]) <= {"买家", "客服", "自动回复", "系统消息"}
    _rate_all(at, card, "qa_r_0")
    at.button(key="qa_save_0").click().run()
    assert not at.exception
    saved = reviews.list_reviews(site, inspector, project_id=project_id, agent_id=agent_id, search=chat["buyer"])[0]
    assert reviews.get_review(site, inspector, saved["id"])["transcript"] == chats.transcript_text(messages)


def test_the_sampling_list_opens_the_entry_form_with_its_day_and_agent(site):
    inspector, project_id, _day, _agent, _chat, _card = _inspection(site)
    at = open_page(logged_in("qa"), "app_pages/qa.py", project=project_id)
    day = at.date_input(key="qa_sampling_day").value
    proposed = analytics.sampling_proposal(site, inspector, project_id, day)[0]
    at.selectbox(key="qa_sample_agent").set_value(proposed["agent_id"])
    at.button(key="qa_sample_go").click().run()
    assert not at.exception
    assert at.selectbox(key="qa_agent_0").value == proposed["agent_id"] and at.date_input(key="qa_date_0").value == day
    assert at.session_state["qa_tabs"] == "录入质检"


def test_a_manager_rejects_an_open_dispute_which_locks_the_review(site):
    open_dispute = disputes.list_disputes(site, actor_of(site, "manager"), status="open")[0]
    at = open_page(logged_in("manager"), "app_pages/qa.py", project=open_dispute["project_id"])
    assert not [b for b in at.button if b.label == "保存评分"]  # a manager does not score
    at.radio(key=f"qa_d_outcome_{open_dispute['id']}").set_value("rejected").run()
    at.text_area(key=f"qa_d_comment_{open_dispute['id']}").input("维持原评分")
    at.button(key=f"qa_d_go_{open_dispute['id']}").click().run()
    assert not at.exception
    assert reviews.get_review(site, actor_of(site, "manager"), open_dispute["review_id"])["status"] == "locked"


def test_a_merchant_sees_its_projects_qa_summary_only(site):
    merchant = actor_of(site, "merchant")
    at = open_page(logged_in("merchant"), "app_pages/qa.py")
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert labels == ["质检次数", "平均分", "达标率", "问题案例", "优秀案例"]
    mean = next(m for m in at.metric if m.label == "平均分")
    assert "对比目标" in mean.delta and "vs" not in mean.delta  # the merchant's page speaks Chinese
    assert next(m for m in at.metric if m.label == "达标率").value.endswith("%")
    assert not at.tabs and not at.dataframe and [b.key for b in at.button] == ["logout_button"]
    comments = {r["comment"] for r in reviews.list_reviews(site, actor_of(site, "admin")) if r["comment"]}
    page = str(at)
    assert not any(c in page for c in comments)
    own = {p["id"] for p in access.projects_for(site, merchant, "qa.summary")}
    other = next(p["id"] for p in access.projects_for(site, actor_of(site, "admin"), "qa.read") if p["id"] not in own)
    at = open_page(logged_in("merchant"), "app_pages/qa.py", project=other)
    assert any("找不到" in e.value for e in at.error) and not at.metric


def test_qa_analysis_draws_the_score_chart_against_the_target_and_the_case_library(site):
    at = open_page(logged_in("trainer"), "app_pages/qa_analysis.py")
    assert not at.exception
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert len(charts) == 2  # score over time, items losing most points
    assert charts[0]["layout"]["shapes"][0]["y0"] == 90 and charts[0]["layout"]["annotations"][0]["text"] == "目标 90"
    assert "质检分(IQS)" in at.dataframe[0].value.columns


# --- complaints -------------------------------------------------------------------------------------------


def test_a_merchant_sees_its_complaints_read_only_and_never_another_projects(site):
    admin, merchant = actor_of(site, "admin"), actor_of(site, "merchant")
    at = open_page(logged_in("merchant"), "app_pages/complaints.py")
    assert not at.exception
    assert not [e for e in at.expander if "登记投诉" in e.label]
    own = {c["number"] for c in complaints.list_complaints(site, merchant)}
    others = [c for c in complaints.list_complaints(site, admin) if c["number"] not in own]
    shown = str(at.dataframe[0].value)
    assert own and all(n not in shown for n in (c["number"] for c in others))
    assert "客服" not in [str(c) for c in at.dataframe[0].value.columns]
    at = open_page(logged_in("merchant"), "app_pages/complaints.py", complaint=others[0]["id"])
    assert any("找不到" in e.value for e in at.error)
    assert others[0]["number"] not in str(at)
    mine = complaints.list_complaints(site, merchant)[0]
    at = open_page(logged_in("merchant"), "app_pages/complaints.py", complaint=mine["id"])
    assert not at.exception and not [b for b in at.button if b.label in ("执行", "保存")]


def test_a_manager_logs_a_complaint_and_steps_it_through_its_life(site):
    manager = actor_of(site, "manager")
    at = open_page(logged_in("manager"), "app_pages/complaints.py")
    form_inputs = {t.label: t for t in at.text_input}
    form_inputs["买家ID"].input("tb_page_buyer")
    [w for w in at.selectbox if w.label == "投诉类别"][-1].set_value(
        "logistics"
    )  # a parcel complaint: not one for the supervisor
    next(t for t in at.text_area if t.label == "投诉内容").input("快递破损")
    button(at, "登记").click().run()
    assert not at.exception
    logged = complaints.list_complaints(site, manager, search="tb_page_buyer")
    assert len(logged) == 1 and logged[0]["number"].startswith(f"TS-{config.today():%Y%m%d}-")
    complaint_id = logged[0]["id"]
    assert at.subheader[0].value == f"{logged[0]['number']} · 新建"  # the page moved to the new complaint
    for action in ("start", "resolve", "close"):
        step = next(s for s in at.selectbox if s.label == "操作")
        step.set_value(action)
        next(t for t in at.text_input if t.label == "备注").input("处理说明")
        button(at, "执行").click().run()
        assert not at.exception
    assert complaints.get_complaint(site, manager, complaint_id)["status"] == "closed"
    assert [e["action"] for e in complaints.events(site, manager, complaint_id)] == ["log", "start", "resolve", "close"]


def test_the_agent_chosen_on_the_complaint_form_is_saved_and_an_attitude_complaint_goes_to_the_projects_supervisor(
    site,
):
    manager = actor_of(site, "manager")
    at = open_page(logged_in("manager"), "app_pages/complaints.py")
    assert not [c for c in at.checkbox if c.label == "涉及客服"]  # one field says which agent: no second tick
    project_id = at.selectbox(key="c_new_project").value
    yesterday = config.today() - timedelta(days=1)
    agent = next(a for a in access.team_agents(site, manager, project_id, yesterday) if a["name"] == "Amy")
    hint = next(c.value for c in at.caption if "升级给项目主管" in c.value)
    assert "（王经理）" in hint and "服务态度" in hint
    [w for w in at.selectbox if w.label == "投诉类别"][-1].set_value("service_attitude")
    next(w for w in at.selectbox if w.label == "涉及客服").set_value(agent["id"])
    next(w for w in at.date_input if w.label == "相关聊天日期").set_value(yesterday)
    next(w for w in at.text_input if w.label == "买家ID").input("tb_attitude")
    next(w for w in at.text_area if w.label == "投诉内容").input("客服态度冷淡")
    button(at, "登记").click().run()
    assert not at.exception
    saved = complaints.list_complaints(site, manager, search="tb_attitude")[0]
    assert (saved["agent_name"], saved["status"], saved["assignee_name"]) == ("Amy", "escalated", "王经理")
    assert saved["review_id"] and reviews.get_review(site, manager, saved["review_id"])["agent_name"] == "Amy"
    facts = dict(at.dataframe[0].value.values.tolist())  # the page moved to the new complaint
    assert facts["负责主管"] == "王经理" and facts["涉及客服"] == "Amy"


# --- after-sales registers ----------------------------------------------------------------------------------


def test_an_incomplete_reissue_is_flagged_and_left_out_of_the_warehouse_file(site):
    at = open_page(logged_in("agent"), "app_pages/aftersales.py")
    assert not at.exception
    next(t for t in at.text_input if t.label == "订单号").input("2611239999")  # the first form: a new row
    button(at, "添加").click().run()
    assert not at.exception
    assert any("信息不完整" in w.value for w in at.warning)
    from core.complaints import aftersales

    row = next(
        r
        for r in aftersales.list_reissues(site, actor_of(site, "agent"), day=config.today())
        if r["order_no"] == "2611239999"
    )
    assert row["missing"] == ["buyer_id", "items", "reason"]


def test_a_merchant_reads_the_registers_without_any_form(site):
    at = open_page(logged_in("merchant"), "app_pages/aftersales.py")
    assert not at.exception
    assert not [b for b in at.button if b.label in ("添加", "标记已支付", "标记完成", "保存进度")]
    assert any("只读" in c.value for c in at.caption)


def test_the_overdue_link_opens_the_projects_overdue_complaints(site):
    manager = actor_of(site, "manager")
    overdue = complaints.overdue_by_project(site, manager)
    assert overdue, "the demo has overdue complaints"
    at = open_page(logged_in("manager"), "app_pages/complaints.py")
    assert any("条投诉已超过承诺完成时间" in m.value for m in at.markdown)
    target = overdue[0]
    at = open_page(logged_in("manager"), "app_pages/complaints.py", project=target["project_id"], overdue=1)
    assert not at.exception
    assert at.toggle(key="c_overdue").value is True and at.selectbox(key="c_project").value == target["project_id"]
    shown = at.dataframe[0].value
    assert len(shown) == target["overdue"] and set(shown["超时"]) == {"⚠"}


def test_the_complaint_list_shows_every_complaint_until_a_filter_narrows_it_and_the_totals_stay(site):
    at = open_page(logged_in("manager"), "app_pages/complaints.py")
    assert not at.exception
    total = at.metric[0].value
    listed = at.dataframe[0].value
    assert len(listed) == int(total) > 1  # no filter: the list is every complaint of the period
    number = listed["投诉单号"].iloc[-1]
    at.text_input(key="c_search").input(f"  {number} ").run()
    assert not at.exception
    assert list(at.dataframe[0].value["投诉单号"]) == [number]
    assert at.metric[0].value == total  # the totals still count the whole period
