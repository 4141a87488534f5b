"""The bounds every request meets before any endpoint runs, whatever its parameters.

- Numbers: an integer outside int64 (in the path, the query or a JSON body) and a
  non-finite number (``NaN``, ``Infinity``) are refused; the database could not store them.
- Text: NUL and the other control characters (but tab, line feed and carriage return in a JSON
  string) are refused in paths, queries, form fields and JSON strings; a JSON string is at most
  :data:`MAX_TEXT` characters (each column's own length is checked when the record is written,
  see :mod:`safetynet.store.db`).
- Size: a JSON or form body is at most :data:`MAX_JSON_BYTES` (uploads are streamed by their
  endpoints, with their own limit).

Every refusal is a 422 problem naming the parameter or the JSON path of the bad value.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from safetynet.api.problems import problem

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MAX_TEXT = 10_000
MAX_JSON_BYTES = 10 * 2**20
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_STRICT = re.compile(r"[\x00-\x1f\x7f]")
_INTEGER = re.compile(r"[+-]?[0-9]+")


def _text_problem(value: str, *, strict: bool) -> str | None:
    pattern = _CONTROL_STRICT if strict else _CONTROL
    found = pattern.search(value)
    if found:
        return f"contains the control character U+{ord(found.group()):04X}"
    if len(value) > MAX_TEXT:
        return f"is longer than {MAX_TEXT} characters"
    return None


def _scalar_problem(value: str) -> str | None:
    """A path or query value: control characters, or an integer beyond int64."""
    text_problem = _text_problem(value, strict=True)
    if text_problem:
        return text_problem
    if _INTEGER.fullmatch(value.strip()) and not INT64_MIN <= int(value) <= INT64_MAX:
        return "is outside the 64-bit integer range"
    return None


def json_problems(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(JSON path, problem) of every out-of-bounds value in a parsed JSON document."""
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            yield path or "body", "is outside the 64-bit integer range"
    elif isinstance(value, float):
        if not math.isfinite(value):
            yield path or "body", "is not a finite number"
    elif isinstance(value, str):
        text_problem = _text_problem(value, strict=False)
        if text_problem:
            yield path or "body", text_problem
    elif isinstance(value, dict):
        for key, item in value.items():
            key_problem = _text_problem(str(key), strict=True)
            if key_problem:
                yield path or "body", f"a key {key_problem}"
            yield from json_problems(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from json_problems(item, f"{path}.{index}" if path else str(index))


def _refusal(errors: list[tuple[str, str]], status: int = 422) -> Any:
    listed = [{"field": field, "problem": text} for field, text in errors[:50]]
    detail = "; ".join(f"{e['field']}: {e['problem']}" for e in listed[:5])
    title = "Invalid input" if status == 422 else "Request too large"
    return problem(status, title, detail, listed)


class InputGuard:
    """ASGI middleware applying the module's bounds (see its docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._templates: list[tuple[re.Pattern[str], list[str]]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        errors = self._path_and_query(scope)
        if errors:
            await _refusal(errors)(scope, receive, send)
            return
        content_type = _header(scope, b"content-type")
        if scope["method"] in ("GET", "HEAD", "DELETE", "OPTIONS") or content_type.startswith(
            "multipart/"
        ):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive, MAX_JSON_BYTES)
        if body is None:
            await _refusal([("body", f"is larger than {MAX_JSON_BYTES // 2**20} MiB")], status=413)(
                scope, receive, send
            )
            return
        errors = list(_body_problems(content_type, body))
        if errors:
            await _refusal(errors)(scope, receive, send)
            return
        await self.app(scope, replay_body(body, receive), send)

    def _path_and_query(self, scope: Scope) -> list[tuple[str, str]]:
        errors: list[tuple[str, str]] = []
        for name, value in self._path_params(scope).items():
            found = _scalar_problem(value)
            if found:
                errors.append((name, found))
        query = scope.get("query_string", b"").decode("latin-1")
        for name, value in parse_qsl(query, keep_blank_values=True):
            found = _scalar_problem(value) or _scalar_problem(name)
            if found:
                errors.append((name, found))
        return errors

    def _path_params(self, scope: Scope) -> dict[str, str]:
        """The path's parameters by name, from the paths of the OpenAPI document."""
        if self._templates is None:
            app = scope.get("app")
            openapi = getattr(app, "openapi", None)
            paths = openapi().get("paths", {}) if callable(openapi) else {}
            self._templates = [_template(path) for path in paths]
        path = str(scope.get("path", ""))
        for pattern, names in self._templates:
            found = pattern.fullmatch(path)
            if found:
                return dict(zip(names, found.groups(), strict=True))
        return {}


def _template(path: str) -> tuple[re.Pattern[str], list[str]]:
    """``/persons/{person_id}`` as a pattern capturing each parameter, and their names."""
    parts = re.split(r"{([^}]+)}", path)
    pattern = "".join(re.escape(p) if i % 2 == 0 else "([^/]+)" for i, p in enumerate(parts))
    return re.compile(pattern), parts[1::2]


def _body_problems(content_type: str, body: bytes) -> Iterator[tuple[str, str]]:
    if content_type.startswith("application/json") or content_type.endswith("+json"):
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            return  # FastAPI answers malformed JSON itself (422 naming the position)
        yield from json_problems(document)
    elif content_type.startswith("application/x-www-form-urlencoded"):
        for name, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True):
            found = _text_problem(value, strict=True) or _text_problem(name, strict=True)
            if found:
                yield name, found


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return str(value.decode("latin-1")).lower()
    return ""


async def read_body(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replay_body(body: bytes, receive: Receive) -> Receive:
    """The body already read, then the client's own messages (its disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
