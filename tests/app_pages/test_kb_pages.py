"""AppTest runs of the knowledge base, quick phrase and memo pages: flows per role and refusals."""

from __future__ import annotations

import pandas as pd
import pytest

from core.kb import articles, memos, phrases
from core.kernel.errors import ValidationError
from tests.app_pages.helpers import logged_in, open_page
from tests.conftest import actor_of
from ui.context import Context
from ui.widgets import error_text


def project_of(db, name: str) -> int:
    return next(p["id"] for p in articles.projects(db, actor_of(db, "admin")) if p["name"] == name)


def article_named(db, project_id: int, title: str) -> int:
    return next(a["id"] for a in articles.list_articles(db, actor_of(db, "admin"), project_id) if a["title"] == title)


def form_button(at, form: str, label: str):
    return next(b for b in at.button if b.form_id == form and b.label == label)


def test_agent_searches_mid_chat_and_the_best_match_comes_first_highlighted(demo_db):
    at = open_page(logged_in("agent"), "app_pages/kb.py")
    at.text_input(key="kb_q").input("发货").run()
    assert not at.exception
    shown = [m.value for m in at.markdown]
    first = next(v for v in shown if "<mark>" in v)
    assert first.startswith("**<mark>发货</mark>时间说明**")
    assert not any("美妆" in v for v in shown)  # another team's knowledge stays out of the agent's search
    assert "新建文章" not in [tab.label for tab in at.tabs]


def test_owner_is_flagged_about_articles_past_their_review_date(demo_db):
    at = open_page(logged_in("manager"), "app_pages/kb.py")
    assert any("已过复核日期" in w.value and "快递与运费" in w.value for w in at.warning)
    at = open_page(logged_in("agent"), "app_pages/kb.py")
    assert not at.warning


def test_manager_edits_an_article_and_the_old_text_stays_as_a_version(demo_db):
    db, _ = demo_db
    project_id = project_of(db, "优品家居旗舰店-售前客服")
    article_id = article_named(db, project_id, "赠品规则")
    at = open_page(logged_in("manager"), "app_pages/kb.py", project=project_id, article=article_id)
    assert at.header[0].value == "赠品规则"
    body = next(a for a in at.text_area if a.label.startswith("正文"))
    body.input("每单赠送一份收纳袋和一块抹布，不可多送、不可折现。")
    next(i for i in at.text_input if i.label == "修改说明").input("增加抹布")
    form_button(at, "kb_edit", "保存").click().run()
    assert not at.exception
    assert any("新版本" in s.value for s in at.success)
    history = articles.versions(db, actor_of(db, "manager"), article_id)
    assert [(v["version"], v["note"]) for v in history][:2] == [(2, "增加抹布"), (1, "")]
    assert "抹布" not in history[1]["body"]


def test_article_with_an_empty_title_is_refused_with_the_field_named(demo_db):
    db, _ = demo_db
    project_id = project_of(db, "优品家居旗舰店-售前客服")
    at = open_page(logged_in("trainer"), "app_pages/kb.py", project=project_id)
    before = len(articles.list_articles(db, actor_of(db, "admin"), project_id))
    next(a for a in at.text_area if a.label.startswith("正文")).input("正文")
    form_button(at, "kb_new", "保存").click().run()
    assert any("标题" in e.value and "必填" in e.value for e in at.error)
    assert len(articles.list_articles(db, actor_of(db, "admin"), project_id)) == before


def test_merchant_comments_on_its_article_but_cannot_open_another_shops_by_url(demo_db):
    db, _ = demo_db
    own = article_named(db, project_of(db, "优品家居旗舰店-售前客服"), "发票开具说明")
    foreign = article_named(db, project_of(db, "美妆小铺-售前客服"), "正品保障说明")
    at = open_page(logged_in("merchant"), "app_pages/kb.py", article=own)
    assert "编辑" not in [tab.label for tab in at.tabs]
    next(a for a in at.text_area if a.label == "评论").input("发票改为随货寄出")
    form_button(at, "kb_comment", "发表评论").click().run()
    assert [c["body"] for c in articles.comments(db, actor_of(db, "manager"), own)][-1] == "发票改为随货寄出"
    at = open_page(logged_in("merchant"), "app_pages/kb.py", article=foreign)
    assert any("找不到" in e.value for e in at.error)
    assert "正品保障说明" not in str(at)


def test_agent_sees_phrases_to_copy_and_no_editing(demo_db):
    at = open_page(logged_in("agent"), "app_pages/phrases.py")
    assert not at.exception
    assert any(c.value == "亲，现货商品48小时内发货，预售商品按页面标注时间发货哦～" for c in at.code)
    assert [tab.label for tab in at.tabs] == ["短语", "问题标记与例会改写", "导入导出"]
    assert not [b for b in at.button if b.label in ("提交标记", "导入", "保存")]


