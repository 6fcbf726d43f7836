#!/usr/bin/env python3
"""Start the real server on a fresh database and check every page an analyst opens in headless Chromium.

    python scripts/browser_check.py [--out docs/screenshots] [--chromium PATH]

Builds the bundled examples plus one fixture article (a company whose name has a space and an
accent, "Café Lumière") into a new database, runs `kb serve` on it on a free port, and opens
every page of the README's table, with and without parameters, in one headless Chromium driven
over the DevTools protocol (on a pipe: no extra packages). Each page must answer without a 4xx
or 5xx, show rows (or its message) on the first screen (1400 x 900), and show no raw TIMEX3
value (2017-SU, FUTURE_REF, 2026-W05-WE) and no explain JSON in its visible text. The dashboard's
charts must render, company pages must draw their SVG timeline, and the statements table must
show its facets. Screenshots go to --out.
Exit status 0 when every check passes, 1 otherwise, 2 without Chromium.

Needs only the Debian package `chromium` (chromium-driver is not used).
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BUDGET_MS = 15000


def find_chromium(explicit: str | None = None) -> str | None:
    if explicit:
        return explicit if shutil.which(explicit) or Path(explicit).exists() else None
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"kb serve exited early with status {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server did not answer at {url} within {timeout:.0f}s")


def chromium_args(chromium: str, profile: str) -> list[str]:
    return [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--hide-scrollbars", "--no-first-run", "--disable-extensions", f"--user-data-dir={profile}",
            f"--virtual-time-budget={BUDGET_MS}"]


def dump_dom(chromium: str, url: str, profile: str) -> str:
    out = subprocess.run([*chromium_args(chromium, profile), "--dump-dom", url],
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0 and not out.stdout:
        raise RuntimeError(f"chromium failed on {url}: {out.stderr[-500:]}")
    return out.stdout


def screenshot(chromium: str, url: str, path: Path, profile: str, height: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([*chromium_args(chromium, profile), f"--window-size=1400,{height}",
                    f"--screenshot={path}", url], capture_output=True, text=True, timeout=120)
    if not path.exists() or path.stat().st_size < 5000:
        raise RuntimeError(f"no screenshot written for {url}")


def chart_rendered(dom: str, slug: str) -> bool:
    """The chart card's div holds what vega-embed draws (a canvas or an svg)."""
    m = re.search(rf'<div id="chart-{re.escape(slug)}"[^>]*>(.*?)</div>\s*</div>', dom, re.S)
    block = m.group(1) if m else ""
    return "<canvas" in block or "<svg" in block or ("<p" in block and slug.startswith("n-"))


def check_dashboard(dom: str) -> list[str]:
    problems = []
    for slug in ("per-year", "grid", "company-timeline"):
        if not chart_rendered(dom, slug):
            problems.append(f"dashboard chart {slug!r} did not render")
    if "vega-embed" not in dom:
        problems.append("dashboard: no vega-embed element")
    return problems


def check_company(dom: str) -> list[str]:
    problems = []
    if 'class="company-timeline"' not in dom or dom.count("claim-dot") < 3:
        problems.append("company page: SVG timeline missing or without claims")
    if "stance-entered" not in dom:
        problems.append("company page: no current stance shown")
    return problems


def check_statements(dom: str) -> list[str]:
    problems = []
    facets = re.findall(r'class="facet-info[^"]*"[^>]*data-column="([^"]+)"', dom)
    for column in ("company", "market", "stance", "said_on_year", "said_on_month"):
        if column not in facets:
            problems.append(f"statements table: facet {column!r} not shown (saw {facets})")
    if "<table class=\"rows-and-columns\"" not in dom:
        problems.append("statements table: no rows table")
    return problems


# Our own fixture sentence (not from any corpus): a name with a space and an accent.
FIXTURE = """---
id: fixture-cafe-lumiere-2026
title: "Café Lumière eyes India"
publisher: Example Fixture Daily
published: 2026-03-04
---

Café Lumière Group said on Monday that it plans to enter the Indian market in the summer of 2027.
"""
ACCENTED = "Café Lumière"
Q = urllib.parse.quote

