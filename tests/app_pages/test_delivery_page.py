"""The push delivery page (AppTest): adding a channel through the form, a refused form that keeps
nothing, a test message to a real robot server, the outbox, and who sees which channels."""

from __future__ import annotations

from core.delivery import channels
from tests.app_pages.helpers import logged_in, open_page
from tests.conftest import actor_of
from tests.core.delivery.servers import RobotServer

PAGE = "app_pages/delivery.py"


def by_label(widgets, label):
    return next(w for w in widgets if w.label == label)


def fill_channel(at, name: str, address: str, kind: str = "dingtalk"):
    """The add form (the edit form above it has the same labels)."""
    at.text_input(key="add_channel.name").input(name)
    at.selectbox(key="add_channel.kind").select(kind)
    at.text_input(key="add_channel.address").input(address)
    [b for b in at.button if b.label == "保存"][-1].click().run()


def test_an_admin_adds_a_robot_sends_a_test_and_sees_it_in_the_outbox(demo_db):
    db, _ = demo_db
    robot = RobotServer().start()
    try:
        at = open_page(logged_in("admin"), PAGE)
        assert not at.exception
        fill_channel(at, "运营群", f"{robot.base}/robot/send?access_token=demo1234")
        assert not at.exception, at.exception
        assert [s.value for s in at.success] == ["推送渠道已保存。"]
        table = at.dataframe[0].value.set_index("名称")  # beside the demo firm's two example channels
        port = robot.server.server_address[1]
        assert table.loc["运营群", "地址"] == f"127.0.0.1:{port}/…1234" and table.loc["运营群", "启用"]
        assert not table.loc["示例：运营管理群（钉钉）", "启用"]
        mine = next(c["id"] for c in channels.list_channels(db, actor_of(db, "admin")) if c["name"] == "运营群")
        at.selectbox(key="delivery_channel").select(mine).run()
        by_label(at.button, "发送测试消息").click().run()
        assert [s.value for s in at.success] == ["测试消息已发送到「运营群」。"]
        assert robot.received[0]["body"]["markdown"]["title"] == "测试消息：运营群"
        outbox = at.dataframe[-1].value
        assert outbox.iloc[0]["状态"] == "已发送" and outbox.iloc[0]["内容"] == "测试消息"
    finally:
        robot.stop()


def test_a_bad_address_is_refused_with_the_reason_and_nothing_is_saved(demo_db):
    db, _ = demo_db
    at = open_page(logged_in("admin"), PAGE)
    fill_channel(at, "邮件组", "boss@shop.cn, 不是邮箱", kind="email")
    assert not at.exception
    [error] = [e.value for e in at.error]
    assert "未保存" in error and "邮箱地址无效：不是邮箱" in error
    assert "邮件组" not in [c["name"] for c in channels.list_channels(db, actor_of(db, "admin"))]


def test_a_failed_test_message_shows_the_robots_words(demo_db):
    db, _ = demo_db
    robot = RobotServer(answer={"errcode": 300001, "errmsg": "token is not exist"}).start()
    try:
        channels.create_channel(
            db,
            actor_of(db, "manager"),
            {
                "name": "经理群",
                "kind": "dingtalk",
                "address": f"{robot.base}/robot/send?access_token=x",
                "content": "alerts",
            },
        )
        at = open_page(logged_in("manager"), PAGE)
        by_label(at.button, "发送测试消息").click().run()
        assert [e.value for e in at.error] == ["测试消息未能发送：300001 token is not exist"]
        assert at.dataframe[-1].value.iloc[0]["原因"] == "300001 token is not exist"
    finally:
        robot.stop()


def test_a_manager_sees_only_the_channels_it_made(demo_db):
    db, _ = demo_db
    data = {"kind": "wecom", "address": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "content": "alerts"}
    channels.create_channel(db, actor_of(db, "admin"), {**data, "name": "总监群"})
    at = open_page(logged_in("manager"), PAGE)
    assert [i.value for i in at.info][-2:] == ["还没有推送渠道。在下方添加一个。", "还没有发送记录。"]
    at = open_page(logged_in("admin"), PAGE)
    assert "总监群" in at.dataframe[0].value["名称"].tolist()
