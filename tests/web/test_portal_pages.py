"""The citizen portal and the analyst workbench in Chromium, at phone (390x844) and desktop
sizes, in Chinese and English: activation, sign-in, my record with charts, the what-if, the PDF
and its verification, a childcare application reaching the operators' queue, the refusal of
another person's page, and the analyst's scenario comparison; axe-core on every page.

``SAFETYNET_SCREENSHOTS=1`` also writes the screenshots of docs/img/portal-*.png.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from tests.web.conftest import Server, Web

from safetynet.domain.access import Principal, Role
from safetynet.services import activation
from safetynet.services.benefits import awards
from safetynet.store.registry import Person

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "img"
OPERATOR = Principal("operator-bj", Role.OPERATOR, region_code=110000)


def _shot(web: Web, name: str) -> None:
    if os.environ.get("SAFETYNET_SCREENSHOTS"):
        web.page.screenshot(path=str(IMAGES / f"portal-{name}.png"), full_page=True)


@pytest.fixture(params=["phone-zh_CN", "desktop-en"])
def sized(
    request: pytest.FixtureRequest, browser: Any, server: Server
) -> Iterator[tuple[Web, str]]:
    size, lang = request.param.split("-")
    context = browser.new_context(
        viewport=PHONE if size == "phone" else DESKTOP,
        locale="zh-CN" if lang == "zh_CN" else "en-GB",
        accept_downloads=True,
    )
    yield Web(context, server.base_url), lang
    context.close()


def _person(server: Server, name: str) -> Person:
    uow = server.uow()
    with uow:
        person = uow.session.scalar(select(Person).where(Person.name == name))
    assert person is not None
    return person


def test_activation_signs_the_citizen_in(sized: tuple[Web, str], server: Server) -> None:
    web, lang = sized
    name = "Li Wei" if lang == "zh_CN" else "Zhang Min"
    person = _person(server, name)
    issued = activation.issue_code(server.uow(), OPERATOR, person.id)
    web.goto(f"/activate?lang={lang}")
    web.assert_accessible()
    web.page.fill("#f-id_number", person.id_number)
    web.page.fill("#f-code", issued.code)
    web.page.fill("#f-username", f"user-{person.id}")
    web.page.fill("#f-password", "my-own-password")
    web.page.click("form[action='/activate'] button[type=submit]")
    assert web.page.url.endswith("/me")
    assert name in web.page.locator("main").inner_text()
    assert person.id_number not in web.page.content()
    web.page.click("form[action='/logout'] button")
    web.goto(f"/activate?lang={lang}")
    web.page.fill("#f-id_number", person.id_number)
    web.page.fill("#f-code", issued.code)
    web.page.fill("#f-username", "someone")
    web.page.fill("#f-password", "my-own-password")
    web.page.click("form[action='/activate'] button[type=submit]")
    expect(web.page.locator("[role=alert]")).to_have_count(1)


def test_my_record_with_charts(sized: tuple[Web, str]) -> None:
    web, lang = sized
    web.sign_in("citizen", lang)
    assert web.page.url.endswith("/me")
    main = web.page.locator("main").inner_text()
    assert "Wang Fang" in main and "********" in main
    assert ("职工养老保险" if lang == "zh_CN" else "Employee pension") in main
    web.page.wait_for_selector("[data-chart] svg")
    assert web.page.locator("[data-chart] svg").count() == 2
    assert (
        web.page.evaluate("document.documentElement.scrollWidth")
        <= web.page.viewport_size["width"] + 1
    )
    web.assert_accessible()
    _shot(web, f"me-{lang}")


def test_the_what_if_moves_the_outlook(sized: tuple[Web, str]) -> None:
    web, lang = sized
    web.sign_in("citizen", lang)
    web.goto("/me/pension")
    web.assert_accessible()
    later = web.page.get_attribute("#f-retirement_month", "max")
    assert later is not None
    heading = web.page.locator("#estimate h2")
    before = heading.inner_text()
    web.page.fill("#f-retirement_month", later)
    web.page.click("form[hx-get] button[type=submit]")
    year, month = later.split("-")
    expected = f"{year}年{int(month)}月" if lang == "zh_CN" else year
    web.page.wait_for_function(
        "([text]) => document.querySelector('#estimate h2').innerText.includes(text)",
        arg=[expected],
    )
    assert heading.inner_text() != before
    assert web.page.locator("#estimate-total, #estimate-missing").count() == 1
    assert web.page.locator(".steps li").count() >= 6
    web.assert_accessible()
    _shot(web, f"pension-{lang}")


def test_the_statement_downloads_and_verifies(sized: tuple[Web, str], tmp_path: Path) -> None:
    web, lang = sized
    web.sign_in("citizen", lang)
    with web.page.expect_download() as download_info:
        web.page.click("a[href='/me/statement.pdf']")
    download = download_info.value
    pdf = tmp_path / "statement.pdf"
    download.save_as(str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    code = re.search(r"statement-([A-Z0-9]+)\.pdf", download.suggested_filename)
    assert code is not None
    web.page.click("form[action='/logout'] button")
    web.goto(f"/verify?lang={lang}")
    web.page.fill("#f-code", code.group(1))
    web.page.click("main form button[type=submit]")
    expect(web.page.locator("#verify-result")).to_have_count(1)  # waits for the answer
    web.page.set_input_files("#f-file", str(pdf))
    web.page.click("form[enctype] button[type=submit]")
    expect(web.page.locator("#unchanged")).to_have_count(1)
    web.assert_accessible()
    _shot(web, f"verify-{lang}")


def test_a_childcare_application_reaches_the_operators_queue(browser: Any, server: Server) -> None:
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    web = Web(context, server.base_url)
    web.sign_in("citizen")
    web.goto("/me/applications")
    web.assert_accessible()
    web.page.click("form[action='/me/applications/childcare'] button")
    assert "已提交" in web.page.locator("[role=status]").inner_text()
    child = _person(server, "Wang Xiaoyu")
    queue = awards.list_awards(server.uow(), OPERATOR, status="proposed", limit=500)
    assert [a.kind for a in queue if a.person_id == child.id] == ["childcare"]
    _shot(web, "applications-zh_CN")
    context.close()
    operator = Web(browser.new_context(viewport=DESKTOP, locale="zh-CN"), server.base_url)
    operator.sign_in("operator-bj")
    operator.goto("/awards?status=proposed")
    row = operator.page.locator("tbody tr", has_text="Wang Xiaoyu")
    assert "online:citizen" in row.inner_text()
    operator.context.close()


def test_another_persons_page_is_refused(sized: tuple[Web, str], server: Server) -> None:
    web, lang = sized
    web.sign_in("citizen", lang)
    other = _person(server, "Li Wei")
    response = web.goto(f"/record/{other.id}")
    assert response.status == 403
    assert "Li Wei" not in web.page.locator("main").inner_text()
    assert web.goto(f"/persons/{other.id}").status == 403
    assert web.goto("/analysis/projections").status == 403
    web.assert_accessible()


def test_the_analyst_compares_scenarios(sized: tuple[Web, str]) -> None:
    web, lang = sized
    web.sign_in("analyst", lang)
    assert "/analysis/projections" in web.page.url
    rows = web.page.locator("#headline tbody tr")
    expect(rows).to_have_count(2)
    web.page.fill("#f-employer_rate", "0.14")
    web.page.click("main form.card button[type=submit]")
    expect(rows).to_have_count(3)
    assert "baseline+custom" in web.page.locator("#headline").inner_text()
    web.page.wait_for_selector("[data-compare] svg")
    assert web.page.locator("[data-compare] svg").count() == 5
    with web.page.expect_download() as download_info:
        web.page.click("a[href^='/analysis/projections.csv']")
    assert download_info.value.suggested_filename == "projections.csv"
    web.assert_accessible()
    _shot(web, f"projections-{lang}")
    web.goto("/analysis/batch")
    web.assert_accessible()
