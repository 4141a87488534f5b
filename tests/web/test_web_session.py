"""The session cookie and sign-in without a browser: Secure in production, a forged or tampered
cookie is worthless, sign-in never redirects off the site, the API keeps its problem documents."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from safetynet.api.app import create_app
from safetynet.domain.access import SYSTEM
from safetynet.services import users
from safetynet.services.uow import UnitOfWork
from safetynet.store.db import make_engine, session_factory


@pytest.fixture
def client(sqlite_template: Path, tmp_path: Path) -> Iterator[TestClient]:
    path = tmp_path / "web.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    users.create_user(
        UnitOfWork(session_factory(engine)),
        SYSTEM,
        username="op",
        password="op-password-1",
        role="operator",
        region="110000",
    )
    with TestClient(create_app(engine)) as test_client:
        yield test_client
    engine.dispose()


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def _sign_in(client: TestClient, next_path: str = "/") -> str:
    token = _csrf(client.get("/login").text)
    response = client.post(
        "/login",
        data={
            "username": "op",
            "password": "op-password-1",
            "csrf_token": token,
            "next": next_path,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    return response.headers["location"]


def test_cookie_is_secure_only_in_production(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    cookie = client.get("/login").headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()
    monkeypatch.setenv("SAFETYNET_ENV", "production")
    client.cookies.clear()
    assert "secure" in client.get("/login").headers["set-cookie"].lower()


def test_sign_in_goes_back_to_the_page_asked_but_never_off_site(client: TestClient) -> None:
    assert _sign_in(client, "/persons?q=1234") == "/persons?q=1234"
    client.cookies.clear()
    assert _sign_in(client, "//evil.example/") == "/dashboard"
    client.cookies.clear()
    assert _sign_in(client, "https://evil.example/") == "/dashboard"


def test_a_tampered_cookie_is_a_signed_out_visitor(client: TestClient) -> None:
    _sign_in(client)
    assert client.get("/dashboard", follow_redirects=False).status_code == 200
    value = client.cookies["sn_session"]
    client.cookies.set("sn_session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    response = client.get("/dashboard", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_the_api_keeps_problem_documents_and_pages_get_html(client: TestClient) -> None:
    api = client.get("/api/v1/persons/1")
    assert api.status_code == 401 and api.headers["content-type"] == "application/problem+json"
    page = client.get("/no-such-page")
    assert page.status_code == 404 and "页面不存在" in page.text
