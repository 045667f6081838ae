"""Browser walk of training: the trainer uploads courseware, the merchant confirms it, two exams admit an agent."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from demo.team import EXAM_CANDIDATE
from tests.e2e.conftest import shot
from tests.e2e.helpers import fill, login, logout

pytestmark = pytest.mark.e2e

COURSEWARE = "端到端售后课件"


def form_with(page: Page, button: str):
    """The st.form holding a given submit button."""
    return page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name=button))


def pick(page: Page, scope, label: str, pattern: str) -> None:
    """Pick the option of a select box whose text matches `pattern`."""
    scope.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=re.compile(pattern)).first.click()


def test_trainer_uploads_merchant_confirms_and_two_exams_admit_an_agent(server, page):
    base, logins = server

    # the trainer uploads courseware to 优品家居's project
    login(page, base, "trainer", logins["trainer"])
    page.goto(base + "/training?project=1")
    expect(page.get_by_role("heading", name="培训与考核")).to_be_visible()
    page.get_by_text("上传资料").click()
    upload = form_with(page, "上传")
    upload.locator("input[type=file]").set_input_files(
        files=[
            {"name": "after-sales-course.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% e2e courseware\n"}
        ]
    )
    expect(upload.get_by_role("button", name="Remove after-sales-course.pdf")).to_be_visible()
    fill(upload, "标题", COURSEWARE)
    upload.get_by_role("button", name="上传").click()
    expect(page.get_by_text("已上传。")).to_be_visible()
    shot(page, "team-trainer-uploaded")
    logout(page)

    # the merchant sees it waiting and confirms it
    login(page, base, "merchant", logins["merchant"])
    page.goto(base + "/training")
    pick(page, page, "查看资料", COURSEWARE)
    expect(page.get_by_role("button", name="确认无误")).to_be_visible()
    shot(page, "team-merchant-to-confirm")
    page.get_by_role("button", name="确认无误").click()
    expect(page.get_by_text("已提交确认结果。")).to_be_visible()
    logout(page)

    # the trainer records the two exams the project requires; the agent is admitted
    login(page, base, "trainer", logins["trainer"])
    page.goto(base + "/training?project=1")
    page.get_by_role("tab", name="考核记录").click()
    exam = form_with(page, "保存成绩")
    pick(page, exam, "客服", EXAM_CANDIDATE)
    pick(page, exam, "考核类型", "^试题线上考核$")
    fill(exam, "得分", "90")
    exam.get_by_role("button", name="保存成绩").click()
    expect(page.get_by_text(f"成绩已保存；{EXAM_CANDIDATE} 尚缺：模拟真实环境在线接待")).to_be_visible()
    exam = form_with(page, "保存成绩")
    pick(page, exam, "客服", EXAM_CANDIDATE)
    pick(page, exam, "考核类型", "^模拟真实环境在线接待$")
    fill(exam, "得分", "45")
    fill(exam, "满分", "50")
    exam.get_by_role("button", name="保存成绩").click()
    expect(page.get_by_text(f"{EXAM_CANDIDATE} 已通过全部考核，已录取。")).to_be_visible()
    shot(page, "team-agent-admitted")

    # the project's candidates list shows them admitted, and the courseware confirmed
    page.goto(base + "/team?project=1")
    page.get_by_role("tab", name="候选与录取").click()
    expect(page.get_by_text("候选 24 人，已录取 17 人")).to_be_visible()
    shot(page, "team-candidates")
    page.goto(base + "/training?project=1")
    pick(page, page, "查看资料", COURSEWARE)
    expect(page.get_by_text(f"{COURSEWARE} · 课件 · 商家已确认")).to_be_visible()
