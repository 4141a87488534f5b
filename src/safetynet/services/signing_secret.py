"""The secret that signs access tokens, and the deployment mode.

The secret comes from ``SAFETYNET_JWT_SECRET`` or from the file named by
``SAFETYNET_JWT_SECRET_FILE`` (one line; a mounted secret), never from a database table. It
must be at least 32 characters. In production (``SAFETYNET_ENV=production``) one of the two is
required; elsewhere, without either, each process makes a random secret of its own at first use
(tokens then die with the process and are not shared between processes).
"""

from __future__ import annotations

import logging
import os
import secrets
from functools import cache
from pathlib import Path

SECRET_ENV = "SAFETYNET_JWT_SECRET"
SECRET_FILE_ENV = "SAFETYNET_JWT_SECRET_FILE"
MODE_ENV = "SAFETYNET_ENV"
MIN_SECRET_LENGTH = 32
MODES = ("development", "production")
log = logging.getLogger("safetynet.secrets")


class ConfigurationError(RuntimeError):
    """A deployment setting that keeps the server from starting; the message is one line."""


def deployment_mode() -> str:
    mode = os.environ.get(MODE_ENV, "").strip().lower() or "development"
    if mode not in MODES:
        raise ConfigurationError(f"{MODE_ENV} must be one of {', '.join(MODES)}, not {mode!r}")
    return mode


def is_production() -> bool:
    return deployment_mode() == "production"


@cache
def _read_secret_file(path: str, mtime_ns: int) -> str:
    del mtime_ns  # part of the cache key: a rotated file is read again
    return Path(path).read_text(encoding="utf-8").strip()


def configured_secret() -> str | None:
    """The secret from the environment or its file; None when neither is set."""
    value = os.environ.get(SECRET_ENV, "").strip()
    path = os.environ.get(SECRET_FILE_ENV, "").strip()
    if value and path:
        raise ConfigurationError(f"set {SECRET_ENV} or {SECRET_FILE_ENV}, not both")
    source = SECRET_ENV
    if path:
        source = f"{SECRET_FILE_ENV} ({path})"
        try:
            value = _read_secret_file(path, Path(path).stat().st_mtime_ns)
        except OSError as exc:
            raise ConfigurationError(f"{source} cannot be read: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise ConfigurationError(f"{source} is not UTF-8 text") from None
    if not value:
        if path:
            raise ConfigurationError(f"{source} is empty")
        return None
    if len(value) < MIN_SECRET_LENGTH:
        raise ConfigurationError(
            f"{source} is {len(value)} characters; it must be at least {MIN_SECRET_LENGTH}"
        )
    return value


@cache
def _process_secret() -> str:
    log.warning(
        "no %s or %s: tokens are signed with a random secret of this process and end with it",
        SECRET_ENV,
        SECRET_FILE_ENV,
    )
    return secrets.token_urlsafe(48)


def token_secret() -> str:
    """The signing secret (raises ``ConfigurationError`` when misconfigured)."""
    configured = configured_secret()
    if configured is not None:
        return configured
    if is_production():
        raise ConfigurationError(f"production needs {SECRET_ENV} or {SECRET_FILE_ENV}")
    return _process_secret()
