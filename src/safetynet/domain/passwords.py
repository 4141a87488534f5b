"""The password policy: at least 12 characters, at most 256, no control characters, and not a
common password (``data/common-passwords.txt``, the 10,000 most frequent passwords of a public
corpus; see ``data/SOURCES.md``), nor one dressed up: case, common letter-for-symbol swaps
(``P@ssw0rd``), digits or punctuation added before or after (``password2024!``), a word
repeated (``monkeymonkey``), one character repeated, digits only, a run along the alphabet or
the keyboard (``qwertyuiopas``), or the username so dressed up.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

MIN_LENGTH = 12
MAX_LENGTH = 256
_LEET = str.maketrans(
    {
        "@": "a",
        "4": "a",
        "0": "o",
        "1": "i",
        "!": "i",
        "3": "e",
        "$": "s",
        "5": "s",
        "7": "t",
        "+": "t",
    }
)
_RUNS = ("abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm", "1234567890")
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("safetynet.data").joinpath("common-passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def has_control_characters(text: str) -> bool:
    """NUL and other C0/C1 control characters (tab and newline included)."""
    return any(ord(c) < 32 or 127 <= ord(c) < 160 for c in text)


def _variants(password: str) -> set[str]:
    lower = password.lower()
    forms = {lower, lower.translate(_LEET)}
    forms |= {_EDGES.sub("", form) for form in list(forms)}
    forms |= {_EDGES.sub("", lower).translate(_LEET)}
    return {form for form in forms if form}


def _repeated_unit(text: str) -> str | None:
    """The shortest piece that ``text`` repeats (``abcabc`` -> ``abc``), or None."""
    match = re.fullmatch(r"(.+?)\1+", text)
    return match.group(1) if match else None


def password_problem(password: str, username: str = "") -> str | None:
    """Why ``password`` is refused, or None when the policy accepts it."""
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters"
    if has_control_characters(password):
        return "must not contain control characters"
    if password.isdigit():
        return "must not be digits only"
    if _is_run(password.lower()):
        return "must not be a run of the alphabet or the keyboard"
    common = common_passwords()
    name = username.strip().lower()
    for form in _variants(password):
        unit = _repeated_unit(form)
        if form in common or (unit is not None and (len(unit) <= 3 or unit in common)):
            return "is too common: choose a longer phrase of unrelated words"
        if name and name in (form, unit):
            return "must not be the username"
    return None


def _is_run(text: str) -> bool:
    return any(text in run * 2 or text in (run * 2)[::-1] for run in _RUNS)
