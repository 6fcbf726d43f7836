#!/usr/bin/env python3
"""Start the real server on a fresh database and check pages in headless Chromium.

    python scripts/browser_check.py [--out docs/screenshots] [--chromium PATH]

Runs `kb serve` (which builds the examples into a new database) on a free
port, then for the dashboard, a company page and the statements table:
loads the page in headless Chromium (JavaScript on, --dump-dom after a
virtual-time budget), checks that the charts rendered (vega-embed drew a
canvas or SVG in every chart card; the company page's SVG timeline has
dots) and that the facets show, and saves a screenshot of each to --out.
Exit status 0 when every check passes, 1 otherwise, 2 without Chromium.

Needs only the Debian package `chromium` (chromium-driver is not used).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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


PAGES = [
    # name, path, checker, screenshot height
    ("dashboard", "/-/dashboards/market-entry", check_dashboard, 1500),
    ("company-tesla", "/-/company/Tesla", check_company, 1800),
    ("company-xiaomi", "/-/company/Xiaomi", check_company, 2400),
    ("statements", "/kb/statements?_facet=said_on_month", check_statements, 2600),
]


def run(out: Path, chromium: str, timeout: float = 120) -> list[str]:
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="kb-browser-") as tmp:
        db = Path(tmp) / "kb.db"
        port = free_port()
        env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        server = subprocess.Popen(
            [sys.executable, "-c", "from kb.cli import cli; cli()", "serve", "--db", str(db), "--port", str(port)],
            cwd=tmp, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(base + "/", timeout, server)
            profile = str(Path(tmp) / "profile")
            for name, path, check, height in PAGES:
                dom = dump_dom(chromium, base + path, profile)
                found = check(dom)
                problems += found
                screenshot(chromium, base + path, out / f"{name}.png", profile, height)
                print(f"{'ok  ' if not found else 'FAIL'} {path} -> {out / (name + '.png')}")
        finally:
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
