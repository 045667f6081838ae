"""AppTest runs of what a merchant sees (its report, its team, its home and KPI dashboard) against the staff's view.

Per role: the merchant's pages carry no internal code and no internal note; an empty page says what
will happen and when, in words for the reader's role.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from core.bootstrap import open_store
from core.kernel import config
from core.projects import merchants
from core.reports import merchant_report
from core.team import funnel
from tests.app_pages.helpers import logged_in, open_page
from tests.conftest import actor_of
from tests.core.reports.report_support import known_codes, leaks, plant_every_code


@pytest.fixture
def db(_demo_template, tmp_path, monkeypatch):
    """A fresh copy of the seeded demo firm, as APP_DB."""
    folder = tmp_path / "copy"
    shutil.copytree(_demo_template[0], folder)
    monkeypatch.setenv("APP_DB", str(folder / "app.db"))
    database = open_store(folder / "app.db")
    yield database
    database.close()


def texts(at) -> str:
    return "\n".join(
        str(e.value)
        for kind in ("title", "subheader", "markdown", "caption", "info", "warning", "error", "success")
        for e in getattr(at, kind)
    )


def shown_values(at) -> list:
    """Every value a reader sees in the page's tables and tiles, and its texts."""
    values: list = [m.value for m in at.metric] + [m.label for m in at.metric] + texts(at).split("\n")
    for frame in at.dataframe:
        data: pd.DataFrame = frame.value
        values += [*data.columns, *data.to_numpy().ravel()]
    return values


def own_project(db, username: str = "merchant", status: str | None = None) -> int:
    return next(
        p["id"] for p in merchants.list_projects(db, actor_of(db, username)) if status is None or p["status"] == status
    )


# --- the merchant's report ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", merchant_report.KINDS)
def test_the_merchants_report_page_shows_words_not_codes(db, kind):
    project_id = own_project(db, status="live")
    yesterday = merchant_report.default_anchor("daily")
    plant_every_code(db, actor_of(db, "admin"), project_id, yesterday)
    at = open_page(logged_in("merchant"), "app_pages/reports.py", project=project_id)
    at.segmented_control(key="report_kind").set_value(kind).run()
    at.date_input(key=f"report_anchor_{kind}").set_value(yesterday).run()
    assert not at.exception
    values = shown_values(at)
    assert leaks(values, known_codes()) == []
    assert "服务态度" in values and "少发漏发" in values and "好评返现" in values and "服务不满意" in values
    # the official report's rates stand from their targets in percentage points, never a relative-looking "%"
    gaps = [m.delta for m in at.metric if "应答率" in m.label or "转化率" in m.label]
    assert gaps and all(g.endswith("个百分点") for g in gaps), gaps
    assert [b.label for b in at.download_button][:1] == ["下载PDF"]  # the file a merchant can file


def test_the_weekly_and_monthly_report_open_on_the_last_complete_period(db):
    at = open_page(logged_in("merchant"), "app_pages/reports.py")
    for kind in ("weekly", "monthly"):
        at.segmented_control(key="report_kind").set_value(kind).run()
        start, end = merchant_report.period(kind, merchant_report.default_anchor(kind))
        heading = at.subheader[0].value
        assert f"{start} ~ {end}" in heading and "进行中" not in heading
        assert end < config.today()
        labels = [m.label for m in at.metric]
        assert any(label.startswith("日均咨询人数") for label in labels) and any(
            label.startswith("询单成交人数（合计）") for label in labels
        )
        assert not [
            m.value for m in at.metric if m.value.endswith(".0")
        ]  # counts and whole means print without decimals


def test_a_report_of_the_running_month_says_through_which_day(db):
    at = open_page(logged_in("merchant"), "app_pages/reports.py")
    at.segmented_control(key="report_kind").set_value("monthly").run()
    at.date_input(key="report_anchor_monthly").set_value(config.today()).run()
    assert "（进行中" in at.subheader[0].value


# --- the merchant's team -------------------------------------------------------------------------------------


INTERNAL = (
    "特批上线记录",
    "当时缺少",
    "人员漏斗",
    "经理未接受缺口",
    "上线条件",
    "候选与录取",
    "客服筛选",
    "录取",
    "排班上线",
    "演示数据：系统启用前已上线",
)


