"""Request-scoped dependencies: the unit of work and the authenticated principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session, sessionmaker

from safetynet.domain.access import Principal
from safetynet.domain.errors import Unauthenticated
from safetynet.services.uow import UnitOfWork
from safetynet.services.users import principal_from_token

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_uow(request: Request) -> UnitOfWork:
    factory: sessionmaker[Session] = request.app.state.session_factory
    return UnitOfWork(factory)


Uow = Annotated[UnitOfWork, Depends(get_uow)]


def get_principal(
    request: Request, uow: Uow, token: Annotated[str | None, Depends(oauth2)]
) -> Principal:
    """The signed-in user; kept on the request so that a refusal can be audited in its name."""
    if not token:
        raise Unauthenticated("sign in: POST /api/v1/auth/token, then send the bearer token")
    principal = principal_from_token(uow, token)
    request.state.principal = principal
    return principal


def client_address(request: Request) -> str | None:
    """The client's address as the server sees it (behind a proxy, run uvicorn with
    ``--proxy-headers`` and ``--forwarded-allow-ips`` so that this is the real client)."""
    return request.client.host if request.client else None


Actor = Annotated[Principal, Depends(get_principal)]
