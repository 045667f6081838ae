"""Delivery: channels, the messages, sending once on schedule, failures kept, against a real HTTP robot
server and a real SMTP server (tests/core/delivery/servers.py)."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import date, datetime, timedelta
from functools import partial

import openpyxl
import pytest
from pypdf import PdfReader

from core.accounts import users
from core.delivery import channels, outbox
from core.delivery.transport import fit
from core.kernel import audit, i18n, weeks
from core.kernel.errors import ValidationError
from core.kernel.permissions import PermissionDenied
from core.overview import home
from core.projects import merchants
from core.projects import order_confirmation as oc
from tests.conftest import ROOT
from tests.core.delivery.servers import MailServer, RobotServer
from tests.core.overview.test_weekly_and_reports import live_project, put_day

DAY = date(2026, 12, 4)  # a Friday
NINE = datetime(2026, 12, 4, 9, 0, 0)


@pytest.fixture
def robot():
    server = RobotServer().start()
    yield server
    server.stop()


@pytest.fixture
def mail(monkeypatch):
    server = MailServer().start()
    monkeypatch.setenv("APP_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("APP_SMTP_PORT", str(server.port))
    monkeypatch.setenv("APP_SMTP_SECURITY", "none")
    monkeypatch.setenv("APP_SMTP_FROM", "ops@example.com")
    yield server
    server.stop()


def draft_project(db, admin, shop: str) -> int:
    """A project whose order confirmation waits as a draft: one alert on the admin's Home ("待确认")."""
    merchant_id = merchants.create_merchant(db, admin, {"name": shop, "platform": "taobao"})
    project_id = merchants.create_project(db, admin, merchant_id, "售前")
    oc.save_draft(db, admin, project_id, oc.default_data("taobao"))
    return project_id


def add(db, actor, **data) -> int:
    base = {"name": "运营群", "kind": "dingtalk", "address": "", "content": "alerts"}
    return channels.create_channel(db, actor, {**base, **data})


def test_the_days_alerts_go_to_a_dingtalk_robot_signed_once_a_day_from_nine(fresh_db, admin, robot):
    draft_project(fresh_db, admin, "甲店")
    robot.secret = "SEC-test-secret"
    add(fresh_db, admin, address=f"{robot.base}/robot/send?access_token=abc123", secret="SEC-test-secret")
    assert outbox.run_due(fresh_db, NINE - timedelta(minutes=1)) == []  # 08:59: nothing yet
    [row] = outbox.run_due(fresh_db, NINE)
    assert (row["status"], row["period"], row["attempts"]) == ("sent", "2026-12-04", 1)
    [post] = robot.received
    assert post["query"]["access_token"] == "abc123"  # the robot checked the signature: errcode 0
    assert post["body"]["msgtype"] == "markdown"
    assert post["body"]["markdown"]["title"] == row["subject"] == "2026-12-04 今日预警（1条）"
    assert "甲店 · 售前 的订单确认表 v1 待确认" in post["body"]["markdown"]["text"]
    assert outbox.run_due(fresh_db, NINE + timedelta(hours=3)) == []  # once a day
    assert len(robot.received) == 1
    [again] = outbox.run_due(fresh_db, NINE + timedelta(days=1))  # the next day
    assert again["period"] == "2026-12-05" and len(robot.received) == 2


def test_a_wrong_signature_is_refused_in_the_robots_words_tried_three_times_then_kept_as_failed(fresh_db, admin, robot):
    draft_project(fresh_db, admin, "甲店")
    robot.secret = "the-right-one"
    add(fresh_db, admin, address=f"{robot.base}/robot/send?access_token=abc", secret="a-wrong-one")
    first = outbox.run_due(fresh_db, NINE)[0]
    assert (first["status"], first["detail"], first["attempts"]) == ("failed", "310000 sign not match", 1)
    assert outbox.run_due(fresh_db, NINE + timedelta(minutes=5))[0]["attempts"] == 2
    assert outbox.run_due(fresh_db, NINE + timedelta(minutes=10))[0]["attempts"] == 3
    assert outbox.run_due(fresh_db, NINE + timedelta(minutes=15)) == []  # given up: no fourth try
    assert len(robot.received) == 3
    robot.secret = "a-wrong-one"  # the admin fixes the robot; the failed day is sent again by hand
    log = outbox.outbox_log(fresh_db, admin)
    assert [r["status"] for r in log] == ["failed"]
    assert outbox.resend(fresh_db, admin, log[0]["id"])["status"] == "sent"
    assert audit.search(fresh_db, admin, entity="delivery_outbox")[0]["action"] == "resend"