@pytest.mark.parametrize("username", ["merchant", "merchant2"])
def test_a_merchant_sees_its_team_and_none_of_our_internal_notes(db, username):
    admin = actor_of(db, "admin")
    for project in merchants.list_projects(db, actor_of(db, username)):
        funnel.update_settings(
            db, admin, project["id"], 9.0, 9.0, 9.0
        )  # every funnel stage short: the warnings staff see
        at = open_page(logged_in(username), "app_pages/team.py", project=project["id"])
        assert not at.exception
        page = texts(at) + "\n" + "\n".join(str(v) for v in shown_values(at))
        assert [word for word in INTERNAL if word in page] == []
        assert not at.tabs and not at.metric and [b.label for b in at.button] == ["退出登录"]
        names = {m["name"] for m in funnel.team(db, actor_of(db, username), project["id"])}
        shown = set(at.dataframe[0].value["姓名"]) if at.dataframe else set()
        assert shown == names
        if names:
            assert list(at.dataframe[0].value.columns)[:3] == ["姓名", "岗位", "班次"]
            assert set(at.dataframe[0].value["岗位"]) <= {"在岗", "储备"}


def test_the_admin_sees_the_same_team_with_funnel_and_override_record(db):
    project_id = own_project(db, status="live")
    funnel.update_settings(db, actor_of(db, "admin"), project_id, 9.0, 9.0, 9.0)
    at = open_page(logged_in("admin"), "app_pages/team.py", project=project_id)
    assert not at.exception
    page = texts(at)
    assert "人员漏斗不足" in page and "特批上线记录" in page


# --- empty states per role -----------------------------------------------------------------------------------


def test_a_merchant_before_go_live_is_told_the_day_not_shown_dashes(db):
    project_id = own_project(db, "merchant2", status="training")
    golive = db.execute(
        "SELECT json_extract(data, '$.golive_committed_date') FROM order_confirmations WHERE project_id = ? AND "
        "status = 'confirmed' "
        "ORDER BY version DESC LIMIT 1",
        [project_id],
    ).fetchone()[0]
    at = open_page(logged_in("merchant2"), "app_pages/home.py")
    assert not at.exception
    assert any(f"预计于 {golive} 上线" in i.value for i in at.info)
    assert not [m for m in at.metric if m.value == "—"]
    at = open_page(logged_in("merchant2"), "app_pages/kpi_dashboard.py", project=project_id)
    assert any(f"预计于 {golive} 上线" in i.value for i in at.info)
    assert "数据导入" not in texts(at)


def test_a_live_merchant_home_shows_yesterdays_tiles(db):
    at = open_page(logged_in("merchant"), "app_pages/home.py")
    assert not at.exception
    assert len(at.metric) >= 8 and not at.info


@pytest.mark.parametrize(
    "username, expected, forbidden",
    [
        ("manager", "请在“数据导入”上传", None),
        ("admin", "请在“数据导入”上传", None),
        ("trainer", "项目经理在“数据导入”上传", "请在“数据导入”上传"),
        ("qa", "项目经理在“数据导入”上传", "请在“数据导入”上传"),
    ],
)
def test_the_kpi_dashboard_without_data_speaks_to_each_role(db, username, expected, forbidden):
    project_id = own_project(db, "merchant2", status="training")
    at = open_page(logged_in(username), "app_pages/kpi_dashboard.py", project=project_id)
    assert not at.exception
    info = " ".join(i.value for i in at.info)
    assert expected in info and (forbidden is None or forbidden not in info)


# --- numbers in tables and charts --------------------------------------------------------------------------------


def test_count_axes_tick_in_whole_numbers():
    import plotly.express as px

    from ui.widgets import count_axis

    few = count_axis(px.bar(pd.DataFrame({"week": ["W1", "W2"], "n": [0, 1]}), x="week", y="n"))
    assert few.layout.yaxis.tickformat == ",d" and few.layout.yaxis.dtick == 1  # not 0 / 0.2 / … / 1 complaints
    stacked = count_axis(
        px.bar(pd.DataFrame({"week": ["W1", "W1"], "n": [6, 7], "c": ["a", "b"]}), x="week", y="n", color="c")
    )
    assert stacked.layout.yaxis.dtick is None  # 13 stacked: plotly's own whole steps
    many = count_axis(px.bar(pd.DataFrame({"day": ["d1", "d2"], "n": [120, 480]}), x="day", y="n"))
    assert many.layout.yaxis.tickformat == ",d" and many.layout.yaxis.dtick is None


def test_a_money_column_keeps_numbers_and_puts_the_yuan_sign_in_the_header():
    from ui.widgets import money_column

    column = money_column("合计")
    assert column["label"] == "合计 (¥)" and column["type_config"]["format"] == "%,.2f"


def test_the_dashboards_seven_day_tile_says_its_consultations_are_a_daily_mean(db):
    at = open_page(logged_in("merchant"), "app_pages/kpi_dashboard.py")
    project_id = own_project(db, status="live")
    at.segmented_control(key=f"tiles_period_{project_id}").set_value("last7").run()
    assert not at.exception
    assert any(m.label.startswith("日均咨询人数") for m in at.metric)
