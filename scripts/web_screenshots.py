"""Screenshots of the main back-office pages for the README (docs/img/web-*.png).

Usage: PYTHONPATH=src python scripts/web_screenshots.py   (needs /usr/bin/chromium and a CJK
font such as fonts-noto-cjk). Starts the application over a fresh demo database on a free port.
"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright
from sqlalchemy import select

from safetynet.api.app import create_app
from safetynet.services.demo import seed_demo
from safetynet.store.benefits import Award
from safetynet.store.db import make_engine, upgrade
from safetynet.store.registry import Person

OUT = Path(__file__).resolve().parents[1] / "docs" / "img"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def main() -> None:
    engine = make_engine(f"sqlite:///{tempfile.mkdtemp()}/shots.db")
    upgrade(engine)
    seed_demo(engine)
    with engine.connect() as conn:
        li = conn.scalar(select(Person.id).where(Person.name == "Li Wei"))
        award = conn.scalar(select(Award.id).where(Award.proposed_by == "operator-bj2"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(engine), port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="zh-CN")
        page.goto(base + "/login")
        page.screenshot(path=OUT / "web-login.png")
        page.fill("#f-username", "operator-bj")
        page.fill("#f-password", "demo-operator-pass")
        page.click("form[action='/login'] button")
        page.wait_for_selector("[data-chart=payroll] svg")
        page.screenshot(path=OUT / "web-dashboard.png", full_page=True)
        shots = {
            "web-persons.png": "/persons?q=王",
            "web-person-statement.png": f"/persons/{li}?tab=statement",
            "web-award.png": f"/awards/{award}",
            "web-payroll.png": "/payroll",
        }
        for name, path in shots.items():
            page.goto(base + path)
            page.screenshot(path=OUT / name)
        page.goto(base + "/declarations")
        bad = "身份证号,姓名,缴费工资\r\n110105196804120000,错号,abc\r\n".encode("gbk")
        page.fill("#f-month", "2025-07")
        page.set_input_files("#f-file", files=[{"name": "申报.csv", "mimeType": "text/csv",
                                                 "buffer": bad}])
        page.click("button[value=check]")
        page.screenshot(path=OUT / "web-declaration-errors.png")
        browser.close()
    server.should_exit = True
    print("\n".join(str(p) for p in sorted(OUT.glob("web-*.png"))), file=sys.stderr)


if __name__ == "__main__":
    main()