def test_wecom_gets_markdown_and_feishu_a_signed_text(fresh_db, admin, robot):
    draft_project(fresh_db, admin, "甲店")
    robot.secret = "fs-secret"
    add(fresh_db, admin, name="企微群", kind="wecom", address=f"{robot.base}/cgi-bin/webhook/send?key=k1")
    robot_feishu = f"{robot.base}/open-apis/bot/v2/hook/hook-id"
    add(fresh_db, admin, name="飞书群", kind="feishu", address=robot_feishu, secret="fs-secret")
    robot.answer = {"errcode": 0, "errmsg": "ok", "code": 0, "msg": "success"}
    done = outbox.run_due(fresh_db, NINE)
    assert [r["status"] for r in done] == ["sent", "sent"]
    wecom, feishu = robot.received
    assert wecom["body"]["msgtype"] == "markdown" and "待确认" in wecom["body"]["markdown"]["content"]
    assert feishu["body"]["msg_type"] == "text" and "待确认" in feishu["body"]["content"]["text"]
    assert feishu["body"]["timestamp"] and feishu["body"]["sign"]  # checked by the server above


def test_a_project_channel_sends_only_that_projects_alerts_and_a_quiet_day_is_skipped_not_sent(fresh_db, admin, robot):
    one = draft_project(fresh_db, admin, "甲店")
    draft_project(fresh_db, admin, "乙店")
    quiet = merchants.create_project(
        fresh_db, admin, merchants.create_merchant(fresh_db, admin, {"name": "丙店", "platform": "jd"}), "售前"
    )  # just signed up, nothing asked of anyone yet
    add(fresh_db, admin, name="甲群", address=f"{robot.base}/robot/send?access_token=a", project_id=one)
    add(fresh_db, admin, name="丙群", address=f"{robot.base}/robot/send?access_token=c", project_id=quiet)
    done = {r["channel_id"]: r for r in outbox.run_due(fresh_db, NINE)}
    assert sorted(r["status"] for r in done.values()) == ["sent", "skipped"]
    [post] = robot.received
    assert "甲店" in post["body"]["markdown"]["text"] and "乙店" not in post["body"]["markdown"]["text"]
    skipped = next(r for r in done.values() if r["status"] == "skipped")
    assert skipped["detail"] == "今日无预警"
    assert outbox.run_due(fresh_db, NINE + timedelta(hours=1)) == []  # a skipped day is not tried again


