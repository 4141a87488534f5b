"""Sign-in, the current user, user administration and the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from fastapi.security import OAuth2PasswordRequestForm

from safetynet.api.deps import Actor, Uow
from safetynet.api.schemas import AuditOut, Me, Page, Token, UserIn, UserOut
from safetynet.domain.regions import format_region
from safetynet.services import audit, users

router = APIRouter(prefix="/api/v1", tags=["access"])


@router.post("/auth/token", response_model=Token)
def sign_in(form: Annotated[OAuth2PasswordRequestForm, Depends()], uow: Uow) -> Token:
    """Exchange a username and password for a bearer token (OAuth2 password flow)."""
    principal = users.authenticate(uow, form.username, form.password)
    return Token(access_token=users.issue_token(uow, principal))


@router.get("/me", response_model=Me)
def me(actor: Actor) -> Me:
    return Me(
        username=actor.username,
        role=actor.role.value,
        region=format_region(actor.region_code) if actor.region_code else None,
        person_id=actor.person_id,
    )


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserOut)
def create_user(body: UserIn, uow: Uow, actor: Actor) -> UserOut:
    return UserOut.of(users.create_user(uow, actor, **body.model_dump()))


@router.get("/users", response_model=list[UserOut])
def list_users(uow: Uow, actor: Actor) -> list[UserOut]:
    return [UserOut.of(u) for u in users.list_users(uow, actor)]


@router.get("/audit", response_model=Page[AuditOut])
def audit_log(
    uow: Uow,
    actor: Actor,
    after: Annotated[int | None, Query(description="keyset: last id of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    entity: str | None = None,
    entity_id: str | None = None,
) -> Page[AuditOut]:
    """The audit log (auditors and admins)."""
    rows = audit.list_entries(
        uow, actor, after_id=after, limit=limit, entity=entity, entity_id=entity_id
    )
    return Page(
        items=[AuditOut.of(a) for a in rows], next_after=rows[-1].id if len(rows) == limit else None
    )
