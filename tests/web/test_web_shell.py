"""The shell: sign-in, language, CSRF, role home, offline API documentation, accessibility."""

from __future__ import annotations

import re

import pytest
from tests.web.conftest import Web

pytestmark = pytest.mark.browser


def test_signed_out_visitor_is_sent_to_login_in_chinese(web: Web) -> None:
    web.goto("/")
    assert web.page.url.endswith("/login")
    assert web.page.locator("h1").inner_text() == "登录"
    assert web.page.locator("html").get_attribute("lang") == "zh-CN"
    web.assert_accessible()


def test_wrong_password_is_refused_with_a_translated_message(web: Web) -> None:
    web.goto("/login")
    web.page.fill("#f-username", "operator-bj")
    web.page.fill("#f-password", "not-the-password")
    web.page.click("form[action='/login'] button[type=submit]")
    assert "用户名或密码错误" in web.page.locator("[role=alert]").inner_text()
    web.goto("/login?lang=en")
    web.page.fill("#f-username", "operator-bj")
    web.page.fill("#f-password", "not-the-password")
    web.page.click("form[action='/login'] button[type=submit]")
    assert "Wrong username or password" in web.page.locator("[role=alert]").inner_text()


def test_operator_signs_in_to_the_dashboard_and_out(web: Web) -> None:
    web.sign_in("operator-bj")
    assert web.page.url.endswith("/dashboard")
    assert "工作台" in web.page.locator("h1").inner_text()
    cookie = next(c for c in web.context.cookies() if c["name"] == "sn_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    web.page.click("text=退出")
    assert web.page.url.endswith("/login")
    web.goto("/dashboard")
    assert "/login?next=" in web.page.url


def test_language_switch_is_remembered(web: Web) -> None:
    web.sign_in("operator-bj")
    web.page.click("text=English")
    assert web.page.locator("h1").inner_text().startswith("Dashboard")
    web.goto("/account")
    assert web.page.locator("h1").inner_text() == "My account"
    web.page.click("text=中文")
    assert web.page.locator("h1").inner_text() == "我的账号"


def test_accept_language_chooses_english(browser: object, server: object) -> None:
    context = browser.new_context(locale="en-GB")  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(server.base_url + "/login")  # type: ignore[attr-defined]
    assert page.locator("h1").inner_text() == "Sign in"
    context.close()


def test_a_form_without_the_csrf_token_is_refused(web: Web) -> None:
    web.goto("/login")
    web.page.evaluate("document.querySelector('input[name=csrf_token]').value = 'forged'")
    web.page.fill("#f-username", "operator-bj")
    web.page.fill("#f-password", "demo-operator-pass")
    web.page.click("form[action='/login'] button[type=submit]")
    assert "表单已过期" in web.page.locator("[role=alert]").inner_text()
    web.goto("/dashboard")
    assert "/login" in web.page.url


def test_cross_site_post_without_token_is_refused(web: Web) -> None:
    web.sign_in("operator-bj")
    response = web.page.request.post(web.base_url + "/logout", form={"x": "1"})
    assert response.status == 403
    web.goto("/dashboard")
    assert web.page.url.endswith("/dashboard")


def test_dashboard_draws_charts_and_is_accessible(web: Web) -> None:
    web.sign_in("operator-bj")
    web.page.wait_for_selector("[data-chart=insured] svg")
    assert web.page.locator("[data-chart] svg").count() == 4
    web.assert_accessible()


def test_api_documentation_works_offline(web: Web) -> None:
    requested: list[str] = []
    web.page.on("request", lambda request: requested.append(request.url))
    web.goto("/docs")
    web.page.wait_for_selector(".swagger-ui .info")
    assert "safetynet" in web.page.locator(".swagger-ui .info").inner_text()
    assert all(re.match(r"http://127\.0\.0\.1:\d+/", url) for url in requested), requested
