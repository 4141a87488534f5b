"""The exactly-once payroll: a run killed with SIGKILL in the middle of a chunk, then run
again, leaves exactly one payment line per award and month (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from typing import Any

from sqlalchemy import func, select

from safetynet.domain.access import Principal, Role
from safetynet.services.benefits.payroll import run_payroll
from safetynet.services.uow import UnitOfWork
from safetynet.store.benefits import Award, PaymentLine, PayrollRun

AWARDS = 40
CHUNK = 5
KILLED_IN_CHUNK = 3
OPERATOR = Principal("op-bj", Role.OPERATOR, region_code=110000)

CHILD = textwrap.dedent(
    """
    import sys, time
    from safetynet.domain.access import Principal, Role
    from safetynet.services.benefits.payroll import run_payroll
    from safetynet.services.uow import UnitOfWork
    from safetynet.store.db import make_engine, session_factory

    def progress(chunk, lines):
        print(f"chunk {chunk} {lines}", flush=True)
        if chunk == int(sys.argv[2]):
            time.sleep(600)  # inside the chunk's transaction: the parent kills us here

    uow = UnitOfWork(session_factory(make_engine(sys.argv[1])))
    actor = Principal("op-bj", Role.OPERATOR, region_code=110000)
    run_payroll(uow, actor, region="110000", month="2026-11", chunk_size=int(sys.argv[3]),
                progress=progress)
    """
)


def _awards(uow: UnitOfWork, records: Any) -> None:
    persons = [records.person(birth="1960-01-15") for _ in range(AWARDS)]
    with uow:
        uow.session.add_all(
            Award(
                person_id=p.id,
                kind="employee_pension",
                status="active",
                region_code=110105,
                start_month="2026-09",
                amount_fen=300_000 + i,
                adjust_from_month="2026-09",
                verified_month="2026-09",
                recompute_from="2026-09",
                inputs={},
                explanation=[],
                references=[],
                proposed_by="maker",
                approved_by="checker",
            )
            for i, p in enumerate(persons)
        )
        uow.commit()


def test_a_killed_payroll_resumes_and_pays_each_month_once(
    uow: UnitOfWork, records: Any, database_url: str
) -> None:
    _awards(uow, records)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, database_url, str(KILLED_IN_CHUNK), str(CHUNK)],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith(f"chunk {KILLED_IN_CHUNK} "):
            break
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    with uow:
        committed = uow.session.scalar(select(func.count()).select_from(PaymentLine))
    assert committed == (KILLED_IN_CHUNK - 1) * CHUNK * 3  # chunks 1-2, three months each

    outcome = run_payroll(uow, OPERATOR, region="110000", month="2026-11", chunk_size=CHUNK)
    assert outcome.resumed and outcome.run.status == "completed"
    assert outcome.new_lines == AWARDS * 3 - committed
    again = run_payroll(uow, OPERATOR, region="110000", month="2026-11", chunk_size=CHUNK)
    assert again.already_completed and again.new_lines == 0
    with uow:
        per_month = uow.session.execute(
            select(PaymentLine.award_id, PaymentLine.for_month, func.count()).group_by(
                PaymentLine.award_id, PaymentLine.for_month
            )
        ).all()
        runs = uow.session.scalar(select(func.count()).select_from(PayrollRun))
        total = uow.session.scalar(select(func.sum(PaymentLine.amount_fen)))
    assert len(per_month) == AWARDS * 3 and {n for *_, n in per_month} == {1}
    assert runs == 1
    assert total == outcome.run.total_fen == 3 * sum(300_000 + i for i in range(AWARDS))
