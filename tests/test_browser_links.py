"""Issue 14, finding 1, in a real browser: every link of the pages that show a hostile document
(its company page, the statements and documents tables, the company timeline, the feed's table
and the Atom feed itself) is clicked in headless Chromium, and no script from a source runs.

The documents carry `javascript:`, `data:` and `vbscript:` URLs (mixed case, with whitespace and
entities) in Markdown front matter, JSON Lines, RSS and Atom; a second database has the same URLs
written straight into its documents table, as an old or tampered file would. A click that would
load a page is stopped before it leaves (the Fetch domain), so that the page stays and its next
link can be clicked; a script shows itself by opening a dialog (every payload calls alert, confirm
or msgbox) or by leaving the page for a URL that is not http(s). A control test checks that this
detector does see a hostile link when one is on the page. Skipped only when Chromium is absent.
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kb.build import build_paths

from .conftest import write_urls_raw

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "browser_check.py"
spec = importlib.util.spec_from_file_location("browser_check", SCRIPT)
browser_check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(browser_check)

CHROMIUM = browser_check.find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")

# Each one would run script if it reached an href unchanged; each calls a dialog so a run is seen.
HOSTILE = [
    "javascript:alert(document.cookie)//",
    "JaVaScRiPt:alert(2)",
    "  javascript:confirm(3)",
    "java\tscript:alert(4)",
    "\u200bjavascript:alert(5)",
    "&#106;avascript:alert(6)",
    "&#x6A;avascript&#x3A;alert(7)",
    "javascript&colon;alert(8)",
    "data:text/html,<script>alert(9)</script>",
    "DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxMCk8L3NjcmlwdD4=",
    "vbscript:msgbox(11)",
]
COMPANY = "Quillonix"
BODY = ("Quillonix plans to enter the Brazilian market next year, its founder Ada Varga said on "
        "Tuesday.\n\nThe firm builds warehouse arms in a former tram depot.")
GOOD_URL = "https://wire.example/quillon-brazil"


def _xml(value: str) -> str:
    return value.replace("&colon;", "&amp;colon;").replace("<", "&lt;").replace('"', "&quot;")


def _body(tag: str) -> str:
    """BODY plus a line of its own: equal texts would be stored once, as duplicates."""
    return f"{BODY}\n\nInventory note {tag}: {len(tag) * 7} spare grippers."


def _corpus(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i, url in enumerate(HOSTILE):
        (folder / f"m{i}.md").write_text(
            f"---\nid: m{i}\ntitle: Quillon note {i}\nurl: {json.dumps(url)}\npublished: 2025-04-{i + 1:02d}\n"
            f"---\n{_body(f'm{i}')}\n", encoding="utf-8")
    (folder / "records.jsonl").write_text("".join(
        json.dumps({"id": f"j{i}", "title": f"Quillon record {i}", "url": url, "published": "2025-05-02",
                    "text": _body(f"j{i}")}) + "\n" for i, url in enumerate(HOSTILE)), encoding="utf-8")
    items = "".join(f"<item><title>Quillon item {i}</title><link>{_xml(url)}</link><guid>q{i}</guid>"
                    f"<description>{_body(f'r{i}')}</description></item>" for i, url in enumerate(HOSTILE))
    (folder / "wire.rss").write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Quay Wire</title>{items}</channel></rss>',
        encoding="utf-8")
    entries = "".join(f'<entry><title>Quillon entry {i}</title><id>urn:q:{i}</id><updated>2025-06-01T00:00:00Z'
                      f'</updated><link href="{_xml(url)}"/><summary>{_body("a" + str(i))}</summary></entry>'
                      for i, url in enumerate(HOSTILE))
    (folder / "wire.atom").write_text(
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Quay Atom</title><id>urn:q</id>'
        f"<updated>2025-06-01T00:00:00Z</updated>{entries}</feed>", encoding="utf-8")
    (folder / "good.md").write_text(f"---\nid: good\ntitle: Quillon good\nurl: {GOOD_URL}\npublished: 2025-03-01\n"
                                    f"---\n{_body('good')}\n", encoding="utf-8")


@pytest.fixture(scope="module", params=["built", "poisoned"])
def server(request, tmp_path_factory):
    """`kb serve` on the hostile corpus as built, or with the hostile URLs written back in raw SQL."""
    folder = tmp_path_factory.mktemp(f"hostile-{request.param}")
    _corpus(folder / "corpus")
    db = folder / "kb.db"
    report = build_paths([folder / "corpus"], db, workers=1)
    assert (report.failed, report.new) == (0, 4 * len(HOSTILE) + 1), report.errors
    if request.param == "poisoned":
        write_urls_raw(db, HOSTILE, keep=("good",))
    port = browser_check.free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-c", "from kb.cli import cli; cli()", "serve", "--db", str(db),
                             "--port", str(port)], cwd=folder, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        browser_check.wait_for(base + "/", 60, proc)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


class ClickingBrowser(browser_check.Browser):
    """browser_check.Browser that dismisses and records every dialog, and stops (and records)
    every page load once `hold()` is on, whatever call it is waiting for."""

    def __init__(self, chromium: str, profile: str):
        self.dialogs: list[str] = []
        self.loads: list[str] = []
        super().__init__(chromium, profile)

    def event(self, message: dict) -> None:
        method, params = message.get("method"), message.get("params", {})
        if method == "Page.javascriptDialogOpening":
            self.dialogs.append(f"{params.get('type')}: {params.get('message')!r} on {params.get('url')}")
            self.send("Page.handleJavaScriptDialog", {"accept": False}, self.session)
        elif method == "Fetch.requestPaused":
            self.loads.append(params["request"]["url"])
            self.send("Fetch.failRequest", {"requestId": params["requestId"], "errorReason": "Aborted"}, self.session)

    def hold(self, on: bool) -> None:
        """Stop every document load before it is sent (on), or let them go (off)."""
        if on:
            self.call("Fetch.enable", {"patterns": [{"urlPattern": "*", "resourceType": "Document"}]}, self.session)
        else:
            self.call("Fetch.disable", {}, self.session)

    def settle(self, seconds: float = 0.25, until=lambda: False) -> None:
        """Let queued navigations and scripts run, handling what they raise."""
        end = time.monotonic() + seconds
        while time.monotonic() < end and not until():
            self.evaluate("1")
            time.sleep(0.05)

    def taken(self) -> tuple[list[str], list[str]]:
        """The dialogs and stopped loads seen so far, forgotten here."""
        seen = (self.dialogs[:], self.loads[:])
        self.dialogs.clear()
        self.loads.clear()
        return seen


LINK = """(() => {
  const a = document.querySelectorAll('a[href]')[%d];
  if (!a) return null;
  a.removeAttribute('target');  // a new tab would escape the checks; its script would run here instead
  a.scrollIntoView({block: 'center'});
  const r = a.getBoundingClientRect();
  const x = r.left + Math.min(r.width / 2, 3), y = r.top + r.height / 2;
  const hit = document.elementFromPoint(x, y);
  return {href: a.getAttribute('href'), x: x, y: y, visible: r.width > 0 && !!hit && (hit === a || a.contains(hit))};
})()"""


def click_every_link(browser: ClickingBrowser, url: str) -> tuple[list[str], list[str]]:
    """Open `url`, click each of its links in turn (a real mouse click when it can be seen, else
    element.click()); return the hrefs clicked and the problems seen (dialogs, pages left)."""
    browser.open(url)
    browser.call("Page.enable", {}, browser.session)
    browser.taken()
    here = "location.href.split('#')[0]"  # a same-page anchor (#export) is no departure
    page = browser.evaluate(here)
    count = browser.evaluate("document.querySelectorAll('a[href]').length") or 0
    clicked, problems = [], []
    browser.hold(True)
    try:
        for i in range(count):
            if browser.evaluate(here) != page:
                problems.append(f"{url}: left for {browser.evaluate('location.href')!r}")
                browser.hold(False)
                browser.open(url)
                browser.hold(True)
            link = browser.evaluate(LINK % i)
            if link is None:
                continue
            clicked.append(link["href"])
            if link["visible"]:
                for kind in ("mousePressed", "mouseReleased"):
                    browser.call("Input.dispatchMouseEvent", {"type": kind, "x": link["x"], "y": link["y"],
                                                              "button": "left", "clickCount": 1}, browser.session)
            else:
                browser.evaluate(f"document.querySelectorAll('a[href]')[{i}].click()")
            browser.settle(0.1)
        browser.settle()
    finally:
        browser.hold(False)
    dialogs, loads = browser.taken()
    problems += [f"{url}: a script ran ({d})" for d in dialogs]
    problems += [f"{url}: a click loaded {u!r}" for u in loads if not u.lower().startswith(("http://", "https://"))]
    return clicked, problems


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    b = ClickingBrowser(CHROMIUM, str(tmp_path_factory.mktemp("profile")))
    yield b
    b.close()


Q = urllib.parse.quote
PAGES = [
    "/-/company/" + Q(COMPANY),
    "/kb/statements?company=" + Q(COMPANY),
    "/kb/documents",
    "/kb/company_timeline?company=" + Q(COMPANY),
    "/kb/timeline",
    "/kb/atom_statements?company=" + Q(COMPANY) + "&market=",
]


@pytest.mark.parametrize("path", PAGES)
def test_clicking_every_link_runs_no_script(server, browser, path):
    clicked, problems = click_every_link(browser, server + path)
    assert problems == []
    assert len(clicked) >= 10, clicked  # the page was there, with its links
    if path.startswith("/-/company/"):
        assert GOOD_URL in clicked  # the one real source is a link, and it was clicked too


def test_following_every_link_of_the_atom_feed_runs_no_script(server, browser):
    """A feed reader shows each entry's <link href> as a link: each is put on a page and clicked."""
    feed = server + "/kb/atom_statements.atom?company=" + Q(COMPANY) + "&market="
    with urllib.request.urlopen(feed, timeout=30) as r:
        root = ET.fromstring(r.read())
    assert root.findall("{http://www.w3.org/2005/Atom}entry")  # the company's claims are in the feed
    hrefs = [link.get("href") for link in root.iter("{http://www.w3.org/2005/Atom}link")]
    assert hrefs
    browser.open(server + "/-/versions")
    browser.evaluate("document.body.innerHTML = ''; for (const h of %s) { const a = document.createElement('a');"
                     " a.href = h; a.textContent = h; document.body.append(a, document.createElement('br')); }"
                     % json.dumps(hrefs))
    page = browser.evaluate("location.href")
    browser.call("Page.enable", {}, browser.session)
    browser.taken()
    browser.hold(True)
    try:
        for i in range(len(hrefs)):
            browser.evaluate(f"document.querySelectorAll('a[href]')[{i}].click()")
            browser.settle(0.1)
        browser.settle()
        assert browser.evaluate("location.href") == page
    finally:
        browser.hold(False)
    dialogs, loads = browser.taken()
    assert dialogs == []
    assert len(loads) == len(hrefs)  # every link was followed, and stopped before it left
    assert all(u.lower().startswith(("http://", "https://")) for u in loads), loads


def test_the_check_sees_a_script_link_when_there_is_one(server, browser):
    """Control: the same clicks on a page that does carry hostile links report the script."""
    browser.open(server + "/-/versions")
    browser.evaluate("document.body.innerHTML = '<a href=\"javascript:alert(41)\">one</a>"
                     "<a href=\"https://wire.example/fine\">two</a>'")
    browser.call("Page.enable", {}, browser.session)
    browser.taken()
    browser.hold(True)
    try:
        for i in range(2):
            link = browser.evaluate(LINK % i)
            for kind in ("mousePressed", "mouseReleased"):
                browser.call("Input.dispatchMouseEvent", {"type": kind, "x": link["x"], "y": link["y"],
                                                          "button": "left", "clickCount": 1}, browser.session)
            browser.settle(0.1)
        browser.settle(5, until=lambda: browser.dialogs and browser.loads)
    finally:
        browser.hold(False)
    dialogs, loads = browser.taken()
    assert [d.split(" on ")[0] for d in dialogs] == ["alert: '41'"]
    assert loads == ["https://wire.example/fine"]
