"""The password policy: length, control characters, common passwords and their disguises."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safetynet.domain.passwords import MIN_LENGTH, common_passwords, password_problem
from safetynet.services.demo import DEMO_USERS

# (password, username, the refusal's start, or None when accepted)
CASES = [
    ("password", "admin", "must be at least 12"),
    ("short-pass1", "", "must be at least 12"),
    ("x" * 257, "", "must be at most 256"),
    ("a long phrase\x00with nul", "", "must not contain control"),
    ("a long phrase\twith tab", "", "must not contain control"),
    ("password1234", "", "is too common"),
    ("P@ssw0rd2024!", "", "is too common"),
    ("Password123!", "", "is too common"),
    ("iloveyou2024", "", "is too common"),
    ("monkeymonkey", "", "is too common"),
    ("1qaz2wsx3edc", "", "is too common"),
    ("aaaaaaaaaaaaaa", "", "is too common"),
    ("abcabcabcabc", "", "is too common"),
    ("123456789012", "", "must not be digits only"),
    ("qwertyuiopas", "", "must not be a run"),
    ("zyxwvutsrqpo", "", "must not be a run"),
    ("op-zhangsan2024!", "op-zhangsan", "must not be the username"),
    ("correct horse battery", "", None),
    ("tr0ub4dor&3xyz", "", None),
    ("a long password", "op-sc", None),
    ("民生保障一二三四五六七八", "", None),
]


@pytest.mark.parametrize(("password", "username", "expected"), CASES)
def test_policy_cases(password: str, username: str, expected: str | None) -> None:
    problem = password_problem(password, username)
    if expected is None:
        assert problem is None
    else:
        assert problem is not None and problem.startswith(expected), problem


def test_the_list_is_bundled_and_large() -> None:
    common = common_passwords()
    assert len(common) == 10_000
    assert {"password", "123456", "qwerty", "iloveyou"} <= common


def test_the_demo_passwords_satisfy_the_policy() -> None:
    for user in DEMO_USERS:
        assert password_problem(user.password, user.username) is None, user


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=MIN_LENGTH - 1))
def test_anything_short_is_refused(password: str) -> None:
    assert password_problem(password) is not None


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(sorted(w for w in common_passwords() if len(w) >= 4 and w.isalpha())),
    st.text(alphabet=string.digits + "!@#$%_.", min_size=0, max_size=8),
    st.booleans(),
)
def test_a_common_word_dressed_up_is_refused(word: str, suffix: str, capitalise: bool) -> None:
    password = (word.capitalize() if capitalise else word) + suffix
    if len(password) >= MIN_LENGTH:
        assert password_problem(password) is not None


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["river", "lantern", "copper", "maple", "orbit", "violet"]),
        min_size=3,
        max_size=5,
        unique=True,
    )
)
def test_phrases_of_unrelated_words_are_accepted(words: list[str]) -> None:
    assert password_problem("-".join(words)) is None