# Every page of the README's table, with and without parameters:
# name, path, what must be on the first screen (a CSS selector), extra checker, screenshot height
# (None: no screenshot).
ROWS = "table.rows-and-columns tbody tr"
PAGES = [
    ("statements", "/kb/statements?_facet=said_on_month", ROWS, "statements", 2600),
    ("statements-search", "/kb/statements?_search=showroom", ROWS, None, None),
    ("statements-accented", "/kb/statements?company=" + Q(ACCENTED), ROWS, None, None),
    ("company-timeline-all", "/kb/company_timeline", ROWS, None, None),
    ("company-timeline", "/kb/company_timeline?company=Xiaomi", ROWS, None, None),
    ("latest-stance-all", "/kb/latest_stance", ROWS, None, None),
    ("latest-stance", "/kb/latest_stance?company=Tesla", ROWS, None, None),
    ("documents", "/kb/documents", ROWS, None, None),
    ("events", "/kb/events", ROWS, None, None),
    ("companies-table", "/kb/companies", ROWS, None, None),
    ("markets", "/kb/markets", ROWS, None, None),
    ("claims", "/kb/claims", ROWS, None, 1600),
    ("claims-disagreement", "/kb/claims?disagreement=1", ROWS, None, None),
    ("stance-history-all", "/kb/stance_history", ROWS, None, None),
    ("stance-history", "/kb/stance_history?company=Tesla&market=IN", ROWS, None, None),
    ("regional-all", "/kb/regional_current_stances", ROWS, None, None),
    ("regional", "/kb/regional_current_stances?region=europe", ROWS, None, None),
    ("as-of-today", "/kb/as_of", ROWS, None, None),
    ("as-of", "/kb/as_of?date=2019-06-30", ROWS, None, None),
    ("as-of-month", "/kb/as_of?date=2019-06&company=", ROWS, None, None),
    ("as-of-invalid", "/kb/as_of?date=2019-13-45&company=", ".message-error", None, 900),
    ("dashboard", "/-/dashboards/market-entry", ".dashboard-card", "dashboard", 1500),
    ("dashboard-company", "/-/dashboards/market-entry?company=Tesla", ".dashboard-card", "dashboard", None),
    ("companies", "/-/companies", ROWS, None, None),
    ("company-tesla", "/-/company/Tesla", ROWS, "company", 1800),
    ("company-xiaomi", "/-/company/Xiaomi", ROWS, "company", 2400),
    ("company-cafe-lumiere", "/-/company/" + Q(ACCENTED), ROWS, "company-one", 1200),
    ("company-missing", "/-/company/", ROWS, None, None),
    ("search", "/-/search?q=showroom", "#search-all-results table tr", None, None),
    ("feed-table", "/kb/atom_statements?company=Tesla", ROWS, None, None),
    ("feed", "/kb/atom_statements.atom?company=Tesla", None, None, None),
    ("feed-market", "/kb/atom_statements.atom?market=in", None, None, None),
    ("sql", "/kb", None, None, None),
]

# What a raw TIMEX3 value or explain JSON looks like in visible text.
from kb.humanize import RAW_TIMEX  # noqa: E402

EXPLAIN_JSON = re.compile(r'"(?:frame|action|market_alias|said_on_rule)"\s*:|\(\?:')

PROBE = """(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const first = document.querySelector(%s);
  const box = first ? first.getBoundingClientRect() : null;
  return JSON.stringify({
    status: nav ? nav.responseStatus : 0,
    text: document.body ? document.body.innerText : '',
    html: document.documentElement.outerHTML,
    first_top: box ? box.top : null,
    height: innerHeight,
    charts: document.querySelectorAll('.vega-embed canvas, .vega-embed svg').length,
  });
})()"""