def test_the_weekly_report_mail_is_the_merchants_report_with_its_workbook(fresh_db, admin, mail):
    project_id = live_project(fresh_db, admin, "周报店")
    monday = weeks.week_start(DAY) - timedelta(days=7)  # 2026-11-23
    for offset in range(7):
        put_day(fresh_db, project_id, (monday + timedelta(days=offset)).isoformat(), 100, 80, 72, 25, 2500.0, 15, 8)
    add(
        fresh_db,
        admin,
        name="周报邮件",
        kind="email",
        address="boss@shop.cn; ops@shop.cn",
        content="weekly_report",
        project_id=project_id,
    )
    [row] = outbox.run_due(fresh_db, NINE)  # Friday: last week's report was due from Monday, caught up now
    assert (row["status"], row["period"]) == ("sent", monday.isoformat())
    [(recipients, message)] = mail.mails
    assert recipients == ["boss@shop.cn", "ops@shop.cn"]
    assert message["Subject"] == "周报店 · 售前 周报 2026-11-23 ~ 2026-11-29" == row["subject"]
    text = message.get_body(("plain",)).get_content()
    assert "询单转化率：25.0%（目标 20.0%） ✅" in text  # 175 of 700 chats converted, target 20 %
    assert "询单销售额（合计）：¥17,500.00" in text and "满意度：—（目标 90.0%）" in text  # no rating: a dash
    html = message.get_body(("html",)).get_content()
    assert "周报店 · 售前 周报 2026-11-23 ~ 2026-11-29" in html and "工资" not in html
    report_pdf, workbook = list(message.iter_attachments())
    assert report_pdf.get_filename() == "周报店-售前-2026-11-23.pdf"
    pages = PdfReader(io.BytesIO(report_pdf.get_content())).pages
    assert "周报店 · 售前 周报 2026-11-23 ~ 2026-11-29" in pages[0].extract_text()
    assert workbook.get_filename() == "周报店-售前-2026-11-23.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.get_content()))["指标汇总"]
    rows = {r[0]: r[1] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["询单转化率"] == pytest.approx(0.25)  # the workbook keeps numbers, the mail shows words
    assert outbox.run_due(fresh_db, NINE + timedelta(days=2)) == []  # the same week never twice
    later = outbox.run_due(fresh_db, datetime(2026, 12, 7, 9, 0))  # next Monday: the week just ended
    assert later[0]["period"] == "2026-11-30"


def test_a_mail_channel_without_a_mail_server_fails_saying_so(fresh_db, admin, monkeypatch):
    monkeypatch.delenv("APP_SMTP_HOST", raising=False)
    draft_project(fresh_db, admin, "甲店")
    add(fresh_db, admin, kind="email", address="a@b.cn")
    [row] = outbox.run_due(fresh_db, NINE)
    assert (row["status"], row["detail"]) == ("failed", "no mail server: set APP_SMTP_HOST")


def test_an_unreachable_robot_is_a_failed_sending_with_the_reason(fresh_db, admin):
    draft_project(fresh_db, admin, "甲店")
    add(fresh_db, admin, address="http://127.0.0.1:9/robot/send?access_token=x")  # nothing listens on 9
    [row] = outbox.run_due(fresh_db, NINE)
    assert row["status"] == "failed" and "refused" in row["detail"].lower()


@pytest.mark.parametrize(
    ("data", "field", "key"),
    [
        ({"name": ""}, "channel.name", "err.required"),
        ({"address": "oapi.dingtalk.com/robot/send"}, "channel.address", "delivery.err.url"),
        ({"kind": "email", "address": "boss@shop.cn, not-a-mail"}, "channel.address", "delivery.err.email"),
        ({"kind": "sms"}, "channel.kind", "err.invalid_choice"),
        ({"content": "weekly_report"}, "channel.project", "delivery.err.report_needs_project"),
    ],
)
def test_a_channel_with_bad_input_is_refused_field_by_field_and_nothing_is_saved(fresh_db, admin, data, field, key):
    good = {"address": "https://oapi.dingtalk.com/robot/send?access_token=x"}
    with pytest.raises(ValidationError) as caught:
        add(fresh_db, admin, **{**good, **data})
    assert (caught.value.errors[0].field, caught.value.errors[0].key) == (field, key)
    assert channels.list_channels(fresh_db, admin) == []


def test_the_token_and_the_secret_are_never_shown_nor_audited(fresh_db, admin):
    channel_id = add(
        fresh_db,
        admin,
        address="https://oapi.dingtalk.com/robot/send?access_token=TOKEN-1234abcd",
        secret="SEC-very-secret",
    )
    [listed] = channels.list_channels(fresh_db, admin)
    assert listed["address"] == "oapi.dingtalk.com/…abcd" and listed["signed"] and listed["secret"] == ""
    assert "TOKEN-1234" not in str(listed) and "very-secret" not in str(listed)  # the list never carries them
    channels.update_channel(fresh_db, admin, channel_id, {"name": "改名", "secret": ""})  # empty keeps it
    assert channels.get_channel(fresh_db, admin, channel_id)["secret"] == "SEC-very-secret"
    logged = str(audit.search(fresh_db, admin, entity="delivery_channel"))
    assert "TOKEN-1234" not in logged and "very-secret" not in logged and "改名" in logged


def test_who_manages_channels_and_whose_eyes_a_channel_has(fresh_db, admin, robot):
    mine = draft_project(fresh_db, admin, "经理店")
    draft_project(fresh_db, admin, "别人的店")
    manager_id = users.create_user(fresh_db, admin, "mgr", "王经理", "manager", "secret-pass-1")
    manager = users.actor_from_row(users.get_user(fresh_db, manager_id))
    fresh_db["projects"].update(mine, {"manager_id": manager_id})
    theirs = add(fresh_db, manager, name="经理群", address=f"{robot.base}/robot/send?access_token=m")
    add(fresh_db, admin, name="总监群", address=f"{robot.base}/robot/send?access_token=d")
    assert [c["name"] for c in channels.list_channels(fresh_db, manager)] == ["经理群"]
    assert {c["name"] for c in channels.list_channels(fresh_db, admin)} == {"经理群", "总监群"}
    other = next(c["id"] for c in channels.list_channels(fresh_db, admin) if c["name"] == "总监群")
    with pytest.raises(PermissionDenied):
        channels.delete_channel(fresh_db, manager, other)
    for role in ("agent", "qa", "trainer"):
        uid = users.create_user(fresh_db, admin, f"u{role}", role, role, "secret-pass-1")
        with pytest.raises(PermissionDenied):
            channels.list_channels(fresh_db, users.actor_from_row(users.get_user(fresh_db, uid)))
    outbox.run_due(fresh_db, NINE)
    texts = {p["query"]["access_token"]: p["body"]["markdown"]["text"] for p in robot.received}
    for token, viewer in (("m", manager), ("d", admin)):  # each channel says what its owner's Home says
        said = [line.removeprefix("- ") for line in texts[token].split("\n") if line.startswith("- ")]
        assert said == [home.alert_text(a, partial(i18n.t, lang="zh")) for a in home.alerts(fresh_db, viewer, DAY)]
    users.update_user(fresh_db, admin, manager_id, "王经理", "manager", None, False)
    row = outbox.run_due(fresh_db, NINE + timedelta(days=1))
    gone = next(r for r in row if r["channel_id"] == theirs)
    assert (gone["status"], gone["detail"]) == ("failed", "创建人账号已停用或删除，未发送")


def test_a_test_message_reports_what_the_robot_said(fresh_db, admin, robot):
    channel_id = add(fresh_db, admin, address=f"{robot.base}/robot/send?access_token=t")
    assert outbox.send_test(fresh_db, admin, channel_id)["status"] == "sent"
    robot.answer = {"errcode": 300001, "errmsg": "token is not exist"}
    failed = outbox.send_test(fresh_db, admin, channel_id)
    assert (failed["status"], failed["detail"]) == ("failed", "300001 token is not exist")


def test_a_long_digest_is_cut_at_a_line_to_the_robots_limit_and_says_so():
    text = "\n".join(f"- 第{i}条预警：某某店铺 · 售前 的首次响应时长连续3天未达标" for i in range(200))
    cut = fit(text, "wecom", "……内容过长已截断")
    assert len(cut.encode("utf-8")) <= 4000 and cut.endswith("……内容过长已截断")
    assert all(line.startswith("- 第") for line in cut.split("\n\n")[0].split("\n"))
    assert fit("短", "wecom", "x") == "短"


def test_the_worker_sends_one_round_and_exits(fresh_db, admin, robot, tmp_path):
    draft_project(fresh_db, admin, "甲店")
    add(fresh_db, admin, address=f"{robot.base}/robot/send?access_token=w")
    done = subprocess.run(
        [sys.executable, "worker.py", "--once", "--now", "2026-12-04T09:30"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert len(robot.received) == 1 and "sent" in done.stderr
    assert outbox.outbox_log(fresh_db, admin)[0]["status"] == "sent"
