"""Training materials: upload validation by the settings, versions, the merchant's confirmation, who may read."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.kernel import audit, config, uploads
from core.kernel.errors import NotFound, ValidationError
from core.kernel.permissions import PermissionDenied
from core.projects import merchants
from core.team import materials
from tests.core.team.team_support import confirmed_project, user


@pytest.fixture
def project(fresh_db, admin):
    return confirmed_project(fresh_db, admin)


@pytest.fixture
def trainer(fresh_db, admin):
    return user(fresh_db, admin, "trainer", "trainer")


def upload(
    db,
    actor,
    project_id,
    data=b"%PDF-1.4 product sheet",
    name="产品手册.pdf",
    title="产品手册",
    category="product",
    **kw,
):
    return materials.upload_material(db, actor, project_id, data, name, title, category, **kw)


def test_a_type_outside_the_allowed_list_is_refused_with_the_list(fresh_db, trainer, project):
    with pytest.raises(ValidationError) as caught:
        upload(fresh_db, trainer, project, b"MZ", "setup.exe")
    [error] = caught.value.errors
    assert error.key == "err.file_type" and error.params["ext"] == "exe" and "pdf" in error.params["allowed"]
    assert fresh_db["uploads"].count == 0 and fresh_db["training_materials"].count == 0


def test_the_allowed_types_and_size_limit_are_settings(fresh_db, admin, trainer, project):
    uploads.set_upload_settings(fresh_db, admin, ".PDF, docx；mp4", 1)
    assert uploads.allowed_extensions(fresh_db) == ("pdf", "docx", "mp4")
    assert uploads.max_upload_mb(fresh_db) == 1
    with pytest.raises(ValidationError) as caught:
        upload(fresh_db, trainer, project, b"a,b", "名单.csv")  # csv is allowed by default, not any more
    assert caught.value.errors[0].key == "err.file_type"
    with pytest.raises(ValidationError) as caught:
        upload(fresh_db, trainer, project, b"x" * (1024 * 1024 + 1), "big.pdf")
    assert caught.value.errors[0].key == "err.file_size" and caught.value.errors[0].params == {"mb": 1}
    assert upload(fresh_db, trainer, project, b"x" * 1024 * 1024, "ok.pdf")  # exactly the limit


def test_upload_settings_refuse_bad_values_and_non_admins(fresh_db, admin, trainer):
    with pytest.raises(ValidationError) as caught:
        uploads.set_upload_settings(fresh_db, admin, "pdf, ../x, ", 0)
    assert {(e.field, e.key) for e in caught.value.errors} == {
        ("team.allowed_extensions", "err.team.bad_extension"),
        ("team.max_upload_mb", "err.team.range"),
    }
    with pytest.raises(ValidationError):
        uploads.set_upload_settings(fresh_db, admin, " , ", 10)
    with pytest.raises(ValidationError):
        uploads.set_upload_settings(fresh_db, admin, "pdf", uploads.STREAMLIT_MAX_UPLOAD_MB + 1)
    with pytest.raises(PermissionDenied):
        uploads.set_upload_settings(fresh_db, trainer, "pdf", 10)
    assert uploads.allowed_extensions(fresh_db) == uploads.DEFAULT_ALLOWED_EXTENSIONS


def test_an_empty_file_and_a_bad_category_are_both_reported(fresh_db, trainer, project):
    with pytest.raises(ValidationError) as caught:
        upload(fresh_db, trainer, project, b"", "a.pdf", title="话术", category="recipes")
    assert {(e.field, e.key) for e in caught.value.errors} == {
        ("file", "err.file_empty"),
        ("team.category", "err.invalid_choice"),
    }
    with pytest.raises(ValidationError) as caught:
        upload(fresh_db, trainer, project, b"x", "a.pdf", title="长" * 201)
    assert {(e.field, e.key) for e in caught.value.errors} == {("team.title", "err.too_long")}


def test_an_untitled_material_is_named_after_its_file(fresh_db, trainer, project):
    material_id = upload(fresh_db, trainer, project, b"x", "../售后流程.v2.txt", title=" ")
    assert materials.get_material(fresh_db, trainer, material_id)["title"] == "售后流程.v2"


def test_a_name_with_a_path_is_stored_by_hash_under_its_base_name(fresh_db, trainer, project):
    material_id = upload(fresh_db, trainer, project, b"%PDF-1.4 rules", "../../x.pdf")
    material = materials.get_material(fresh_db, trainer, material_id)
    assert material["original_name"] == "x.pdf"
    files = [p for p in config.uploads_dir().rglob("*") if p.is_file()]
    assert [p.name for p in files] == [material["sha256"]]
    assert not (config.data_dir().parent / "x.pdf").exists()


def test_two_uploads_of_the_same_bytes_share_the_stored_file(fresh_db, trainer, project):
    first = upload(fresh_db, trainer, project, b"same", "a.txt", title="话术A", category="scripts")
    second = upload(fresh_db, trainer, project, b"same", "b.txt", title="话术B", category="scripts")
    assert (
        materials.get_material(fresh_db, trainer, first)["sha256"]
        == materials.get_material(fresh_db, trainer, second)["sha256"]
    )
    assert len([p for p in config.uploads_dir().rglob("*") if p.is_file()]) == 1
    assert materials.material_file(fresh_db, trainer, second) == (
        "b.txt",
        b"same",
        "text/plain",
    )  # the type from the name


def test_a_new_version_keeps_the_old_one(fresh_db, trainer, project):
    v1 = upload(fresh_db, trainer, project, b"v1", "规则.txt", title="平台规则", category="platform_rules")
    v2 = materials.upload_new_version(fresh_db, trainer, v1, b"v2", "规则-新.txt")
    [listed] = materials.list_materials(fresh_db, trainer, project)
    assert listed["id"] == v2 and listed["version"] == 2 and listed["title"] == "平台规则"
    versions = materials.material_versions(fresh_db, trainer, v1)
    assert [(v["version"], v["original_name"]) for v in versions] == [(2, "规则-新.txt"), (1, "规则.txt")]
    assert materials.material_file(fresh_db, trainer, v1)[1] == b"v1"
    assert materials.material_file(fresh_db, trainer, v2)[1] == b"v2"
    with pytest.raises(ValidationError):
        materials.upload_new_version(fresh_db, trainer, v1, b"", "empty.txt")


def test_courseware_goes_to_the_merchant_who_confirms_or_returns_it_with_a_comment(fresh_db, admin, trainer, project):
    merchant = user(fresh_db, admin, "shop", "merchant", merchants.get_project(fresh_db, admin, project)["merchant_id"])
    course = upload(fresh_db, trainer, project, b"slides", "课件.pptx", title="新人课件", category="courseware")
    other = upload(fresh_db, trainer, project)
    assert materials.get_material(fresh_db, merchant, course)["review_status"] == "pending"
    assert materials.get_material(fresh_db, merchant, other)["review_status"] == "not_required"
    with pytest.raises(ValidationError) as caught:
        materials.review_material(fresh_db, merchant, course, "returned", " ")
    assert caught.value.errors[0].key == "err.team.comment_required"
    materials.review_material(fresh_db, merchant, course, "returned", "退换货政策写错了")
    returned = materials.get_material(fresh_db, trainer, course)
    assert (
        returned["review_status"] == "returned"
        and returned["review_comment"] == "退换货政策写错了"
        and returned["reviewer"] == "shop"
    )
    v2 = materials.upload_new_version(fresh_db, trainer, course, b"slides v2", "课件v2.pptx")
    assert materials.get_material(fresh_db, merchant, v2)["review_status"] == "pending"
    with pytest.raises(ValidationError) as caught:
        materials.review_material(fresh_db, merchant, course, "confirmed")  # an old version
    assert caught.value.errors[0].key == "err.team.not_latest_version"
    materials.review_material(fresh_db, merchant, v2, "confirmed")
    assert materials.materials_status(fresh_db, trainer, project)["reviews"]["confirmed"] == 1
    with pytest.raises(ValidationError):
        materials.review_material(fresh_db, merchant, v2, "returned", "再改")  # no longer pending
    with pytest.raises(PermissionDenied):
        materials.review_material(fresh_db, trainer, v2, "confirmed")  # the merchant confirms, not us
    assert [r["action"] for r in audit.search(fresh_db, admin, entity="training_material")].count("review") == 2


def test_any_material_can_be_sent_for_confirmation(fresh_db, trainer, project):
    material_id = upload(fresh_db, trainer, project, ask_confirmation=False)
    materials.request_review(fresh_db, trainer, material_id)
    assert materials.get_material(fresh_db, trainer, material_id)["review_status"] == "pending"


def test_a_merchant_reads_and_downloads_its_own_materials_only(fresh_db, admin, trainer, project):
    other = confirmed_project(fresh_db, admin, "别家店")
    merchant = user(fresh_db, admin, "shop", "merchant", merchants.get_project(fresh_db, admin, project)["merchant_id"])
    own_id = upload(fresh_db, trainer, project)
    other_id = upload(fresh_db, trainer, other)
    assert [m["id"] for m in materials.list_materials(fresh_db, merchant, project)] == [own_id]
    assert materials.material_file(fresh_db, merchant, own_id)[1] == b"%PDF-1.4 product sheet"
    with pytest.raises(NotFound):
        materials.material_file(fresh_db, merchant, other_id)
    with pytest.raises(PermissionDenied):
        materials.list_materials(fresh_db, merchant, other)
    with pytest.raises(PermissionDenied):
        upload(fresh_db, merchant, project)  # merchants read; they do not upload


def test_the_order_confirmations_materials_state_shows_and_an_overdue_due_date_is_flagged(fresh_db, admin):
    late = confirmed_project(fresh_db, admin, "迟交店", materials_complete=False, due_in_days=3)
    status = materials.materials_status(fresh_db, admin, late)
    assert status["complete"] is False and status["missing"] == "售后政策" and not status["overdue"]
    status = materials.materials_status(fresh_db, admin, late, today=config.today() + timedelta(days=4))
    assert status["overdue"]
    done = confirmed_project(fresh_db, admin, "齐全店")
    assert not materials.materials_status(fresh_db, admin, done, today=config.today() + timedelta(days=30))["overdue"]
