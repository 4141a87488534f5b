"""Identity numbers never reach a log line: access-log lines (formatted by uvicorn, not lost),
the parameters of a failed SQL statement, tracebacks, and problem documents."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from uvicorn.logging import AccessFormatter

from safetynet.services.log_masking import install_log_masking
from safetynet.store.db import make_engine

ID = "11010519491231002X"
MASKED = "110105********002X"


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing through uvicorn's access formatter into a buffer."""
    install_log_masking()
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s'))
    logger = logging.getLogger("test.masking.access")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    yield logger, buffer
    logger.removeHandler(handler)


def test_an_access_line_with_an_id_in_the_url_is_masked_not_lost(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    """uvicorn's access formatter reads the record's five arguments: masking keeps them."""
    logger, buffer = captured
    logger.info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", f"/api/v1/x?id={ID}", "1.1", 200
    )
    # a logging error would write nothing here (and a traceback to stderr)
    assert buffer.getvalue() == f'127.0.0.1:5000 - "GET /api/v1/x?id={MASKED} HTTP/1.1" 200 OK\n'


def test_the_parameters_of_a_failed_statement_are_masked(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    install_log_masking()
    with engine.begin() as conn:
        conn.execute(text("CREATE TEMPORARY TABLE ids (number VARCHAR(18) PRIMARY KEY)"))
        conn.execute(text("INSERT INTO ids VALUES (:n)"), {"n": ID})
        with pytest.raises(IntegrityError) as failed:
            conn.execute(text("INSERT INTO ids VALUES (:n)"), {"n": ID})
    assert ID in str(failed.value)  # SQLAlchemy puts the parameters into the message
    with caplog.at_level(logging.ERROR):
        logging.getLogger("safetynet.test").error("statement failed: %s", failed.value)
        logging.getLogger("safetynet.test").exception("with traceback", exc_info=failed.value)
    formatted = "\n".join(caplog.handler.format(r) for r in caplog.records)
    assert ID not in formatted and MASKED in formatted


def test_a_non_string_argument_keeps_its_format(caplog: pytest.LogCaptureFixture) -> None:
    install_log_masking()
    with caplog.at_level(logging.INFO):
        logging.getLogger("safetynet.test").info("%d rows for %r", 3, {"id_number": ID})
    assert caplog.records[-1].getMessage() == f"3 rows for \"{{'id_number': '{MASKED}'}}\""


def test_sqlalchemy_statement_logging_is_masked(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """With statement logging on (``echo``), the parameters of every statement are masked."""
    install_log_masking()
    echoing = make_engine(database_url, echo=True)
    with caplog.at_level(logging.INFO, logger="sqlalchemy.engine"), echoing.begin() as conn:
        conn.execute(text("SELECT :n AS number"), {"n": ID})
    echoing.dispose()
    formatted = "\n".join(caplog.handler.format(r) for r in caplog.records)
    assert MASKED in formatted and ID not in formatted
