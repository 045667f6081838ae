"""Knowledge-base articles: writing, versions, this week's changes, review flags, comments and access."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from core.kb import articles
from core.kernel import audit, config, weeks
from core.kernel.errors import NotFound, ValidationError
from core.kernel.permissions import PermissionDenied
from tests.core.kb.test_kb_support import World, world  # noqa: F401

ARTICLE = {"title": "发货时间说明", "category": "logistics", "tags": "发货， 物流 发货", "body": "现货48小时内发货。"}


def test_new_article_is_version_one_owned_by_its_writer_and_due_for_review_in_90_days(world: World):
    article_id = articles.create_article(world.db, world.manager, world.project, ARTICLE)
    article = articles.get_article(world.db, world.manager, article_id)
    assert article["version"] == 1
    assert article["owner_id"] == world.manager.id
    assert article["review_by"] == (config.today() + timedelta(days=90)).isoformat()
    assert article["tags"] == "发货,物流"  # split on either comma or spaces, de-duplicated
    assert [v["version"] for v in articles.versions(world.db, world.manager, article_id)] == [1]


def test_article_with_missing_and_bad_fields_lists_every_error_and_saves_nothing(world: World):
    with pytest.raises(ValidationError) as exc:
        articles.create_article(
            world.db,
            world.manager,
            world.project,
            {"title": "", "category": "gossip", "body": "", "owner_id": world.agent.id},
        )
    assert {(e.field, e.key) for e in exc.value.errors} == {
        ("kb.title", "err.required"),
        ("kb.category", "err.invalid_choice"),
        ("kb.body", "err.required"),
        ("kb.owner_id", "err.invalid_choice"),
    }
    assert world.db["kb_articles"].count == 0


def test_every_edit_keeps_the_old_text_as_a_version(world: World):
    article_id = articles.create_article(world.db, world.manager, world.project, ARTICLE)
    assert articles.update_article(world.db, world.trainer, article_id, {"body": "现货72小时内发货。"}, "大促期间") == 2
    assert articles.update_article(world.db, world.manager, article_id, {"title": "发货时效"}) == 3
    history = articles.versions(world.db, world.manager, article_id)
    assert [(v["version"], v["title"], v["body"]) for v in history] == [
        (3, "发货时效", "现货72小时内发货。"),
        (2, "发货时间说明", "现货72小时内发货。"),
        (1, "发货时间说明", "现货48小时内发货。"),
    ]
    assert history[1]["note"] == "大促期间" and history[1]["editor_name"] == "li"
    assert articles.get_article(world.db, world.manager, article_id)["version"] == 3


def test_saving_without_a_change_writes_no_version(world: World):
    article_id = articles.create_article(world.db, world.manager, world.project, ARTICLE)
    assert (
        articles.update_article(
            world.db, world.manager, article_id, {"body": "现货48小时内发货。", "tags": "发货,物流"}
        )
        is None
    )
    assert len(articles.versions(world.db, world.manager, article_id)) == 1


def test_diff_names_the_changed_fields_and_lines(world: World):
    article_id = articles.create_article(
        world.db, world.manager, world.project, {**ARTICLE, "body": "第一行\n现货48小时内发货。"}
    )
    articles.update_article(
        world.db, world.manager, article_id, {"body": "第一行\n现货72小时内发货。", "owner_id": world.trainer.id}
    )
    change = articles.diff(world.db, world.manager, article_id, 1, 2)
    assert change["fields"] == [{"field": "owner_id", "old": "wang", "new": "li"}]
    assert [(op, line) for op, line in change["body"] if op != " "] == [
        ("-", "现货48小时内发货。"),
        ("+", "现货72小时内发货。"),
    ]


def test_what_changed_this_week_lists_versions_saved_in_the_week_only(world: World):
    monday = date(2026, 3, 2)
    before = datetime(2026, 2, 27, 10, 0)
    first = articles.create_article(world.db, world.manager, world.project, ARTICLE, now=before)
    articles.update_article(
        world.db, world.manager, first, {"body": "改了"}, "本周修改", now=datetime(2026, 3, 3, 9, 0)
    )
    second = articles.create_article(
        world.db, world.manager, world.project, {**ARTICLE, "title": "退换货"}, now=datetime(2026, 3, 8, 23, 0)
    )
    articles.update_article(world.db, world.manager, second, {"body": "下周才改"}, now=datetime(2026, 3, 9, 8, 0))
    changed = articles.changes(world.db, world.manager, monday, monday + timedelta(days=6))
    assert [(c["article_id"], c["version"], c["change"]) for c in changed] == [
        (second, 1, "created"),
        (first, 2, "edited"),
    ]
    assert weeks.week_start(date(2026, 3, 8)) == monday


def test_article_past_its_review_date_is_flagged_to_its_owner_only(world: World):
    today = date(2026, 3, 10)
    late = articles.create_article(
        world.db, world.manager, world.project, {**ARTICLE, "owner_id": world.trainer.id, "review_by": date(2026, 3, 9)}
    )
    articles.create_article(
        world.db,
        world.manager,
        world.project,
        {**ARTICLE, "title": "今天到期", "owner_id": world.trainer.id, "review_by": today},
    )  # due today is not yet late
    assert [a["id"] for a in articles.my_overdue(world.db, world.trainer, today=today)] == [late]
    assert articles.my_overdue(world.db, world.manager, today=today) == []
    assert [a["id"] for a in articles.overdue(world.db, world.manager, world.project, today=today)] == [late]
    assert articles.get_article(world.db, world.trainer, late, today=today)["overdue"] is True


def test_owner_marks_reviewed_and_the_flag_goes_without_a_new_version(world: World):
    late = articles.create_article(
        world.db,
        world.manager,
        world.project,
        {**ARTICLE, "owner_id": world.qa.id, "review_by": config.today() - timedelta(days=1)},
    )
    articles.mark_reviewed(world.db, world.qa, late)  # QA may not edit articles, but owns this one
    assert articles.my_overdue(world.db, world.qa) == []
    assert (
        articles.get_article(world.db, world.qa, late)["review_by"] == (config.today() + timedelta(days=90)).isoformat()
    )
    assert len(articles.versions(world.db, world.qa, late)) == 1
    with pytest.raises(ValidationError):
        articles.mark_reviewed(world.db, world.qa, late, config.today())


def test_someone_else_than_the_owner_needs_edit_rights_to_mark_reviewed(world: World):
    article_id = articles.create_article(
        world.db, world.manager, world.project, {**ARTICLE, "review_by": config.today() - timedelta(days=1)}
    )
    with pytest.raises(PermissionDenied):
        articles.mark_reviewed(world.db, world.qa, article_id)


def test_editing_refused_to_qa_agents_and_merchants(world: World):
    article_id = articles.create_article(world.db, world.manager, world.project, ARTICLE)
    for who in (world.qa, world.agent, world.merchant):
        with pytest.raises(PermissionDenied):
            articles.update_article(world.db, who, article_id, {"body": "x"})
        with pytest.raises(PermissionDenied):
            articles.create_article(world.db, who, world.project, ARTICLE)


def test_merchant_reads_and_comments_on_its_own_projects_articles_only(world: World):
    own = articles.create_article(world.db, world.manager, world.project, ARTICLE)
    foreign = articles.create_article(world.db, world.manager, world.other, {**ARTICLE, "title": "别家的文章"})
    assert [a["id"] for a in articles.list_articles(world.db, world.merchant)] == [own]
    articles.add_comment(world.db, world.merchant, own, "618期间改为72小时发货")
    assert [(c["body"], c["author_role"]) for c in articles.comments(world.db, world.manager, own)] == [
        ("618期间改为72小时发货", "merchant")
    ]
    # tampering with the id: the other shop's article does not exist for this merchant
    for call in (
        lambda: articles.get_article(world.db, world.merchant, foreign),
        lambda: articles.add_comment(world.db, world.merchant, foreign, "x"),
        lambda: articles.versions(world.db, world.merchant, foreign),
        lambda: articles.comments(world.db, world.merchant, foreign),
    ):
        with pytest.raises(NotFound):
            call()
    with pytest.raises(PermissionDenied):
        articles.list_articles(world.db, world.merchant, project_id=world.other)
    assert world.db["kb_comments"].count == 1


def test_agent_reads_the_articles_of_its_teams_projects_only(world: World):
    own = articles.create_article(world.db, world.manager, world.project, ARTICLE)
    foreign = articles.create_article(world.db, world.manager, world.other, ARTICLE)
    assert [a["id"] for a in articles.list_articles(world.db, world.agent)] == [own]
    with pytest.raises(NotFound):
        articles.get_article(world.db, world.agent, foreign)
    assert [h["ref_id"] for h in articles.search(world.db, world.agent, "发货时间")] == [own]


def test_archived_article_leaves_lists_and_search_and_cannot_be_edited(world: World):
    article_id = articles.create_article(world.db, world.manager, world.project, ARTICLE)
    articles.archive_article(world.db, world.manager, article_id)
    assert articles.list_articles(world.db, world.manager) == []
    assert articles.search(world.db, world.manager, "发货时间") == []
    with pytest.raises(ValidationError):
        articles.update_article(world.db, world.manager, article_id, {"body": "x"})
    assert len(articles.versions(world.db, world.manager, article_id)) == 1


def test_article_can_name_the_merchant_material_it_came_from_only_of_its_project(world: World):
    with pytest.raises(ValidationError) as exc:
        articles.create_article(world.db, world.manager, world.project, {**ARTICLE, "source_material_id": 999})
    assert exc.value.errors[0].field == "kb.source_material_id"


def test_writes_are_audited(world: World):
    article_id = articles.create_article(world.db, world.manager, world.project, ARTICLE)
    articles.update_article(world.db, world.manager, article_id, {"body": "新"})
    articles.add_comment(world.db, world.merchant, article_id, "好")
    entries = audit.search(world.db, world.admin, entity="kb_article")
    assert [e["action"] for e in entries] == ["update", "create"]
    assert audit.search(world.db, world.admin, entity="kb_comment")[0]["username"] == "shop_a"


def test_every_choice_the_pages_name_has_text_in_both_languages():
    from core.kb import memos, phrases
    from core.kernel import i18n

    keys = (
        [f"kb.cat.{c}" for c in articles.CATEGORIES]
        + [f"kb.flag.{r}" for r in phrases.FLAG_REASONS]
        + [f"kb.flag_status.{s}" for s in phrases.FLAG_STATUSES]
        + [f"kb.source.{s}" for s in phrases.SOURCES]
        + [f"kb.memo.kind.{k}" for k in memos.KINDS]
        + [f"kb.memo.status.{s}" for s in memos.STATUSES]
        + ["kb.change.created", "kb.change.edited"]
        + [f"field.kb.{f}" for f in articles.VERSIONED_FIELDS]
    )
    assert [k for k in keys if k not in i18n.CATALOGUE] == []
