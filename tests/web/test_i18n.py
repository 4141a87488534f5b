"""Catalogues and formatting: every message of the web has a Chinese translation; amounts,
months and languages come out as the issue asks."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from safetynet.domain.errors import Conflict
from safetynet.web import formatting, i18n, messages

ROOT = Path(__file__).resolve().parents[2]
METHODS = [
    ("src/safetynet/web/**.py", "python"),
    ("src/safetynet/web/templates/**.html", "jinja2.ext:babel_extract"),
]


def _messages_in_code() -> set[str]:
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "mark": None}
    found = extract_from_dir(str(ROOT), METHODS, keywords=keywords)
    return {m[2] if isinstance(m[2], str) else m[2][0] for m in found}


def test_every_message_has_a_chinese_translation() -> None:
    path = i18n.LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as source:
        catalogue = read_po(source)
    translated = {
        m.id[0] if isinstance(m.id, tuple) else m.id
        for m in catalogue
        if m.id and all(m.string if isinstance(m.string, tuple) else [m.string])
    }
    in_code = _messages_in_code()
    assert {"Sign in", "Wrong username or password.", "Dashboard"} <= in_code
    missing = sorted(in_code - translated)
    assert missing == [], f"untranslated (see docs/web.md): {missing}"


def test_catalogues_compile_and_translate() -> None:
    assert i18n.Translator("zh_CN").gettext("Sign in") == "登录"
    assert i18n.Translator("en").gettext("Sign in") == "Sign in"
    assert (
        i18n.Translator("zh_CN").gettext("Region {region} is outside your scope.", region="北京")
        == "地区 北京 不在您的经办范围内。"
    )


def test_language_negotiation() -> None:
    assert i18n.choose(None, None, None) == "zh_CN"
    assert i18n.choose("en", "zh_CN", "zh-CN") == "en"
    assert i18n.choose(None, "en", "zh-CN,zh;q=0.9") == "en"
    assert i18n.choose(None, None, "fr-FR,en;q=0.8,zh;q=0.5") == "en"
    assert i18n.choose(None, None, "en;q=0.3,zh-TW;q=0.9") == "zh_CN"
    assert i18n.choose("xx", None, "de") == "zh_CN"


def test_amounts_months_and_days() -> None:
    assert formatting.yuan(1204900, "zh_CN") == "12,049.00 元"
    assert formatting.yuan(-5, "zh_CN") == "-0.05 元"
    assert formatting.yuan(1204900, "en") == "CNY 12,049.00"
    assert formatting.month("2026-08", "zh_CN") == "2026年8月"
    assert formatting.month("2026-08", "en") == "Aug 2026"
    assert formatting.day("2026-08-01", "zh_CN") == "2026年8月1日"
    assert formatting.day("2026-08-01T09:30:00", "en") == "1 Aug 2026 09:30"
    assert formatting.yuan(None, "en") == "—"


def test_award_refusals_read_in_chinese_with_the_kind_named() -> None:
    covered = Conflict(
        "earlier award covered the months",
        code="award_months_covered",
        kind="employee_pension",
        month="2026-03",
    )
    text = messages.error_text(i18n.Translator("zh_CN"), covered)
    assert text == "此前的职工基本养老金待遇已覆盖至2026-03：新待遇须从其后开始。"
    live = Conflict("already", code="live_award", person=7, kind="unemployment")
    assert "7" in messages.error_text(i18n.Translator("en"), live)
