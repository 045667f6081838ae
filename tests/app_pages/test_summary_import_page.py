"""AppTest of 数据导入 → 平台日报 with files in the platforms' own layouts (kept in the session as
the upload widget keeps them): profile named, day source said, every header listed, warnings,
pending figures, templates, and the import landing on the dashboard's tables."""

from __future__ import annotations

import datetime as dt

import pytest

from core.kpi import profiles, templates
from core.projects import merchants
from tests.app_pages.helpers import logged_in, open_page
from tests.conftest import actor_of
from tests.core.kpi.test_platform_exports import TMALL_NAME, every_layout, pdd_file, tmall_rows, xlsx
from ui.summary_import_widgets import UPLOAD_KEY


@pytest.fixture
def target(demo_db):
    """A non-ended demo project with no KPI figures yet (the import page lists non-ended projects)."""
    db, _ = demo_db
    admin = actor_of(db, "admin")
    for project in merchants.list_projects(db, admin):
        if (
            project["status"] != "ended"
            and not db.execute("SELECT 1 FROM kpi_shop_daily WHERE project_id = ?", [project["id"]]).fetchone()
        ):
            return db, project["id"]
    raise AssertionError("the demo has no project without figures")


def with_file(project_id: int, name: str, data: bytes, user: str = "manager"):
    at = logged_in(user)
    at.session_state["import_project"] = project_id
    at.session_state[UPLOAD_KEY] = (project_id, name, data)
    return open_page(at, "app_pages/kpi_import.py")


def texts(at) -> str:
    parts = [
        e.value for kind in ("success", "info", "warning", "error", "caption", "markdown") for e in getattr(at, kind)
    ]
    return "\n".join(str(p) for p in parts)


def test_a_pdd_file_is_named_its_day_from_the_file_name_and_it_imports(target):
    db, project_id = target
    at = with_file(project_id, "客服绩效详情_20261030.xlsx", pdd_file())
    assert not at.exception
    shown = texts(at)
    assert "识别为：拼多多 客服绩效详情" in shown
    assert "数据日期：2026-10-30（来自文件名）" in shown
    assert "第2行 店铺总计" in shown and "第5行 平均" in shown
    editor = at.get("arrow_data_frame") or at.dataframe
    assert editor, "the mapping table is missing"
    at.button(key="summary_go").click().run()
    assert not at.exception
    assert any("导入完成" in s.value for s in at.success)
    stored = db.execute(
        "SELECT agent, response_30s_rate FROM kpi_agent_daily WHERE project_id = ? AND day = '2026-10-30' ORDER BY "
        "agent",
        [project_id],
    ).fetchall()
    assert [a for a, _ in stored] == ["水密码客服小桃", "水密码客服小樱"]
    assert dict(stored)["水密码客服小樱"] == pytest.approx(0.90)  # the service-hours (8-23点) figure counts by default


def test_an_unknown_figure_is_listed_as_unused_with_a_warning(target):
    _, project_id = target
    at = with_file(
        project_id, "x_2026-11-01.csv", "客服,咨询人数,客服质检分,备注\n小美,10,95,好\n阿杰,8,90,\n".encode()
    )
    assert not at.exception
    assert any("“客服质检分”看起来是一个指标" in w.value for w in at.warning)
    assert not any("备注" in w.value for w in at.warning)


def test_a_pending_figure_is_announced_and_shown_as_pending(target):
    _, project_id = target
    at = with_file(project_id, TMALL_NAME, xlsx(tmall_rows(pending=True), "数据信息"))
    assert not at.exception
    assert any("延迟统计" in i.value and "待更新" in i.value for i in at.info)
    assert "识别为：天猫/淘宝 客服绩效" in texts(at)
    assert any("同行同层优秀" in c.value for c in at.caption)


def test_a_file_without_any_day_asks_for_it_and_uses_the_users_day(target):
    _, project_id = target
    at = with_file(project_id, "export.csv", "客服,咨询人数\n小美,10\n阿杰,5\n".encode())
    assert not at.exception
    reasons = "\n".join(str(v) for frame in at.dataframe for v in frame.value.to_numpy().ravel())
    assert "请在下方选择这份数据是哪一天的" in reasons and at.date_input
    at.date_input[0].set_value(dt.date(2026, 11, 3)).run()
    assert not at.exception
    assert "数据日期：2026-11-03（您选择的）" in texts(at)
    assert any("检查通过" in s.value for s in at.success)


def test_a_range_export_is_refused_with_how_to_export_one_day(target):
    _, project_id = target
    at = with_file(project_id, "自制报表-报表查看-客服绩效_20261101_20261107_全部.xlsx", xlsx(tmall_rows(), "数据信息"))
    assert not at.exception
    assert [b for b in at.button if b.key == "summary_go"] == []  # nothing to import
    reasons = "\n".join(str(v) for frame in at.dataframe for v in frame.value.to_numpy().ravel())
    assert "2026-11-01 至 2026-11-07" in reasons and "按天导出" in reasons


def test_a_saved_template_maps_the_file_and_is_named(target):
    db, project_id = target
    manager = actor_of(db, "manager")
    templates.rename_template(
        db,
        manager,
        templates.save_template(
            db, manager, project_id, "summary", ["客服", "咨询人数", "客服质检分"], {"客服质检分": "service_score"}, {}
        ),
        "质检分模板",
    )
    at = with_file(project_id, "x_2026-11-01.csv", "客服,咨询人数,客服质检分\n小美,10,95\n".encode())
    assert not at.exception
    assert "已保存的模板“质检分模板”" in texts(at)
    assert not any("看起来是一个指标" in w.value for w in at.warning)  # the figure is mapped by the template now


def test_roles_without_import_rights_cannot_open_the_page(target):
    _, project_id = target
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        open_page(logged_in("qa"), "app_pages/kpi_import.py")


@pytest.mark.parametrize("profile, name, data, agents", every_layout(), ids=[layout[0] for layout in every_layout()])
def test_every_platform_layout_is_named_checked_and_imported_through_the_page(target, profile, name, data, agents):
    db, project_id = target
    at = with_file(project_id, name, data)
    assert not at.exception
    assert f"识别为：{profiles.BY_KEY[profile].zh}" in texts(at)
    assert any("检查通过" in s.value for s in at.success), texts(at)
    at.button(key="summary_go").click().run()
    assert not at.exception and any("导入完成" in s.value for s in at.success)
    stored = db.execute("SELECT COUNT(*) FROM platform_agent_daily WHERE project_id = ?", [project_id]).fetchone()[0]
    assert stored == agents
