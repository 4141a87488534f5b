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
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from safetynet.api.app import create_app
from safetynet.domain.access import Principal, Role
from safetynet.services import users
from safetynet.services.uow import UnitOfWork
from safetynet.store.db import make_engine

EXAMPLES = int(os.environ.get("SAFETYNET_FUZZ_EXAMPLES", "5"))
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
    yield create_app(engine)
    engine.dispose()


def _operations() -> list[Any]:
    app = create_app(make_engine("sqlite://"))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    return [result.ok().label for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("label", _operations())
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

    call()


def _token(app: FastAPI) -> str:
    return users.issue_token(UnitOfWork(app.state.session_factory), ADMIN)
