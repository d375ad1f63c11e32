"""status: one line per agency in the terminal, and 总览.html working in a real headless browser
(Debian's chromium driven by selenium) from file://, with no server and no network."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annual_report.cli.app import app
from annual_report.forms.collect import collect_forms
from annual_report.mail.log import LOG_NAME, SendLog
from annual_report.report.build import BuildOptions, build_reports
from annual_report.report.manifest import load_manifest
from annual_report.status.overview import build_overview
from annual_report.status.page import PAGE_NAME, write_page
from form_helpers import bare_master, fill, filled_records, form_of, issue, names

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
AGENCIES = names(5)


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Five agencies: two returned good forms (one of them built and sent), one a form with an
    error, one sent two different forms (a conflict), one nothing yet."""
    tmp = tmp_path_factory.mktemp("status")
    master, out = bare_master(tmp / "总表.xlsx", 5), tmp / "output"
    issued = issue(master, None, out=out)
    records = filled_records(5)
    inbox = tmp / "收到"
    for agency in AGENCIES[:2]:
        fill(form_of(issued, agency), inbox / f"{agency}.xlsx", records[agency])
    fill(form_of(issued, AGENCIES[2]), inbox / "错.xlsx", records[AGENCIES[2]],
         overrides={"表三!J7": 999})
    for n in (1, 2):
        fill(form_of(issued, AGENCIES[3]), inbox / f"冲突{n}.xlsx", records[AGENCIES[3]],
             overrides={"表二!B6": n})
    collect_forms([inbox], master)
    build_reports(master, BuildOptions(out=out, jobs=1))
    entry = load_manifest(out).get(AGENCIES[0], 2024)
    assert entry is not None
    SendLog.load(out / LOG_NAME).append({
        "time": "2025-01-20T10:00:00+08:00", "agency": AGENCIES[0], "year": 2024,
        "sha256": entry.current_sha256, "delivered": ["a0@example.cn"], "corrected": False})
    return master, out


def test_overview_lines(cycle: tuple[Path, Path]) -> None:
    master, out = cycle
    overview = build_overview(master, out)
    by = {s.agency: s for s in overview.agencies}
    assert [s.agency for s in overview.agencies] == AGENCIES
    assert by[AGENCIES[0]].returned == "已交表" and by[AGENCIES[0]].report == "最新"
    assert by[AGENCIES[0]].sent == "已发送" and by[AGENCIES[0]].sent_at == "2025-01-20 10:00"
    assert by[AGENCIES[2]].has_errors and "R" not in by[AGENCIES[2]].returned
    assert by[AGENCIES[3]].returned.startswith("已交表未合并（冲突")
    assert by[AGENCIES[4]].returned == "未交表" and by[AGENCIES[4]].form == "已生成未发送"
    assert overview.counts()["已交表"] == 4
    done = CliRunner().invoke(app, ["status", str(master), "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert "表单已发送 0；已交表 4" in done.output and PAGE_NAME in done.output
    assert f"未交表 1 个：{AGENCIES[4]}" in done.output


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    if not CHROMIUM or not DRIVER:
        pytest.skip("needs chromium and chromium-driver (bash setup.sh --test installs them)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def visible_names(driver: object) -> list[str]:
    rows = driver.find_elements("css selector", "#agencies tbody tr")  # type: ignore[attr-defined]
    return [r.find_elements("css selector", "td")[1].text for r in rows if r.is_displayed()]


def test_page_in_a_real_browser(cycle: tuple[Path, Path], browser: object) -> None:
    master, out = cycle
    page = write_page(build_overview(master, out), out)
    html = page.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=|@import|url\(""", html), "the page must load nothing"
    driver = browser
    driver.get(page.as_uri())  # type: ignore[attr-defined]
    assert "进度总览" in driver.title  # type: ignore[attr-defined]
    assert visible_names(driver) == AGENCIES
    bars = driver.find_elements("css selector", "#progress rect.bar")  # type: ignore[attr-defined]
    assert len(bars) == 5 and float(bars[1].get_attribute("width")) > 0

    def click(selector: str) -> None:
        driver.find_element("css selector", selector).click()  # type: ignore[attr-defined]

    click('button[data-filter="missing"]')
    assert visible_names(driver) == [AGENCIES[4]]
    assert "显示 1 / 5" in driver.find_element("id", "shown").text  # type: ignore[attr-defined]
    click('button[data-filter="errors"]')
    errors = visible_names(driver)
    assert AGENCIES[2] in errors and AGENCIES[0] not in errors
    click('button[data-filter="unsent"]')
    assert visible_names(driver) == AGENCIES[1:]
    click('button[data-filter="all"]')
    header = "#agencies thead th:nth-child(2)"
    click(header)
    assert visible_names(driver) == sorted(AGENCIES)
    click(header)
    assert visible_names(driver) == sorted(AGENCIES, reverse=True)
    click("#agencies thead th:nth-child(1)")
    assert visible_names(driver) == AGENCIES
