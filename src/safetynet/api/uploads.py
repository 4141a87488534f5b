"""Uploads held on disk, never whole in memory, and a bound on how many run at once.

An upload's part is already spooled to a temporary file by the multipart parser; it is copied a
megabyte at a time into a named file under the system's temporary directory (refused past
:data:`MAX_UPLOAD_BYTES`), parsed from there and deleted afterwards. At most
``SAFETYNET_MAX_CONCURRENT_UPLOADS`` (default 2) uploads are processed at once per server
process: one more is answered 429 with ``Retry-After``, so that memory stays bounded under a
burst of large files.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from safetynet.domain.errors import DomainError, InvalidInput

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
CONCURRENT_UPLOADS_ENV = "SAFETYNET_MAX_CONCURRENT_UPLOADS"
RETRY_AFTER_SECONDS = 10
_CHUNK = 1 << 20


class TooManyUploads(DomainError):
    """All upload slots are taken; the client should retry after ``retry_after`` seconds."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"{limit} uploads are being processed; retry in {RETRY_AFTER_SECONDS} seconds"
        )
        self.retry_after = RETRY_AFTER_SECONDS


class UploadSlots:
    """A non-blocking counting semaphore: a request either gets a slot or is refused."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._free = threading.BoundedSemaphore(limit)

    @classmethod
    def from_environment(cls) -> UploadSlots:
        raw = os.environ.get(CONCURRENT_UPLOADS_ENV, "").strip()
        return cls(int(raw) if raw.isdigit() and int(raw) > 0 else 2)

    @contextmanager
    def slot(self) -> Iterator[None]:
        if not self._free.acquire(blocking=False):
            raise TooManyUploads(self.limit)
        try:
            yield
        finally:
            self._free.release()


@contextmanager
def spooled(source: BinaryIO, suffix: str = "") -> Iterator[Path]:
    """The upload copied to a named temporary file (deleted afterwards), a chunk at a time."""
    handle, name = tempfile.mkstemp(prefix="safetynet-upload-", suffix=suffix)
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as target:
            source.seek(0)
            copied = 0
            while chunk := source.read(_CHUNK):
                copied += len(chunk)
                if copied > MAX_UPLOAD_BYTES:
                    raise InvalidInput.one(
                        "file", f"is larger than {MAX_UPLOAD_BYTES // 2**20} MiB"
                    )
                target.write(chunk)
        yield path
    finally:
        path.unlink(missing_ok=True)
