"""The cost of one effective law per database, and the true-up's throughput.

    .venv/bin/python -m benchmarks governance [--rows 100000] [--database sqlite|postgres]

Set-up (not timed): a fresh database, one Beijing employer with N employees (as in the import
benchmark), and their declaration for 2025-08 and 2025-09 as CSV. Then, in the same run:

- the law per transaction: ``effective_law`` (one small query, then the cached parameter set)
  against ``default_parameters()`` (the package, no query), per call; and the one-off rebuild
  of the parameter set after an approval;
- a declaration of N rows under the packaged law (version 0) against the next month's under
  an approved overlay (version 1): the overlay must not slow the import;
- the true-up of the first month after the floor changed (N lines posted) against the
  declaration import of the same N rows.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine

from benchmarks.bench_import import (
    ACTOR,
    _declaration_csv,
    _population,
    _prepare,
    scratch_schema,
)
from safetynet.domain.access import Principal, Role
from safetynet.policy.parameters import default_parameters
from safetynet.services import declarations, law, true_up
from safetynet.services import parameters as governance
from safetynet.services.uow import UnitOfWork
from safetynet.store.db import make_engine, session_factory

SCHEMA = "bench_governance"


def _declare(engine: Engine, employer_id: int, month: str, content: bytes) -> float:
    uow = UnitOfWork(session_factory(engine))
    start = time.perf_counter()
    outcome = declarations.submit_file(
        uow,
        ACTOR,
        employer_id=employer_id,
        month=month,
        version=1,
        content=content,
        filename="bench.csv",
    )
    assert outcome.posted
    return time.perf_counter() - start


def _approve_floor(engine: Engine) -> None:
    uow = UnitOfWork(session_factory(engine))
    proposal = governance.Proposal(
        parameter="contribution.base_floor",
        region="110000",
        effective="2025-07-01",
        value="11000",
        source="benchmark notice",
        grade="A",
    )
    value = governance.propose(uow, Principal("maker", Role.POLICY_OFFICER), proposal)
    governance.approve(uow, Principal("checker", Role.POLICY_OFFICER), value.id)


def _per_call(engine: Engine, calls: int = 2000) -> tuple[float, float, float]:
    """Microseconds per ``effective_law`` (warm), per ``default_parameters``, and
    milliseconds of the first call after a version change (the rebuild)."""
    factory = session_factory(engine)
    with factory() as session:
        start = time.perf_counter()
        law.effective_law(session)
        rebuild = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        for _ in range(calls):
            law.effective_law(session)
        warm = (time.perf_counter() - start) / calls * 1e6
    start = time.perf_counter()
    for _ in range(calls):
        default_parameters()
    packaged = (time.perf_counter() - start) / calls * 1e6
    return warm, packaged, rebuild


def run(label: str, engine: Engine, n: int) -> None:
    people = _population(n)
    employer_id = _prepare(engine, people)
    content = _declaration_csv(people)
    packaged = _declare(engine, employer_id, "2025-08", content)
    _approve_floor(engine)
    warm, bare, rebuild = _per_call(engine)
    overlay = _declare(engine, employer_id, "2025-09", content)
    uow = UnitOfWork(session_factory(engine))
    start = time.perf_counter()
    report = true_up.true_up(uow, ACTOR, region="110105", from_month="2025-08", to_month="2025-08")
    settled = time.perf_counter() - start
    rows = people.height
    print(f"{label}: {rows:,} employees, {report.lines.height:,} true-up lines")
    print(f"  effective_law per transaction (warm): {warm:8.1f} us; package only {bare:.2f} us")
    print(f"  rebuild after an approval:            {rebuild:8.1f} ms (once per version)")
    print(
        f"  declaration, packaged law:            {packaged:8.2f} s  {rows / packaged:,.0f} rows/s"
    )
    print(
        f"  declaration, overlay law:             {overlay:8.2f} s  {rows / overlay:,.0f} rows/s"
        f"  (overlay / packaged {overlay / packaged:.2f})"
    )
    print(
        f"  true-up of one month:                 {settled:8.2f} s  {rows / settled:,.0f} rows/s"
        f"  (true-up / declaration {settled / packaged:.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    if args.database == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
            run("SQLite", engine, args.rows)
            engine.dispose()
        return
    base = os.environ.get("SAFETYNET_BENCH_DATABASE_URL") or os.environ.get(
        "SAFETYNET_TEST_DATABASE_URL", ""
    )
    if not base:
        raise SystemExit("set SAFETYNET_BENCH_DATABASE_URL (or SAFETYNET_TEST_DATABASE_URL)")
    with scratch_schema(base, SCHEMA) as engine:
        run("PostgreSQL", engine, args.rows)


if __name__ == "__main__":
    main()
