"""The UI text catalogue covers every key the app uses, in both languages."""

from __future__ import annotations

import re
import string

from core.kernel import i18n
from core.kernel.permissions import ROLES
from core.projects import merchants
from core.projects import order_confirmation as oc
from tests.conftest import ROOT
from ui.nav import PAGES

LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z_][a-z0-9_.]*)["']""")
CORE_KEY = re.compile(r"""["']((?:err|warn|login)\.[a-z0-9_.]+)["']""")


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in [*ROOT.glob("app_pages/*.py"), *ROOT.glob("ui/*.py"), ROOT / "Home.py"]:
        keys |= {
            k for k in LITERAL_KEY.findall(path.read_text()) if not k.endswith(".")
        }  # "prefix." + x: covered below
    for path in ROOT.glob("core/**/*.py"):
        keys |= {k for k in CORE_KEY.findall(path.read_text())}
    keys |= {f"role.{r}" for r in ROLES}
    keys |= {f"status.{s}" for s in merchants.PROJECT_STATUSES}
    keys |= {f"platform.{p}" for p in merchants.PLATFORMS}
    keys |= {f"promo.{p}" for p in merchants.PROMOTION_FREQUENCIES}
    keys |= {f"field.{f.name}" for f in oc.FIELDS}
    keys |= {f"choice.{f.name}.{c}" for f in oc.FIELDS for c in f.choices}
    keys |= {f"oc.section.{s}" for s in oc.SECTIONS}
    keys |= {p.title_key for p in PAGES} | {p.group_key for p in PAGES}
    return keys


def test_every_key_the_app_uses_is_in_the_catalogue():
    missing = sorted(k for k in used_keys() if k not in i18n.CATALOGUE)
    assert missing == []


def test_both_languages_are_filled_with_the_same_placeholders():
    formatter = string.Formatter()
    for key, (zh, en) in i18n.CATALOGUE.items():
        assert zh.strip() and en.strip(), key
        names = lambda text: {f for _, f, _, _ in formatter.parse(text) if f}  # noqa: E731
        assert names(zh) == names(en), key


def test_translate_fills_placeholders_and_falls_back_to_the_key():
    assert i18n.t("faq.progress", "zh", answered=3, total=11) == "已回答 3 / 11"
    assert i18n.t("faq.progress", "en", answered=3, total=11) == "3 of 11 answered"
    assert i18n.t("no.such.key") == "no.such.key"
