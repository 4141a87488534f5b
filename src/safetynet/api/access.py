"""Sign-in, the current user and their password, user administration and the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from safetynet.api.deps import Actor, Uow, client_address
from safetynet.api.schemas import (
    AuditOut,
    ChainOut,
    Me,
    Page,
    PasswordChangeIn,
    PasswordResetIn,
    Token,
    UserIn,
    UserOut,
    UserStatusIn,
)
from safetynet.domain.regions import format_region
from safetynet.services import audit, auth, users

router = APIRouter(prefix="/api/v1", tags=["access"])
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}


@router.post(
    "/auth/token",
    response_model=Token,
    responses={
        401: {"description": "wrong username or password", **PROBLEM},
        422: {"description": "control characters in a field", **PROBLEM},
        429: {"description": "locked after repeated failures; see Retry-After", **PROBLEM},
    },
)
def sign_in(
    request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()], uow: Uow
) -> Token:
    """Exchange a username and password for a bearer token (OAuth2 password flow). Repeated
    failures lock the account name and the client address for a doubling delay (429)."""
    principal = auth.authenticate(uow, form.username, form.password, client_address(request))
    return Token(access_token=users.issue_token(uow, principal))


@router.get("/me", response_model=Me)
def me(actor: Actor) -> Me:
    return Me(
        username=actor.username,
        role=actor.role.value,
        region=format_region(actor.region_code) if actor.region_code else None,
        person_id=actor.person_id,
    )


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT)
def change_my_password(
    request: Request, body: PasswordChangeIn, uow: Uow, actor: Actor
) -> Response:
    """Change one's own password (the policy: 12+ characters, not a common password). Tokens
    issued before the change stop working."""
    users.change_password(
        uow,
        actor,
        current_password=body.current_password,
        new_password=body.new_password,
        client_address=client_address(request),
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserOut)
def create_user(body: UserIn, uow: Uow, actor: Actor) -> UserOut:
    return UserOut.of(users.create_user(uow, actor, **body.model_dump()))


@router.get("/users", response_model=list[UserOut])
def list_users(uow: Uow, actor: Actor) -> list[UserOut]:
    return [UserOut.of(u) for u in users.list_users(uow, actor)]


@router.post("/users/{user_id}/password", response_model=UserOut)
def reset_password(user_id: int, body: PasswordResetIn, uow: Uow, actor: Actor) -> UserOut:
    """An administrator sets a user's password (and lifts the account's sign-in lock)."""
    return UserOut.of(
        users.reset_password(
            uow, actor, user_id, new_password=body.new_password, reason=body.reason
        )
    )


@router.post("/users/{user_id}/disable", response_model=UserOut)
def disable_user(user_id: int, body: UserStatusIn, uow: Uow, actor: Actor) -> UserOut:
    """Disable a user: sign-in, tokens and the CLI are refused at once."""
    return UserOut.of(users.set_active(uow, actor, user_id, active=False, reason=body.reason))


@router.post("/users/{user_id}/enable", response_model=UserOut)
def enable_user(user_id: int, body: UserStatusIn, uow: Uow, actor: Actor) -> UserOut:
    return UserOut.of(users.set_active(uow, actor, user_id, active=True, reason=body.reason))


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


@router.get("/audit/verify", response_model=ChainOut)
def verify_audit_chain(uow: Uow, actor: Actor) -> ChainOut:
    """Recompute the audit log's hash chain and report the first broken link (auditors and
    admins)."""
    report = audit.verify_chain(uow, actor)
    return ChainOut(
        intact=report.intact,
        rows=report.rows,
        head_seq=report.head_seq,
        head_hash=report.head_hash,
        broken_at_seq=report.broken.seq if report.broken else None,
        broken_row_id=report.broken.entry_id if report.broken else None,
        problem=report.broken.problem if report.broken else None,
    )
