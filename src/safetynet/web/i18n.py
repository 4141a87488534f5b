"""Languages of the pages: gettext catalogues (Babel) and the choice of language per request.

The catalogues are the ``.po`` files under ``web/locale``; they are compiled in memory when this
module is imported, so no build step and no ``.mo`` file exist. Simplified Chinese is the default;
English is chosen by ``?lang=en`` (remembered in a cookie) or by the browser's Accept-Language.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("zh_CN", "en")
DEFAULT = "zh_CN"
COOKIE = "sn_lang"


@cache
def catalogue(locale: str) -> gettext.NullTranslations:
    """The compiled catalogue of a language (compiled once per process)."""
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as source:
        parsed = read_po(source, locale=locale)
    compiled = BytesIO()
    write_mo(compiled, parsed)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def normalise(tag: str | None) -> str | None:
    """``en``, ``en-GB``, ``zh``, ``zh-CN``, ``zh_CN``... to a supported language, or None."""
    if not tag:
        return None
    primary = tag.strip().replace("-", "_").split("_")[0].lower()
    if primary == "zh":
        return "zh_CN"
    if primary == "en":
        return "en"
    return None


def from_accept_language(header: str | None) -> str | None:
    """The supported language the browser prefers most (by q-value, then order)."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        language = normalise(tag)
        if language and quality > 0:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else None


def choose(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """``?lang=`` first, then the remembered choice, then the browser's, then Chinese."""
    return normalise(query) or normalise(cookie) or from_accept_language(accept_language) or DEFAULT


@dataclass(frozen=True)
class Translator:
    """gettext bound to one request's language."""

    locale: str

    def gettext(self, message: str, **params: object) -> str:
        text = catalogue(self.locale).gettext(message)
        return text.format(**params) if params else text

    def ngettext(self, singular: str, plural: str, count: int, **params: object) -> str:
        text = catalogue(self.locale).ngettext(singular, plural, count)
        return text.format(count=count, **params)

    @property
    def html_lang(self) -> str:
        return "zh-CN" if self.locale == "zh_CN" else "en"


def mark(message: str) -> str:
    """Marks a message for extraction where it is defined; translated where it is shown."""
    return message
