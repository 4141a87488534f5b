"""Loading a sample of a synthetic population into the system-of-record database (demo).

The sample goes through the services, one audited transaction per record, exactly as an
operator's registrations would: persons are registered, and flexible workers and residents who
are insured are enrolled from the population's reference month. Employees are registered
only: their enrollment comes with an employment, which needs an employer. The sample is
small by design (at most :data:`MAX_SAMPLE`); population-scale work is the batch engine's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from safetynet.batch.local import population_dataset
from safetynet.batch.validate import id_strings
from safetynet.domain.access import SYSTEM
from safetynet.domain.errors import Conflict
from safetynet.policy.rules.identity import check_resident_ids
from safetynet.services import registry
from safetynet.services.uow import UnitOfWork
from safetynet.store.db import session_factory, upgrade
from safetynet.synth.writer import read_manifest

MAX_SAMPLE = 10_000
COLUMNS = ["person_id", "resident_id", "region", "urban", "employment_type", "pension_scheme"]
ENROLLED_AS = {"flexible": "flexible", "urban_resident": "resident", "rural_resident": "resident"}


@dataclass(frozen=True)
class SampleLoad:
    registered: int
    enrolled: int
    already_present: int


def load_sample(population: Path, persons: int, engine: Engine) -> SampleLoad:
    """Register the first ``persons`` persons with a valid identity number."""
    if not 1 <= persons <= MAX_SAMPLE:
        raise ValueError(f"load-sample: expected 1 to {MAX_SAMPLE:,} persons, got {persons:,}")
    as_of = read_manifest(population).as_of
    table = population_dataset(population).head(persons * 2, columns=COLUMNS)
    valid = check_resident_ids(id_strings(table.column("resident_id")))["valid"]
    rows = table.filter(valid).slice(0, persons).to_pylist()
    upgrade(engine)
    uow = UnitOfWork(session_factory(engine))
    registered = enrolled = present = 0
    for row in rows:
        try:
            person = registry.register_person(
                uow,
                SYSTEM,
                id_number=row["resident_id"],
                name=f"Synthetic {row['person_id']}",
                hukou_type="urban" if row["urban"] else "rural",
                region=f"{row['region']:06d}",
                reason="synthetic sample",
            )
        except Conflict:
            present += 1
            continue
        registered += 1
        kind = ENROLLED_AS.get(row["employment_type"])
        if kind is not None and row["pension_scheme"] != "none":
            registry.enroll(
                uow,
                SYSTEM,
                person_id=person.id,
                worker_type=kind,
                region=f"{row['region']:06d}",
                start_month=as_of,
                reason="synthetic sample",
            )
            enrolled += 1
    return SampleLoad(registered, enrolled, present)
