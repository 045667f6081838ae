"""Browser walk of the knowledge base: an agent searches, copies a phrase, notes a memo; a manager answers it
as an article; the agent sees the answer and opens the article."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shot
from tests.e2e.helpers import fill, login, logout, settle

pytestmark = pytest.mark.e2e

QUESTION = "买家问床笠能不能机洗？"
ANSWER = "可以，30度以下轻柔机洗，不可漂白。"


def test_agent_searches_copies_a_phrase_and_gets_a_memo_answered_as_an_article(server, page):
    base, logins = server
    login(page, base, "agent", logins["agent"])

    # mid-chat search: the article titled with the word first, the word highlighted
    page.goto(base + "/kb")
    fill(page, "搜索知识库", "发货")
    first = page.get_by_test_id("stMarkdownContainer").locator("mark").first
    expect(first).to_have_text("发货")
    expect(page.locator("strong", has_text="时间说明").first).to_contain_text("发货时间说明")
    expect(page.get_by_text("美妆小铺")).to_have_count(0)
    shot(page, "kb-agent-search")

    # a quick phrase, shown as a code block with its copy button
    page.goto(base + "/phrases")
    phrase = page.get_by_test_id("stCode").filter(has_text="现货商品48小时内发货").first
    expect(phrase).to_be_visible()
    phrase.hover()
    expect(phrase.get_by_role("button").first).to_be_attached()  # st.code's copy button
    shot(page, "kb-agent-phrases")

    # a memo noted in a few seconds
    page.goto(base + "/memos")
    fill(page, "内容", QUESTION)
    fill(page, "聊天记录参考（可选）", "订单尾号5566")
    page.get_by_role("button", name="记下").click()
    expect(page.get_by_text("已记下", exact=False)).to_be_visible()
    expect(page.get_by_text(QUESTION)).to_be_visible()
    logout(page)

    # the manager answers it and makes it an article in one action
    login(page, base, "manager", logins["manager"])
    page.goto(base + "/memos")
    panel = page.get_by_role("tabpanel", name="待回答")
    fill(panel, "搜索", "床笠")
    settle(page)
    # exactly one memo matches; a rerun that starts after settle() may show the stale copy beside the new one
    # for a moment, so the count is awaited first and visibility is asked of that one memo
    expect(panel.get_by_text(QUESTION)).to_have_count(1)
    expect(panel.get_by_text(QUESTION).first).to_be_visible()
    expect(panel.get_by_text("保温杯", exact=False)).to_have_count(0)
    fill(panel, "回答", ANSWER)
    fill(panel, "文章标题（生成文章时）", "床笠清洗方法")
    shot(page, "kb-manager-answers-memo")
    panel.get_by_role("button", name="回答并生成文章").click()
    expect(page.get_by_text("已回答并生成知识库文章")).to_be_visible()
    logout(page)

    # the agent is told, and the answer is now in the knowledge base
    login(page, base, "agent", logins["agent"])
    page.goto(base + "/memos")
    expect(page.get_by_text("新回复").first).to_be_visible()
    expect(page.get_by_text(ANSWER)).to_be_visible()
    link = page.get_by_role("link", name="查看生成的知识库文章").first
    expect(link).to_be_visible()
    shot(page, "kb-agent-memo-answered")
    link.click()
    expect(page.get_by_role("heading", name="床笠清洗方法")).to_be_visible()
    page.goto(base + "/kb")
    fill(page, "搜索知识库", "机洗")
    expect(page.locator("strong", has_text="床笠清洗方法").first).to_be_visible()
