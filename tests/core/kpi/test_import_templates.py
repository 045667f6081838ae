"""Saved import layouts: keyed on the set of headers, per project and kind, audited, permissioned."""

from __future__ import annotations

import pytest

from core.accounts import users
from core.kernel.errors import ValidationError
from core.kernel.permissions import PermissionDenied
from core.kpi import templates as tpl
from core.projects import merchants


@pytest.fixture
def project(fresh_db, admin):
    merchant_id = merchants.create_merchant(fresh_db, admin, {"name": "样例店铺", "platform": "pinduoduo"})
    return merchants.create_project(fresh_db, admin, merchant_id, "售前")


HEADERS = ["客服账号", "30 秒应答率(8-23点)", "备注"]


def test_a_saved_layout_is_found_again_whatever_the_column_order_spacing_and_width(fresh_db, admin, project):
    template_id = tpl.save_template(fresh_db, admin, project, "summary", HEADERS, {"客服账号": "agent", "备注": None})
    found = tpl.find_template(fresh_db, admin, project, "summary", ["备注", "客服账号", "30秒应答率（8-23点）"])
    assert found is not None and found["id"] == template_id
    assert found["mapping"] == {"客服账号": "agent", "备注": None}


def test_a_layout_with_one_header_more_or_less_is_another_layout(fresh_db, admin, project):
    tpl.save_template(fresh_db, admin, project, "summary", HEADERS, {"客服账号": "agent"})
    assert tpl.find_template(fresh_db, admin, project, "summary", HEADERS[:2]) is None
    assert tpl.find_template(fresh_db, admin, project, "summary", [*HEADERS, "投诉数"]) is None
    assert tpl.find_template(fresh_db, admin, project, "raw_messages", HEADERS) is None


def test_saving_the_same_layout_again_replaces_its_mapping_and_keeps_its_name(fresh_db, admin, project):
    first = tpl.save_template(fresh_db, admin, project, "summary", HEADERS, {"客服账号": "agent"}, name="拼多多新版")
    second = tpl.save_template(fresh_db, admin, project, "summary", HEADERS, {"客服账号": "agent", "备注": None})
    assert first == second
    [only] = tpl.list_templates(fresh_db, admin, project, "summary")
    assert only["name"] == "拼多多新版" and only["mapping"] == {"客服账号": "agent", "备注": None}


def test_templates_are_renamed_and_deleted_with_an_audit_row(fresh_db, admin, project):
    template_id = tpl.save_template(fresh_db, admin, project, "summary", HEADERS, {"客服账号": "agent"})
    tpl.rename_template(fresh_db, admin, template_id, "京东整体数据")
    assert tpl.list_templates(fresh_db, admin, project)[0]["name"] == "京东整体数据"
    with pytest.raises(ValidationError):
        tpl.rename_template(fresh_db, admin, template_id, "  ")
    tpl.delete_template(fresh_db, admin, template_id)
    assert tpl.list_templates(fresh_db, admin, project) == []
    actions = [
        r["action"] for r in fresh_db.query("SELECT action FROM audit_log WHERE entity = 'import_template' ORDER BY id")
    ]
    assert actions == ["save", "rename", "delete"]


def test_a_mapping_naming_a_header_not_in_the_layout_is_refused(fresh_db, admin, project):
    with pytest.raises(ValidationError):
        tpl.save_template(fresh_db, admin, project, "summary", HEADERS, {"别的列": "agent"})
    assert tpl.list_templates(fresh_db, admin, project) == []


def test_roles_without_import_rights_cannot_read_or_write_templates(fresh_db, admin, project):
    qa_id = users.create_user(fresh_db, admin, "qa1", "质检", "qa", "secret-pass-1")
    qa = users.actor_from_row(users.get_user(fresh_db, qa_id))
    with pytest.raises(PermissionDenied):
        tpl.save_template(fresh_db, qa, project, "summary", HEADERS, {})
    with pytest.raises(PermissionDenied):
        tpl.list_templates(fresh_db, qa, project)
