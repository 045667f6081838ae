"""Browser walk of push delivery: the director adds a WeCom group robot, sends it a test message that
a real HTTP robot server receives; a robot that refuses shows its own words."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.core.delivery.servers import RobotServer
from tests.e2e.conftest import shot
from tests.e2e.helpers import choose, fill, login, settle

pytestmark = pytest.mark.e2e


def test_the_director_adds_a_wecom_robot_and_tests_it(server, page):
    base, logins = server
    robot = RobotServer().start()
    try:
        login(page, base, "admin", logins["admin"])
        page.goto(base + "/delivery")
        expect(page.get_by_role("heading", name="消息推送").first).to_be_visible()
        add = page.get_by_test_id("stExpander").filter(has_text="添加推送渠道")
        add.get_by_text("添加推送渠道").click()
        fill(add, "名称", "客服主管群")
        choose(page, add, "类型", "企业微信群机器人")
        fill(add, "地址", f"{robot.base}/cgi-bin/webhook/send?key=wecom-key-9876")
        add.get_by_role("button", name="保存").click()
        expect(page.get_by_text("推送渠道已保存。")).to_be_visible()
        settle(page)
        choose(page, page, "渠道", "客服主管群")
        settle(page)
        page.get_by_role("button", name="发送测试消息").click()
        expect(page.get_by_text("测试消息已发送到「客服主管群」。")).to_be_visible()
        assert robot.received[-1]["body"]["msgtype"] == "markdown"
        assert "测试消息：客服主管群" in robot.received[-1]["body"]["markdown"]["content"]
        shot(page, "delivery-admin-test-sent")

        robot.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
        settle(page)
        page.get_by_role("button", name="发送测试消息").click()
        expect(page.get_by_text("测试消息未能发送：93000 invalid webhook url")).to_be_visible()
        assert len(robot.received) == 2
        shot(page, "delivery-admin-test-failed")
    finally:
        robot.stop()
