"""The web session: a signed cookie holding the access token and the CSRF token.

Sign-in goes through ``services.users`` exactly as the API's does (``authenticate`` then
``issue_token``); every request re-reads the user with ``principal_from_token``, so a disabled
user or an expired token ends the session. The cookie is HttpOnly and SameSite=Lax, and Secure
when ``SAFETYNET_ENV=production``. Every form carries the session's CSRF token; a POST without
the matching token is refused (403) before any service is called.
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass, replace

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from safetynet.services.signing_secret import token_secret

COOKIE = "sn_session"
ENV = "SAFETYNET_ENV"
MAX_AGE_SECONDS = 12 * 60 * 60
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


def production() -> bool:
    return os.environ.get(ENV, "").strip().lower() == "production"


@dataclass(frozen=True)
class WebSession:
    csrf: str
    token: str | None = None

    @classmethod
    def fresh(cls) -> WebSession:
        return cls(csrf=secrets.token_urlsafe(32))

    def signed_in(self, token: str) -> WebSession:
        """A new CSRF token at sign-in, so a token planted before sign-in is worthless."""
        return replace(self, token=token, csrf=secrets.token_urlsafe(32))

    def csrf_matches(self, offered: str | None) -> bool:
        return bool(offered) and hmac.compare_digest(self.csrf, str(offered))


def _serializer(request: Request) -> URLSafeTimedSerializer:
    state = request.app.state
    secret = getattr(state, "web_secret", None)
    if secret is None:
        secret = token_secret()
        state.web_secret = secret
    return URLSafeTimedSerializer(secret, salt="safetynet.web.session")


def load(request: Request) -> WebSession | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        data = _serializer(request).loads(raw, max_age=MAX_AGE_SECONDS)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), str):
        return None
    token = data.get("t")
    return WebSession(csrf=data["c"], token=token if isinstance(token, str) else None)


def store(request: Request, response: Response, session: WebSession) -> None:
    value = _serializer(request).dumps({"c": session.csrf, "t": session.token})
    response.set_cookie(
        COOKIE,
        value,
        max_age=MAX_AGE_SECONDS,
        httponly=True,
        samesite="lax",
        secure=production(),
        path="/",
    )