class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe (fds 3 and 4)."""

    def __init__(self, chromium: str, profile: str):
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def fds():
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        self.proc = subprocess.Popen(
            [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--hide-scrollbars", "--no-first-run", "--disable-extensions", f"--user-data-dir={profile}",
             "--remote-debugging-pipe", "about:blank"],
            pass_fds=(3, 4, to_chrome_r, from_chrome_w), preexec_fn=fds,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._id = 0
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        """Send a command without waiting for its answer; its id."""
        self._id += 1
        message = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        return self._id

    def event(self, message: dict) -> None:
        """An event Chromium sent while a call waited (none is needed here; subclasses may answer them)."""

    def call(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 60):
        wanted = self.send(method, params, session)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                answer = json.loads(raw)
                if "method" in answer:
                    self.event(answer)
                elif answer.get("id") == wanted:
                    if "error" in answer:
                        raise RuntimeError(f"{method}: {answer['error']}")
                    return answer.get("result", {})
            ready, _, _ = select.select([self._from_chrome], [], [], max(0.0, deadline - time.monotonic()))
            if ready:
                chunk = os.read(self._from_chrome, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe")
                self._buffer += chunk
        raise RuntimeError(f"{method}: no answer within {timeout:.0f}s")

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, self.session)
        return result.get("result", {}).get("value")

    def open(self, url: str, height: int = 900, wait_for_charts: int = 0, timeout: float = 20) -> None:
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": 1400, "height": height, "deviceScaleFactor": 1, "mobile": False}, self.session)
        self.call("Page.navigate", {"url": url}, self.session)
        deadline = time.monotonic() + timeout
        time.sleep(0.2)
        while time.monotonic() < deadline:
            state = self.evaluate("document.readyState + ' ' + location.href")
            if state and state.startswith("complete") and url.split("#")[0] in state or \
                    (state and state.startswith("complete") and not state.endswith("about:blank")):
                if wait_for_charts <= (self.evaluate(
                        "document.querySelectorAll('.vega-embed canvas, .vega-embed svg').length") or 0):
                    break
            time.sleep(0.2)
        time.sleep(0.3)  # late scripts (search results, charts) settle

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", {"format": "png"}, self.session)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=5)
        except (RuntimeError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        for fd in (self._to_chrome, self._from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass


def check_page(name: str, path: str, probe: dict, selector: str | None) -> list[str]:
    """The checks every page gets: status, something on the first screen, no raw values."""
    problems = []
    if not 200 <= (probe.get("status") or 0) < 400:
        problems.append(f"{path}: HTTP status {probe.get('status')}")
    if selector:
        top = probe.get("first_top")
        if top is None:
            problems.append(f"{path}: nothing matches {selector!r} (no rows)")
        elif top > probe.get("height", 900):
            problems.append(f"{path}: the first row is {top:.0f}px down, below the first screen")
    text = probe.get("text") or ""
    if m := RAW_TIMEX.search(text):
        problems.append(f"{path}: raw TIMEX value {m[0]!r} in the visible text")
    if m := EXPLAIN_JSON.search(text):
        problems.append(f"{path}: explain JSON ({m[0]!r}) in the visible text")
    return problems


CHECKS = {
    "dashboard": lambda dom: check_dashboard(dom),
    "company": lambda dom: check_company(dom),
    "company-one": lambda dom: [] if 'class="company-timeline"' in dom and "claim-dot" in dom
    else ["company page: SVG timeline missing"],
    "statements": lambda dom: check_statements(dom),
}


def fetch_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def build_database(db: Path, folder: Path) -> None:
    from kb.build import EXAMPLES, build_paths

    fixture = folder / "fixture"
    fixture.mkdir(parents=True, exist_ok=True)
    (fixture / "cafe-lumiere.md").write_text(FIXTURE, encoding="utf-8")
    report = build_paths([EXAMPLES, fixture], db, workers=1)
    if report.failed:
        raise RuntimeError(f"fixture build failed: {report.errors}")


def run(out: Path, chromium: str, timeout: float = 120) -> list[str]:
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="kb-browser-") as tmp:
        db = Path(tmp) / "kb.db"
        build_database(db, Path(tmp))
        port = free_port()
        env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        server = subprocess.Popen(
            [sys.executable, "-c", "from kb.cli import cli; cli()", "serve", "--db", str(db), "--port", str(port)],
            cwd=tmp, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        browser = None
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(base + "/", timeout, server)
            browser = Browser(chromium, str(Path(tmp) / "profile"))
            for name, path, selector, extra, height in PAGES:
                url = base + path
                if path.endswith(".atom") or ".atom?" in path:
                    status = fetch_status(url)  # XML: the status is what matters here
                    found = [] if status == 200 else [f"{path}: HTTP status {status}"]
                else:
                    charts = 3 if extra == "dashboard" else 0
                    browser.open(url, 900, wait_for_charts=charts)
                    probe = json.loads(browser.evaluate(PROBE % json.dumps(selector or "body")))
                    found = check_page(name, path, probe, selector)
                    if extra:
                        found += CHECKS[extra](probe["html"])
                    if height:
                        browser.open(url, height, wait_for_charts=charts)
                        browser.screenshot(out / f"{name}.png")
                problems += found
                print(f"{'ok  ' if not found else 'FAIL'} {path}" + (f" -> {out / (name + '.png')}" if height else ""))
                for p in found:
                    print("     ", p)
        finally:
            if browser:
                browser.close()
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots", help="where screenshots go")
    parser.add_argument("--chromium", help="browser binary (default: first of %s on PATH)" % ", ".join(BROWSERS))
    args = parser.parse_args(argv)
    chromium = find_chromium(args.chromium)
    if not chromium:
        print("chromium not found: apt-get install -y chromium", file=sys.stderr)
        return 2
    problems = run(args.out, chromium)
    for p in problems:
        print("problem:", p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
