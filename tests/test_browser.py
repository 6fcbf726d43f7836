"""The real server in headless Chromium: every page of the README's table, with and without
parameters and with a company name that has a space and an accent, answers without 4xx/5xx, shows
rows on the first screen and no raw TIMEX value or explain JSON; charts, timelines, facets show.

Skipped cleanly when no Chromium is installed (Debian: apt-get install -y chromium).
Screenshots go to a temporary folder here; `python scripts/browser_check.py`
refreshes the ones in docs/screenshots/.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "browser_check.py"
spec = importlib.util.spec_from_file_location("browser_check", SCRIPT)
browser_check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(browser_check)

CHROMIUM = browser_check.find_chromium()


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")
def test_pages_render_in_headless_chromium(tmp_path):
    problems = browser_check.run(tmp_path, CHROMIUM)
    assert problems == []
    for name in ("dashboard", "company-tesla", "company-xiaomi", "company-cafe-lumiere", "statements", "claims",
                 "as-of-invalid"):
        shot = tmp_path / f"{name}.png"
        assert shot.exists() and shot.stat().st_size > 5000


def test_checks_catch_missing_charts_and_facets():
    assert browser_check.check_dashboard("<html></html>")
    assert browser_check.check_company("<html></html>")
    assert browser_check.check_statements("<html></html>")
    dom = '<div id="chart-per-year" class="dashboard-card-chart"><div class="vega-embed"><canvas></canvas></div></div></div>'
    assert browser_check.chart_rendered(dom, "per-year")


def test_page_checks_catch_what_readers_must_not_see():
    probe = {"status": 200, "text": "target 2017-SU", "first_top": 100, "height": 900}
    assert browser_check.check_page("x", "/x", probe, "tr")
    probe = {"status": 200, "text": '{"frame": "(?:will)"}', "first_top": 100, "height": 900}
    assert browser_check.check_page("x", "/x", probe, "tr")
    assert browser_check.check_page("x", "/x", {"status": 404, "text": "", "first_top": 1, "height": 900}, "tr")
    assert browser_check.check_page("x", "/x", {"status": 200, "text": "", "first_top": 1300, "height": 900}, "tr")
    assert browser_check.check_page("x", "/x", {"status": 200, "text": "", "first_top": None, "height": 900}, "tr")
    ok = {"status": 200, "text": "summer 2017, 15 Jul 2025", "first_top": 300, "height": 900}
    assert browser_check.check_page("x", "/x", ok, "tr") == []
