"""Who a record command acts as, and how its refusals are reported and audited.

Commands act as the console administrator, or as the user named by ``SAFETYNET_USER`` with
that user's role and scope; an unknown or disabled user (or, in production, a demo user) is
refused before anything is done. A refusal for role or scope is written to the audit log like
the API's 403. Errors print one line each on stderr, identity numbers masked, and exit with 2.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import typer

from safetynet.cli.errors import USAGE_ERROR
from safetynet.domain.access import Principal, Role
from safetynet.domain.errors import DomainError, Forbidden, InvalidInput
from safetynet.domain.identity import mask_ids_in
from safetynet.policy.errors import PolicyError
from safetynet.services import audit, users
from safetynet.services.uow import UnitOfWork
from safetynet.store.db import make_engine, session_factory

T = TypeVar("T")
USER_ENV = "SAFETYNET_USER"


def new_uow() -> UnitOfWork:
    return UnitOfWork(session_factory(make_engine()))


def acting_principal(uow: UnitOfWork) -> Principal:
    name = os.environ.get(USER_ENV, "").strip()
    if not name:
        return Principal(f"console:{getpass.getuser()}", Role.ADMIN)
    return users.acting_user(uow, name)


@contextmanager
def reported() -> Iterator[None]:
    try:
        yield
    except InvalidInput as exc:
        for problem in exc.problems:
            typer.echo(f"error: {mask_ids_in(str(problem))}", err=True)
        if exc.total > len(exc.problems):
            typer.echo(f"error: ... {exc.total - len(exc.problems)} more", err=True)
        raise typer.Exit(USAGE_ERROR) from None
    except (DomainError, PolicyError) as exc:
        typer.echo(f"error: {mask_ids_in(str(exc))}", err=True)
        raise typer.Exit(USAGE_ERROR) from None


@contextmanager
def refusals_audited(actor: Principal) -> Iterator[None]:
    try:
        yield
    except Forbidden as exc:
        command = mask_ids_in(" ".join(["safetynet", *sys.argv[1:]]))[:300]
        audit.record_refusal(
            new_uow(), actor, what="cli", detail=str(exc), context={"command": command}
        )
        raise


def run_as_user(action: Callable[[UnitOfWork, Principal], T]) -> T:
    """Run ``action`` as the acting user; errors reported, refusals audited."""
    with reported():
        uow = new_uow()
        actor = acting_principal(uow)
        with refusals_audited(actor):
            return action(uow, actor)