def test_malformed_phrase_import_message_names_the_row_and_the_field(demo_db):
    # AppTest cannot drive st.file_uploader: this checks the text the page's error box is built from
    db, _ = demo_db
    project_id = project_of(db, "优品家居旗舰店-售前客服")
    manager = actor_of(db, "manager")
    before = phrases.list_phrases(db, manager, project_id)
    bad = pd.DataFrame(
        [["物流", "/fh", "新的发货话术"], ["物流", "", "没有编码"]], columns=["分组", "快捷编码", "短语内容"]
    )
    with pytest.raises(ValidationError) as exc:
        phrases.import_file(db, manager, project_id, bad.to_csv(index=False).encode(), "bad.csv")
    assert [error_text(Context(db=db, actor=manager, lang="zh"), e) for e in exc.value.errors] == [
        "第3行 快捷编码: 必填"
    ]
    assert phrases.list_phrases(db, manager, project_id) == before


def test_qa_flags_a_phrase_and_the_manager_applies_the_meetings_decision(demo_db):
    db, _ = demo_db
    project_id = project_of(db, "优品家居旗舰店-售前客服")
    at = open_page(logged_in("qa"), "app_pages/phrases.py", project=project_id)
    phrase = next(p for p in phrases.list_phrases(db, actor_of(db, "qa"), project_id) if p["shortcut"] == "/wl")
    flag_form = [s for s in at.selectbox if s.form_id == "ph_flag"][0]
    flag_form.set_value(phrase["id"])
    next(a for a in at.text_area if a.form_id == "ph_flag").input("应先安抚再查物流")
    form_button(at, "ph_flag", "提交标记").click().run()
    assert not at.exception
    flag = next(
        f for f in phrases.flags(db, actor_of(db, "qa"), project_id, ("open",)) if f["phrase_id"] == phrase["id"]
    )
    assert not [b for b in at.button if b.label == "列入周例会改写清单"]  # QA flags; the manager decides
    at = open_page(logged_in("manager"), "app_pages/phrases.py", project=project_id)
    at.button(key=f"ph_meet_{flag['id']}").click().run()
    assert [f["id"] for f in phrases.rewrite_list(db, actor_of(db, "manager"), project_id)][-1] == flag["id"]
    at.text_area(key=f"ph_dt_{flag['id']}").input("亲，别着急，麻烦提供一下订单号，我马上帮您查询～")
    at.text_input(key=f"ph_dn_{flag['id']}").input("周例会：先安抚")
    form_button(at, f"ph_decide_{flag['id']}", "按例会决定改写").click().run()
    assert not at.exception
    latest = phrases.history(db, actor_of(db, "manager"), phrase["id"])[0]
    assert (latest["source"], latest["note"], latest["text"]) == (
        "meeting",
        "周例会：先安抚",
        "亲，别着急，麻烦提供一下订单号，我马上帮您查询～",
    )


def test_agent_notes_a_memo_and_sees_it_answered_after_the_manager_makes_it_an_article(demo_db):
    db, _ = demo_db
    at = open_page(logged_in("agent"), "app_pages/memos.py")
    next(a for a in at.text_area if a.form_id == "memo_note").input("买家问床笠能不能机洗？")
    next(i for i in at.text_input if i.form_id == "memo_note").input("订单尾号5566")
    form_button(at, "memo_note", "记下").click().run()
    assert not at.exception
    memo = memos.my_memos(db, actor_of(db, "agent"))[0]
    assert (memo["text"], memo["chat_ref"], memo["status"]) == ("买家问床笠能不能机洗？", "订单尾号5566", "open")
    assert not [tab for tab in at.tabs]  # an agent has no supervisor tabs

    at = open_page(logged_in("manager"), "app_pages/memos.py")
    at.text_area(key=f"memo_a_{memo['id']}").input("可以，30℃以下轻柔机洗，不可漂白。")
    at.text_input(key=f"memo_t_{memo['id']}").input("床笠清洗方法")
    form_button(at, f"memo_answer_{memo['id']}", "回答并生成文章").click().run()
    assert not at.exception
    memo = memos.get_memo(db, actor_of(db, "agent"), memo["id"])
    assert memo["status"] == "answered" and memo["article_id"]
    assert articles.get_article(db, actor_of(db, "agent"), memo["article_id"])["title"] == "床笠清洗方法"

    at = open_page(logged_in("agent"), "app_pages/memos.py")
    assert any("新回复" in m.value for m in at.markdown)
    assert any("30℃以下轻柔机洗" in t.value for t in at.text)
    assert memos.unread_answers(db, actor_of(db, "agent")) == 0  # seen now


def test_supervisor_queues_a_memo_for_the_monday_meeting(demo_db):
    db, _ = demo_db
    waiting = memos.inbox(db, actor_of(db, "qa"), statuses=("open",))[0]
    at = open_page(logged_in("qa"), "app_pages/memos.py")
    form_button(at, f"memo_answer_{waiting['id']}", "排入周例会").click().run()
    assert not at.exception
    assert memos.get_memo(db, actor_of(db, "qa"), waiting["id"])["status"] == "queued"
    assert any(waiting["text"] == t.value for t in at.text)  # now in the Monday queue tab
