"""What the server checks before it starts: the secret in every mode, and in production
(``SAFETYNET_ENV=production``) no demo users and no secret in the database.

Each problem is one line; the server starts only when there is none.
"""

from __future__ import annotations

from sqlalchemy import select

from safetynet.services.signing_secret import (
    SECRET_ENV,
    SECRET_FILE_ENV,
    ConfigurationError,
    configured_secret,
    is_production,
)
from safetynet.services.uow import UnitOfWork
from safetynet.store.access import Setting, User


class StartupRefused(RuntimeError):
    """The server must not start; ``reasons`` holds one line each."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def startup_problems(uow: UnitOfWork) -> list[str]:
    """Every reason not to serve, one line each (empty: the server may start)."""
    try:
        production = is_production()
        secret = configured_secret()
    except ConfigurationError as exc:
        return [str(exc)]
    if not production:
        return []
    problems = []
    if secret is None:
        problems.append(f"production needs {SECRET_ENV} or {SECRET_FILE_ENV} (32+ characters)")
    with uow:
        demo = list(
            uow.session.scalars(
                select(User.username).where(User.demo.is_(True), User.active.is_(True))
            )
        )
        stored = list(uow.session.scalars(select(Setting.key).where(Setting.key.ilike("%secret%"))))
    if demo:
        problems.append(
            f"demo users are present ({', '.join(demo)}): their passwords are published; "
            "disable them (safetynet user disable NAME) or use a database without them"
        )
    if stored:
        problems.append(
            f"a secret is stored in the database (settings: {', '.join(stored)}); delete it "
            "(safetynet db upgrade does) and configure the secret in the environment or a file"
        )
    return problems


def check_startup(uow: UnitOfWork) -> None:
    problems = startup_problems(uow)
    if problems:
        raise StartupRefused(problems)
