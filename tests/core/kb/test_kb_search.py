"""Search of the knowledge base: Chinese ranking, short words, relaxed queries, the FAQ and phrases, highlighting."""

from __future__ import annotations

import pytest

from core.kb import articles, phrases
from core.projects import faq
from tests.core.kb.test_kb_support import World, world, write_corpus  # noqa: F401


def titles(hits: list[dict]) -> list[str]:
    return [h["title"] for h in hits]


@pytest.mark.parametrize(
    "query,first",
    [
        ("发货时间", "发货时间说明"),  # the article titled with it, not those that mention 发货 in passing
        ("发货", "发货时间说明"),  # two characters: below the trigram's reach, found by the scan
        ("尺码", "四件套尺码怎么选"),
        ("优惠券", "店铺优惠券使用规则"),
        ("发票", "发票开具说明"),
        ("退换货", "退换货政策"),
        ("优惠券 叠加", "店铺优惠券使用规则"),  # two words, both must match
        ("运费 偏远", "快递与运费"),
        ("怎么开发票", "发票开具说明"),  # no article holds the whole phrase: relaxed to its pieces
        ("预售定金", "双11活动规则"),
    ],
)
def test_the_article_a_person_would_pick_comes_first(world: World, query, first):
    write_corpus(world)
    hits = articles.search(world.db, world.agent, query, world.project)
    assert hits and hits[0]["title"] == first, titles(hits)


def test_a_two_character_query_finds_the_longer_word_that_contains_it(world: World):
    ids = write_corpus(world)
    found = {h["ref_id"] for h in articles.search(world.db, world.manager, "发货") if h["kind"] == "article"}
    assert ids["发货时间说明"] in found and ids["退换货政策"] in found and ids["双11活动规则"] in found
    assert ids["店铺优惠券使用规则"] not in found


def test_title_hit_outranks_body_mentions_and_body_repeats_are_capped(world: World):
    ids = write_corpus(world)
    noisy = articles.create_article(
        world.db, world.manager, world.project, {"title": "仓库作业说明", "category": "logistics", "body": "发货" * 30}
    )
    ranked = [h["ref_id"] for h in articles.search(world.db, world.manager, "发货") if h["kind"] == "article"]
    assert ranked.index(ids["发货时间说明"]) < ranked.index(noisy)


def test_exact_hits_come_before_related_ones(world: World):
    write_corpus(world)
    hits = articles.search(world.db, world.manager, "七天无理由退货")  # the corpus says 7天内支持无理由退换货
    assert hits and all(h["related"] for h in hits)
    assert hits[0]["title"] == "退换货政策"
    hits = articles.search(world.db, world.manager, "发货时间")
    flags = [h["related"] for h in hits]
    assert flags[0] is False and flags == sorted(flags)  # exact first, related after


def test_the_projects_faq_table_is_searched_with_the_articles_and_kept_in_step(world: World):
    write_corpus(world)
    faq.save_items(
        world.db,
        world.manager,
        world.project,
        [{"question": "已发货能改地址吗", "answer": "发货后不能更换快递，可以联系快递改派。"}],
    )
    hit = next(h for h in articles.search(world.db, world.agent, "改派") if h["kind"] == "faq")
    assert hit["title"] == "已发货能改地址吗" and "改派" in hit["text"] and hit["project_id"] == world.project
    item = next(
        i for i in faq.list_items(world.db, world.manager, world.project) if i["question"] == "已发货能改地址吗"
    )
    faq.save_items(
        world.db,
        world.manager,
        world.project,
        [{"id": item["id"], "question": "已发货能改地址吗", "answer": "可以换顺丰。"}],
    )
    assert not [h for h in articles.search(world.db, world.agent, "改派") if h["kind"] == "faq"]
    assert [h["kind"] for h in articles.search(world.db, world.agent, "换顺丰")] == ["faq"]
    faq.delete_item(world.db, world.manager, world.project, item["id"])
    assert articles.search(world.db, world.agent, "换顺丰") == []


def test_unanswered_standard_faq_questions_are_not_offered(world: World):
    assert articles.search(world.db, world.manager, "议价空间") == []  # a standard question, still without an answer


def test_quick_phrases_are_found_by_text_and_shortcut_but_not_by_merchants(world: World):
    phrases.create_phrase(
        world.db,
        world.manager,
        world.project,
        {"group_name": "物流", "shortcut": "/fh", "text": "亲，现货48小时内发货哦"},
    )
    hit = next(h for h in articles.search(world.db, world.agent, "48小时") if h["kind"] == "phrase")
    assert (hit["shortcut"], hit["number"], hit["text"]) == ("/fh", 1, "亲，现货48小时内发货哦")
    assert [h["kind"] for h in articles.search(world.db, world.agent, "/fh")] == ["phrase"]
    assert articles.search(world.db, world.merchant, "48小时") == []


def test_search_never_leaves_the_projects_the_actor_may_see(world: World):
    write_corpus(world, world.other)
    assert articles.search(world.db, world.agent, "发货") == []
    assert articles.search(world.db, world.merchant, "发货时间") == []
    assert len(articles.search(world.db, world.merchant_b, "发货时间")) >= 1
    with pytest.raises(Exception):
        articles.search(world.db, world.agent, "发货", project_id=world.other)


def test_matched_words_are_highlighted_and_user_text_is_escaped():
    html = articles.highlight_html("<script>alert(1)</script>发货时间 *粗* $x$", ["发货", "时间"])
    assert "<script>" not in html and "&#60;script&#62;" in html
    assert "<mark>发货时间</mark>" in html  # adjacent matches merge into one mark
    assert "*" not in html and "$" not in html  # Markdown and maths marks cannot format user text


def test_highlight_is_case_insensitive_for_latin_letters():
    assert articles.highlight_html("iPhone 15", ["iphone"]) == "<mark>iPhone</mark> 15"


def test_search_hit_carries_highlighted_title_and_snippet(world: World):
    write_corpus(world)
    hit = articles.search(world.db, world.agent, "尺码")[0]
    assert hit["title_html"] == "四件套<mark>尺码</mark>怎么选"
    assert "<mark>" not in hit["snippet_html"] or "尺码" in hit["snippet_html"]
    hit = articles.search(world.db, world.agent, "被套")[0]
    assert "<mark>被套</mark>" in hit["snippet_html"]


def test_snippet_is_cut_around_the_first_match():
    text = "甲" * 100 + "发票" + "乙" * 200
    cut = articles.snippet(text, ["发票"])
    assert cut.startswith("…") and cut.endswith("…") and "发票" in cut and len(cut) < 140


def test_query_is_split_on_spaces_and_chinese_punctuation():
    assert articles.split_terms(" 发货，时间  发货?") == ["发货", "时间"]
    assert articles.relaxed_pieces(["怎么开发票"]) == ["么开", "开发", "发票"]  # 怎么 is too common to say anything


def test_an_empty_or_quote_only_query_finds_nothing_and_does_not_fail(world: World):
    write_corpus(world)
    assert articles.search(world.db, world.agent, "   ") == []
    assert articles.search(world.db, world.agent, '"""') == []
    assert articles.search(world.db, world.agent, 'AND OR "发货时间') != []  # FTS syntax in a query is taken literally


def test_rebuilding_the_index_gives_the_same_results(world: World):
    write_corpus(world)
    before = [(h["kind"], h["ref_id"]) for h in articles.search(world.db, world.manager, "发货")]
    articles.rebuild_index(world.db)
    assert [(h["kind"], h["ref_id"]) for h in articles.search(world.db, world.manager, "发货")] == before
