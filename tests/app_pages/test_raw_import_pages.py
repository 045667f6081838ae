"""AppTest of the import page's raw tab: a scraped log in its own layout is mapped, fixed by hand
where a sender value is unknown, checked, imported, and its layout maps itself the next time."""

from __future__ import annotations

import pytest

from core.kpi import templates
from core.projects import merchants
from tests.app_pages.helpers import logged_in, open_page
from tests.conftest import actor_of

HEADERS = ["会话ID", "买家(昵称)", "客服(账号)", "发送时间", "发送方", "消息内容", "消息类型"]
ROWS = [
    ["s1", "tb001", "店铺:小美", "2026-11-02 09:00:00", "买家", "在吗", "文本"],
    ["s1", "tb001", "店铺:小美", "2026-11-02 09:00:05", "智能辅助", "您好", "文本"],
    ["s1", "tb001", "店铺:小美", "2026-11-02 09:00:20", "客服", "在的亲", "文本"],
    ["s1", "tb001", "店铺:小美", "2026-11-02 09:01:00", "撤回", "X 撤回了一条消息", "系统"],
]


def chat_file() -> bytes:
    return ("\r\n".join(",".join(r) for r in [HEADERS, *ROWS]) + "\r\n").encode("gb18030")


def open_import(project_id: int):
    at = open_page(logged_in("manager"), "app_pages/kpi_import.py")
    at.selectbox(key="import_project").set_value(project_id).run()
    return at


def live_project(db) -> int:
    return next(p["id"] for p in merchants.list_projects(db, actor_of(db, "manager")) if p["status"] == "live")


def test_a_scraped_log_is_mapped_fixed_checked_and_imported_and_its_layout_remembered(demo_db):
    db, _ = demo_db
    project_id = live_project(db)
    at = open_import(project_id)
    at.file_uploader(key="raw_messages").set_value(("chat.csv", chat_file(), "text/csv")).run()
    assert not at.exception
    text = " ".join(i.value for i in at.info) + " ".join(c.value for c in at.caption)
    assert "按常见表头自动识别" in text and "未使用的列：会话ID、消息类型" in text
    assert any("有1个取值尚未指定含义（共1行）" in w.value and "撤回（1）" in w.value for w in at.warning)
    # the mapping table shows every header, the unused ones as 未使用
    mapping = at.dataframe[0].value
    assert list(mapping["文件表头"]) == HEADERS and list(mapping["对应字段"]).count("未使用") == 2
    # the check refuses while 撤回 has no meaning
    at.button(key="raw_check").click().run()
    assert any("文件有错误" in e.value for e in at.error)
    # the user says: 撤回 is ignored, robot replies count as the agent's
    value_box = next(s for s in at.selectbox if s.label.startswith("撤回"))
    value_box.set_value("ignore")
    at.radio(key="raw_m_robot").set_value("agent")
    next(b for b in at.button if b.label == "按此对应重新检查").click().run()
    assert not at.exception and not [w for w in at.warning if "尚未指定含义" in w.value]
    assert any("机器人 1（计为客服（人工））" in c.value for c in at.caption)
    at.button(key="raw_check").click().run()
    assert any("检查通过：3条消息" in s.value for s in at.success), [e.value for e in at.error]
    assert any("人工回复 2" in c.value for c in at.caption)
    at.button(key="raw_go").click().run()
    assert any("导入完成" in s.value for s in at.success)
    saved = templates.list_templates(db, actor_of(db, "admin"), project_id, "raw_messages")
    assert [t["name"] for t in saved] == ["chat.csv"] and saved[0]["options"]["robot_as"] == "agent"
    row = next(
        db.query(
            "SELECT first_response_s FROM kpi_agent_daily WHERE project_id = ? AND day = '2026-11-02' AND agent = "
            "'店铺:小美'",
            [project_id],
        )
    )
    assert row["first_response_s"] == 5.0  # the robot's reply, counted as the agent's, answered in 5 s
    # the next file of this layout maps itself, the template named
    again = open_import(project_id)
    again.file_uploader(key="raw_messages").set_value(("chat2.csv", chat_file(), "text/csv")).run()
    assert any("已按模板“chat.csv”自动对应" in i.value for i in again.info)
    assert not [w for w in again.warning if "尚未指定含义" in w.value]


def test_the_canonical_sample_needs_no_mapping(demo_db):
    from tests.conftest import SAMPLES

    db, _ = demo_db
    at = open_import(live_project(db))
    at.file_uploader(key="raw_messages").set_value(
        ("messages.csv", (SAMPLES / "messages.csv").read_bytes(), "text/csv")
    ).run()
    assert any("标准格式，无需对应" in i.value for i in at.info)
    at.button(key="raw_check").click().run()
    assert any("检查通过：3003条消息" in s.value for s in at.success)


def test_a_merchant_cannot_open_the_import_page(demo_db):
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        open_page(logged_in("merchant"), "app_pages/kpi_import.py")
