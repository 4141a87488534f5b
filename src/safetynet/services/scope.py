"""One scope rule for every view of a record: details, lists, counts, statements and exports.

A record belongs to the region stored on it, the region where it arose:

- a medical claim: the region of the medical insurance it was settled under (``region_code``
  of the claim, the enrollment's region at settlement);
- an award: its ``region_code`` (the region that decided it and pays it); a payment line and
  an overpayment belong to their award's region;
- a ledger entry and a contribution record: their ``region_code`` (the employer's or the
  enrollment's region at posting);
- a person: the region of record (``persons.region_code``).

The principal may see a record when :meth:`Principal.require_person` would let it see the
record's person in the record's region: a citizen only their own records, an operator the
records of its region subtree, an auditor and an admin all. A detail answers 403 for a record
outside the scope and every list, count, statement and export leaves such records out by the
same condition, :func:`visible`, so no view shows what another refuses. Aggregates of a person
(balances, months counted, the pension estimate) belong to the person and are shown to whoever
may see the person.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, true

from safetynet.domain.access import Principal, Role


def visible(actor: Principal, region: Any, person: Any) -> ColumnElement[bool]:
    """The SQL condition under which ``actor`` may see a record whose region and person are
    the columns ``region`` and ``person``."""
    if actor.role is Role.CITIZEN:
        return and_(person == actor.person_id) if actor.person_id is not None else false()
    if actor.role is Role.OPERATOR:
        bounds = actor.region_bounds
        return region.between(*bounds) if bounds is not None else false()
    return true()
