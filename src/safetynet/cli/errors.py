"""How the CLI reports bad input: one line on stderr, exit code 2, no traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer

from safetynet.policy.errors import PolicyError

USAGE_ERROR = 2


def fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(USAGE_ERROR)


@contextmanager
def reported() -> Iterator[None]:
    """Turn a policy error into a one-line message and exit code 2."""
    try:
        yield
    except PolicyError as exc:
        fail(str(exc))
