"""Every back-office page's main path and main errors in a real browser, in Chinese and English,
with the scope refusal and axe-core's accessibility check."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import select
from tests.web.conftest import Server, Web

from safetynet.policy.rules.identity import make_resident_ids
from safetynet.store.benefits import Award
from safetynet.store.registry import Employer, Person

pytestmark = pytest.mark.browser


def _workbook(download: Any) -> Any:
    return load_workbook(io.BytesIO(Path(download.path()).read_bytes()))


def _person(server: Server, name: str) -> Person:
    with server.engine.connect() as conn:
        row = conn.execute(select(Person).where(Person.name == name)).one()
    return Person(id=row.id, id_number=row.id_number, name=row.name)


def _employer_id(server: Server, name: str) -> int:
    with server.engine.connect() as conn:
        return int(conn.scalar(select(Employer.id).where(Employer.name == name)))


def test_find_a_person_by_chinese_name_and_open_every_tab(web: Web, server: Server) -> None:
    web.sign_in("operator-bj")
    web.page.click("nav >> text=人员")
    web.page.fill("#f-q", "王秀英")
    web.page.click("button:has-text('查询')")
    web.page.click("table >> text=王秀英")
    assert "王秀英" in web.page.locator("h1").inner_text()
    web.assert_accessible()
    for tab in ("参保登记", "就业", "个人账户", "权益记录", "待遇审核", "发放记录", "医疗报销"):
        web.page.click(f".tabs >> text={tab}")
        assert web.page.locator(".tabs [aria-current=page]").inner_text() == tab
    li = _person(server, "Li Wei")
    web.goto(f"/persons/{li.id}?tab=statement")
    assert "退休时月养老金" in web.page.inner_text("main")
    assert "计发基数" in web.page.inner_text(".explain")  # a translated rule heading
    web.assert_accessible()


def test_search_by_last_digits_pages_and_exports(web: Web, server: Server) -> None:
    zhang = _person(server, "张伟")
    web.sign_in("operator-bj")
    web.goto(f"/persons?q={zhang.id_number[-6:]}")
    assert web.page.locator("tbody tr").first.inner_text().startswith("张伟")
    with web.page.expect_download() as download:
        web.page.click("text=下载 Excel")
    sheet = _workbook(download.value).worksheets[0]
    assert sheet["C1"].value == "姓名" and sheet["C2"].value == "张伟"


def _new_id_number() -> str:
    return str(
        make_resident_ids(
            np.array([110105]), np.array(["1990-01-01"], dtype="datetime64[D]"), np.array([977])
        )[0]
    )


def test_register_a_person_and_see_the_errors_first(web: Web) -> None:
    valid = _new_id_number()
    wrong_check = valid[:17] + ("0" if valid[17] != "0" else "1")
    web.sign_in("operator-bj")
    web.goto("/persons/new")
    web.page.fill("#f-id_number", wrong_check)
    web.page.fill("#f-name", "周晓梅")
    web.page.click("button:has-text('登记')")
    assert "身份证号: 校验码不符" in web.page.locator("[role=alert]").inner_text()
    assert web.page.input_value("#f-name") == "周晓梅"
    web.page.fill("#f-id_number", valid)
    web.page.click("button:has-text('登记')")
    assert web.page.locator("[role=status]").inner_text() == "已登记。"
    assert "周晓梅" in web.page.locator("h1").inner_text()
    web.page.fill("#f-reason", "更正姓名")
    web.page.fill("#f-name", "周小梅")
    web.page.click("button:has-text('保存更正')")
    assert "周小梅" in web.page.locator("h1").inner_text()


def test_sichuan_operator_is_refused_a_beijing_person(web: Web, server: Server) -> None:
    li = _person(server, "Li Wei")
    web.sign_in("operator-sc")
    response = web.goto(f"/persons/{li.id}")
    assert response.status == 403
    assert "不在您的经办范围内" in web.page.locator("[role=alert]").inner_text()
    web.goto("/persons?q=Li Wei")
    assert "未找到人员" in web.page.inner_text("tbody")


def _declaration_csv(people: list[Person], bad: bool) -> bytes:
    lines = ["身份证号,姓名,缴费工资"]
    lines += [f"{p.id_number},{p.name},9000" for p in people]
    if bad:
        lines.append("110105196804120000,错号,abc")
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


def test_upload_a_gbk_chinese_declaration_fix_it_and_post(web: Web, server: Server) -> None:
    people = [_person(server, n) for n in ("Li Wei", "Wang Fang", "Zhang Min")]
    employer = str(_employer_id(server, "Chaoyang Demo Technology Co."))
    web.sign_in("operator-bj")
    web.page.click("nav >> text=缴费申报")
    with web.page.expect_download() as template:
        web.page.click("text=下载 Excel 模板")
    assert [c.value for c in _workbook(template.value).worksheets[0][1]] == [
        "身份证号",
        "姓名",
        "缴费工资",
    ]

    def upload(content: bytes, action: str) -> None:
        web.page.select_option("#f-employer_id", employer)
        web.page.fill("#f-month", "2025-07")
        web.page.set_input_files(
            "#f-file", files=[{"name": "七月申报.csv", "mimeType": "text/csv", "buffer": content}]
        )
        web.page.click(f"button[value={action}]")

    upload(_declaration_csv(people, bad=True), "check")
    rows = web.page.locator("#bad-rows tbody tr")
    expect(rows).to_have_count(2)
    assert "校验码不符" in rows.nth(0).inner_text() and "第" not in rows.nth(0).inner_text()
    with web.page.expect_download() as report:
        web.page.click("text=下载错误报告（Excel）")
    sheet = _workbook(report.value).worksheets[0]
    assert [sheet["A2"].value, sheet["B2"].value] == [4, "身份证号"]
    web.assert_accessible()
    upload(_declaration_csv(people, bad=False), "check")
    assert "校验通过：共 3 行" in web.page.locator("[role=status]").inner_text()
    upload(_declaration_csv(people, bad=False), "post")
    assert "已入账申报" in web.page.locator("[role=status]").inner_text()
    assert "2025年7月" in web.page.inner_text("table")


def test_maker_cannot_approve_and_another_operator_does(web: Web, server: Server) -> None:
    with server.engine.connect() as conn:
        award_id = conn.scalar(select(Award.id).where(Award.proposed_by == "operator-bj2"))
    web.sign_in("operator-bj2")
    web.goto(f"/awards/{award_id}")
    web.page.click("button:has-text('审核通过')")
    assert "须由另一名经办员审核" in web.page.locator("[role=alert]").inner_text()
    web.page.click("form[action$=reject] button")  # an empty reason is refused by the browser
    assert web.page.locator("#f-reason:invalid").count() == 1
    web.page.click("text=退出")
    web.sign_in("operator-bj")
    web.page.click("nav >> text=待遇审核")
    web.page.click(f"text=待遇 {award_id}")
    assert "基础养老金" in web.page.inner_text(".explain")
    web.assert_accessible()
    web.page.click("button:has-text('审核通过')")
    assert "已审核通过" in web.page.locator("[role=status]").inner_text()
    assert "正常" in web.page.locator("h1 .badge").inner_text()


def test_run_the_payroll_and_download_its_file(web: Web, tmp_path: Path) -> None:
    web.sign_in("operator-bj")
    web.page.click("nav >> text=待遇发放")
    web.page.fill("#f-region", "510000")
    web.page.click("button:has-text('开始发放')")
    assert "不在您的经办范围内" in web.page.locator("[role=alert]").inner_text()
    next_month = web.page.evaluate(
        "(() => { const d = new Date(); d.setMonth(d.getMonth() + 1);"
        " return d.toISOString().slice(0, 7); })()"
    )
    web.page.fill("#f-region", "110000")
    web.page.fill("#f-month", next_month)
    web.page.click("button:has-text('开始发放')")
    web.page.wait_for_selector("#payment-file", timeout=30_000)
    assert web.page.inner_text("#run-state") == "已完成"
    with web.page.expect_download() as download:
        web.page.click("#payment-file")
    content = Path(download.value.path()).read_text(encoding="utf-8")
    assert content.splitlines()[0].startswith("line_id,person_id")
    assert content.splitlines()[-1].startswith("TOTAL,")
    web.assert_accessible()


def test_settle_a_medical_claim_through_three_layers(web: Web, server: Server) -> None:
    wang = _person(server, "Wang Fang")
    web.sign_in("operator-bj")
    web.page.click("nav >> text=医疗报销")
    web.page.fill("#f-person", wang.id_number)
    web.page.fill("#f-reference", "")
    web.page.fill("#f-service_date", "2026-11-02")
    web.page.fill("#f-policy_cost", "-5")
    web.page.evaluate("document.querySelector('form[action=\"/claims\"]').noValidate = true")
    web.page.click("button:has-text('结算')")
    assert "单据号" in web.page.locator("[role=alert]").inner_text()
    web.page.fill("#f-reference", "WEB-TEST-1")
    web.page.fill("#f-policy_cost", "80000")
    web.page.select_option("#f-setting", "inpatient")
    web.page.click("button:has-text('结算')")
    assert "现行政策不适用" in web.page.locator("[role=alert]").inner_text()  # inpatient, community
    web.page.select_option("#f-tier", "tier2")
    web.page.click("button:has-text('结算')")
    layers = web.page.inner_text("#layers")
    assert "基本医疗保险" in layers and "大病保险" in layers and "医疗救助" in layers
    web.assert_accessible()


def test_auditor_filters_and_exports_the_audit_log(web: Web) -> None:
    web.sign_in("auditor")
    assert web.page.url.endswith("/audit")
    web.page.fill("#f-user", "operator-bj2")
    web.page.click("button:has-text('筛选')")
    assert "award.propose" in web.page.inner_text("tbody")
    web.assert_accessible()
    with web.page.expect_download() as download:
        web.page.click("text=下载 Excel")
    sheet = _workbook(download.value).worksheets[0]
    assert sheet["C1"].value == "用户" and sheet["C2"].value == "operator-bj2"
    web.page.fill("#f-since", "")
    web.goto("/audit?since=yesterday")
    assert "应为日期" in web.page.locator("[role=alert]").inner_text()


def test_operators_may_not_read_the_audit_log(web: Web) -> None:
    web.sign_in("operator-bj")
    assert web.goto("/audit").status == 403


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/dashboard", "Dashboard"),
        ("/persons", "Persons"),
        ("/persons/new", "Register a person"),
        ("/employers", "Employers"),
        ("/declarations", "Declarations"),
        ("/awards", "Awards"),
        ("/payroll", "Payroll"),
        ("/claims", "Medical claims"),
    ],
)
def test_every_page_in_english(web: Web, path: str, heading: str) -> None:
    web.sign_in("operator-bj", lang="en")
    web.goto(path)
    assert web.page.locator("h1").inner_text().startswith(heading)
    assert web.page.locator("html").get_attribute("lang") == "en"
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in web.page.inner_text("nav"))


def test_english_errors_are_translated_too(web: Web) -> None:
    web.sign_in("operator-bj", lang="en")
    web.goto("/persons/new")
    web.page.fill("#f-id_number", "123")
    web.page.fill("#f-name", "Test")
    web.page.click("button:has-text('Register')")
    assert "ID number: must be 18 characters" in web.page.locator("[role=alert]").inner_text()


def test_pages_fit_a_tablet(browser: object, server: Server) -> None:
    context = browser.new_context(viewport={"width": 820, "height": 1180})  # type: ignore[attr-defined]
    tablet = Web(context, server.base_url)
    tablet.sign_in("operator-bj")
    for path in ("/dashboard", "/persons", "/declarations", "/awards", "/payroll"):
        tablet.goto(path)
        overflow = tablet.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, path
    context.close()
