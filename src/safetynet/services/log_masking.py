"""Identity numbers masked in every log record, whoever logs it and whatever handler writes it.

A log-record factory (``logging.setLogRecordFactory``) masks each record as it is made: the
message, every string argument (and any other argument whose text holds an ID, such as the
parameters of a failed SQL statement), and the formatted traceback of an exception. Arguments
keep their number and order, so formatters that read them (uvicorn's access log) still work.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Mapping
from typing import Any

from safetynet.domain.identity import mask_ids_in

_installed = False


def _masked_arg(value: Any) -> Any:
    if isinstance(value, str):
        return mask_ids_in(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    text = str(value)
    masked = mask_ids_in(text)
    return masked if masked != text else value


def mask_record(record: logging.LogRecord) -> None:
    if isinstance(record.msg, str):
        record.msg = mask_ids_in(record.msg)
    else:
        record.msg = _masked_arg(record.msg)
    if isinstance(record.args, tuple):
        record.args = tuple(_masked_arg(a) for a in record.args)
    elif isinstance(record.args, Mapping):
        record.args = {k: _masked_arg(v) for k, v in record.args.items()}
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        record.exc_text = mask_ids_in("".join(traceback.format_exception(*record.exc_info)))
        record.exc_text = record.exc_text.rstrip("\n")
    if record.stack_info:
        record.stack_info = mask_ids_in(record.stack_info)


def install_log_masking() -> None:
    """Mask every record made from now on in this process (idempotent)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def masking_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        mask_record(record)
        return record

    logging.setLogRecordFactory(masking_factory)
    _installed = True
