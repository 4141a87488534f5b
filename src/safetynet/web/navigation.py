"""The navigation bar and each role's home page: adding a page adds one line here."""

from __future__ import annotations

from dataclasses import dataclass

from safetynet.domain.access import Role
from safetynet.web.i18n import mark

STAFF = (Role.OPERATOR, Role.ADMIN, Role.AUDITOR)


@dataclass(frozen=True)
class NavItem:
    path: str
    label: str
    roles: tuple[Role, ...]


NAVIGATION: list[NavItem] = [
    NavItem("/dashboard", mark("Dashboard"), STAFF),
    NavItem("/persons", mark("Persons"), STAFF),
    NavItem("/employers", mark("Employers"), STAFF),
    NavItem("/declarations", mark("Declarations"), (Role.OPERATOR, Role.ADMIN)),
    NavItem("/awards", mark("Awards"), STAFF),
    NavItem("/payroll", mark("Payroll"), (Role.OPERATOR, Role.ADMIN)),
    NavItem("/claims", mark("Medical claims"), (Role.OPERATOR, Role.ADMIN)),
    NavItem("/audit", mark("Audit trail"), (Role.AUDITOR, Role.ADMIN)),
]

HOME: dict[Role, str] = {
    Role.OPERATOR: "/dashboard",
    Role.ADMIN: "/dashboard",
    Role.AUDITOR: "/audit",
}
"""Where ``/`` sends a signed-in user; a role without an entry is sent to ``/account``."""


def items_for(role: Role) -> list[NavItem]:
    return [item for item in NAVIGATION if role in item.roles]


def home_of(role: Role) -> str:
    return HOME.get(role, "/account")
