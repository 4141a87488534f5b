"""Errors of the system of record. Entry points map them to HTTP statuses and CLI exit codes.

Each error carries, besides its English message, a stable ``code`` and the ``params`` the message
was made from, so that an entry point can say the same thing in another language (the web pages
translate by code: ``safetynet.web.messages``). An error raised without a code gets its class's.
"""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """Base class: a use case refused, with a message fit for the operator."""

    default_code = "refused"

    def __init__(self, message: str = "", *, code: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.code = code or self.default_code
        self.params: dict[str, object] = params


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: the field (and row of a file, counted from 1)."""

    field: str
    problem: str
    row: int | None = None
    code: str | None = None
    params: tuple[tuple[str, object], ...] = ()

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"field": self.field, "problem": self.problem}
        if self.row is not None:
            out["row"] = self.row
        return out

    def __str__(self) -> str:
        where = f"row {self.row}: " if self.row is not None else ""
        return f"{where}{self.field}: {self.problem}"


class InvalidInput(DomainError):
    """Input that fails validation; names every bad field (and row)."""

    default_code = "invalid_input"

    def __init__(self, problems: list[Problem], total: int | None = None) -> None:
        self.problems = problems
        self.total = total if total is not None else len(problems)
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (and {self.total - 5} more)" if self.total > 5 else ""
        super().__init__(shown + more, total=self.total)

    @classmethod
    def one(
        cls, field: str, problem: str, *, code: str | None = None, **params: object
    ) -> InvalidInput:
        return cls([Problem(field, problem, code=code, params=tuple(params.items()))])


class NotFound(DomainError):
    default_code = "not_found"

    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"{what} {key} not found", what=what, key=key)
        self.what = what


class Conflict(DomainError):
    """The request contradicts the record (a duplicate, a state that forbids the change)."""

    default_code = "conflict"

    def __init__(
        self, message: str, field: str | None = None, *, code: str | None = None, **params: object
    ) -> None:
        super().__init__(message, code=code, **params)
        self.field = field


class Forbidden(DomainError):
    """The acting user's role or region scope does not allow this."""

    default_code = "forbidden"


class Unauthenticated(DomainError):
    """No valid credentials."""

    default_code = "unauthenticated"


class TooManyAttempts(DomainError):
    """Sign-in refused for a while after repeated failures; ``retry_after`` in seconds."""

    default_code = "too_many_attempts"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after
