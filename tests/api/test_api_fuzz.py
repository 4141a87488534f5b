"""Property-based fuzzing of the whole HTTP API from its OpenAPI document (schemathesis over
hypothesis).

Every operation is called with generated input, valid and invalid, signed in as an admin, on a
database holding a few records: no answer may be a 5xx, and every answer must be one the
document lists, with the content type and body it describes. ``SAFETYNET_FUZZ_EXAMPLES`` sets
the number of examples per operation and mode (``make fuzz`` runs many); the default keeps this
test well under two minutes.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from safetynet.api.app import create_app
from safetynet.domain.access import Principal, Role
from safetynet.policy.rules.identity import make_resident_ids
from safetynet.services import registry, users
from safetynet.services.demo import credit_code
from safetynet.services.uow import UnitOfWork
from safetynet.store.db import make_engine

EXAMPLES = int(os.environ.get("SAFETYNET_FUZZ_EXAMPLES", "3"))
ADMIN = Principal("fuzz-admin", Role.ADMIN)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[FastAPI]:
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    app = create_app(engine)
    _seed(UnitOfWork(app.state.session_factory))
    yield app
    engine.dispose()


def _seed(uow: UnitOfWork) -> None:
    """The signed-in admin and a few records for the generated ids to find."""
    users.create_user(
        uow, ADMIN, username=ADMIN.username, password="fuzz-password-long-1", role="admin"
    )
    employer = registry.register_employer(
        uow, ADMIN, credit_code=credit_code(110105, 101), name="Fuzz Employer", risk_class=2
    )
    person = registry.register_person(
        uow,
        ADMIN,
        id_number=str(
            make_resident_ids(
                np.array([110105]), np.array(["1980-05-17"], dtype="datetime64[D]"), np.array([3])
            )[0]
        ),
        name="Fuzz Person",
        hukou_type="urban",
    )
    registry.start_employment(
        uow, ADMIN, person_id=person.id, employer_id=employer.id, start_month="2025-01"
    )


def _cases() -> list[tuple[str, GenerationMode]]:
    """Every operation with valid input; those that take input with invalid input too."""
    app = create_app(make_engine("sqlite://"))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    cases = []
    for result in schema.get_all_operations():
        operation = result.ok()
        cases.append((operation.label, GenerationMode.POSITIVE))
        if list(operation.iter_parameters()) or operation.body:
            cases.append((operation.label, GenerationMode.NEGATIVE))
    return cases


@pytest.mark.parametrize(("label", "mode"), _cases())
def test_no_input_reaches_a_server_error(
    fuzz_app: FastAPI, label: str, mode: GenerationMode
) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    operation = schema.find_operation_by_label(label)
    assert operation is not None
    headers = {"Authorization": f"Bearer {_token(fuzz_app)}"}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def call(case: Case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        call()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise
        pytest.skip(f"{label}: every value of its parameters is valid (no invalid input)")


def _token(app: FastAPI) -> str:
    return users.issue_token(UnitOfWork(app.state.session_factory), ADMIN)
