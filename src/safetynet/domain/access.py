"""Who may do what: roles, the acting principal and its scope.

- citizen: reads only their own person record, statement and ledger;
- operator: reads and writes within a region subtree (province, prefecture or county);
- auditor: reads everything, including the audit log, writes nothing;
- policy officer: proposes and approves the law's parameter values (never their own), reads
  no personal record;
- admin: everything, including users.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from safetynet.domain.errors import Forbidden
from safetynet.domain.regions import format_region, in_subtree, subtree_bounds

NO_REGIONS = (1, 0)
"""An empty code range (low above high): lists filtered by it return nothing."""


class Role(StrEnum):
    CITIZEN = "citizen"
    OPERATOR = "operator"
    AUDITOR = "auditor"
    POLICY_OFFICER = "policy_officer"
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    """The acting user of a use case (the system itself for jobs and migrations)."""

    username: str
    role: Role
    region_code: int | None = None
    person_id: int | None = None

    @property
    def can_write(self) -> bool:
        return self.role in (Role.OPERATOR, Role.ADMIN)

    @property
    def region_bounds(self) -> tuple[int, int] | None:
        """The code range an operator may see; None means every region; policy officers, who
        keep the law rather than records, see an empty range."""
        if self.role is Role.OPERATOR and self.region_code is not None:
            return subtree_bounds(self.region_code)
        if self.role is Role.POLICY_OFFICER:
            return NO_REGIONS
        return None

    def require_write(self) -> None:
        if not self.can_write:
            raise Forbidden(
                f"role {self.role} may not change the record", code="read_only", role=self.role
            )

    def require_role(self, *roles: Role) -> None:
        if self.role not in roles:
            raise Forbidden(f"role {self.role} may not do this", code="role", role=self.role)

    def require_region(self, code: int) -> None:
        """Refuse unless the principal may act on a record of region ``code``."""
        if self.role is Role.CITIZEN:
            raise Forbidden("citizens may only see their own record", code="own_record_only")
        if self.role is Role.POLICY_OFFICER:
            raise Forbidden(
                "policy officers keep the law's parameters, not personal records",
                code="role",
            )
        if self.role is Role.OPERATOR and (
            self.region_code is None or not in_subtree(self.region_code, code)
        ):
            raise Forbidden(
                f"region {format_region(code)} is outside your scope",
                code="out_of_scope",
                region=format_region(code),
            )

    def require_person(self, person_id: int, region_code: int) -> None:
        """Refuse unless the principal may see the person's record."""
        if self.role is Role.CITIZEN:
            if self.person_id != person_id:
                raise Forbidden("citizens may only see their own record", code="own_record_only")
            return
        self.require_region(region_code)


SYSTEM = Principal("system", Role.ADMIN)
"""Acts for jobs started by operators at the console (migrations, demo data, year-end runs)."""
