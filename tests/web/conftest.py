"""The browser harness: one uvicorn server per session on a free loopback port, over a seeded
temporary SQLite database, driven by Playwright for Python in Debian's Chromium.

Outside CI the browser tests are skipped (with the reason) when /usr/bin/chromium is absent; on
CI (``CI=true``) a missing browser is a failure, since ``.ci/run`` installs it.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import Engine

from safetynet.api.app import create_app
from safetynet.services.demo import seed_demo
from safetynet.services.uow import UnitOfWork
from safetynet.store.db import make_engine, session_factory

CHROMIUM = Path(os.environ.get("SAFETYNET_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PASSWORDS = {
    "operator-bj": "demo-operator-pass",
    "operator-bj2": "demo-operator-pass",
    "operator-sc": "demo-operator-pass",
    "auditor": "demo-auditor-pass",
    "admin": "demo-admin-pass",
}


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{CHROMIUM} is missing on CI: .ci/run should have installed chromium")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); browser tests skipped")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    base_url: str
    engine: Engine

    def uow(self) -> UnitOfWork:
        return UnitOfWork(session_factory(self.engine))


@pytest.fixture(scope="session")
def server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    _require_chromium()
    path = tmp_path_factory.mktemp("web") / "web.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    seed_demo(engine)
    port = _free_port()
    config = uvicorn.Config(
        create_app(engine), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    uvicorn_server = uvicorn.Server(config)
    thread = threading.Thread(target=uvicorn_server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uvicorn_server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the web server did not start")
        time.sleep(0.05)
    yield Server(f"http://127.0.0.1:{port}", engine)
    uvicorn_server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture(scope="session")
def browser(server: Server) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


class Web:
    """A browser tab on the test server, with sign-in and accessibility checks."""

    def __init__(self, context: Any, base_url: str) -> None:
        self.context = context
        self.page = context.new_page()
        self.base_url = base_url

    def goto(self, path: str) -> Any:
        return self.page.goto(self.base_url + path)

    def sign_in(self, username: str, lang: str = "zh_CN") -> None:
        self.goto(f"/login?lang={lang}")
        self.page.fill("#f-username", username)
        self.page.fill("#f-password", PASSWORDS[username])
        self.page.click("form[action='/login'] button[type=submit]")
        self.page.wait_for_load_state()

    def axe_violations(self) -> list[dict[str, Any]]:
        """Serious and critical WCAG 2.1 A/AA violations of the current page (axe-core)."""
        self.page.add_script_tag(path=str(AXE))
        result = self.page.evaluate(
            """async () => (await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations"""
        )
        return [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
            for v in result
            if v["impact"] in ("serious", "critical")
        ]

    def assert_accessible(self) -> None:
        violations = self.axe_violations()
        assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)


@pytest.fixture
def web(browser: Any, server: Server) -> Iterator[Web]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    yield Web(context, server.base_url)
    context.close()
