"""Browser-test fixtures: a real `imr serve` on a loopback port, users made with `imr users add`, and Debian's Chromium
driven by Playwright (no browser download: Playwright is pointed at /usr/bin/chromium).

Each page a test visits is saved as a screenshot in `artifacts/screenshots/` (git-ignored).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from tests.patience import patience

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
IMR = Path(sys.executable).with_name("imr")
UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => el.type !== 'hidden' && el.labels.length === 0 && !el.getAttribute('aria-label'))
  .map(el => el.name || el.id)"""
FOCUSABLE = """() => [...document.querySelectorAll('a[href], button, input, select, textarea')]
  .filter(el => el.type !== 'hidden' && el.tabIndex < 0).map(el => el.outerHTML.slice(0, 80))"""


@dataclass
class Server:
    """A running `imr serve` and its data directory."""

    url: str
    data_dir: Path
    process: subprocess.Popen[str]

    def add_user(self, name: str, role: str, reviewer_id: int | None = None) -> str:
        """A user's token, provisioned with the CLI on the server's data directory."""
        command = [str(IMR), "users", "add", name, "--role", role, "--data-dir", str(self.data_dir)]
        if reviewer_id is not None:
            command += ["--reviewer-id", str(reviewer_id)]
        result = subprocess.run(command, capture_output=True, text=True, check=True)
        return result.stdout.strip().splitlines()[-1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(data_dir: Path, **environment: str) -> Server:
    """`imr serve` on a free loopback port over `data_dir`, once it answers."""
    port = _free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OPENIMR_ORG_NAME": "Sample Review Services", **environment}
    process = subprocess.Popen(
        [str(IMR), "serve", "--data-dir", str(data_dir), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + patience(90)
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return Server(url, data_dir, process)
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            output = process.communicate(timeout=patience(5))[0] if process.poll() is not None else ""
            pytest.fail(f"imr serve did not start: {output[-2000:]}")
        time.sleep(0.2)


def stop_server(server: Server) -> None:
    """Stop the server (it started as a child of the tests)."""
    server.process.terminate()
    try:
        server.process.communicate(timeout=patience(30))
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.communicate()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium under Playwright."""
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("/usr/bin/chromium is missing under CI: scripts/setup --dev installs it")
        pytest.skip("/usr/bin/chromium not installed (scripts/setup --dev installs it)")
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True)
        expect.set_options(timeout=patience(5) * 1000)  # Playwright's default wait for an expectation, scaled by load
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One `imr serve` for a test module, over a fresh data directory."""
    running = start_server(tmp_path_factory.mktemp("web"))
    yield running
    stop_server(running)


def shoot(page: Page, name: str, full_page: bool = True) -> Path:
    """Save a screenshot of the page (whole, or what the window shows) as artifacts/screenshots/<name>.png."""
    path = SCREENSHOTS / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies)."""
    opened = browser.new_context(viewport={"width": 1360, "height": 900})
    opened.set_default_timeout(patience(30) * 1000)  # Playwright's default for actions and navigations, scaled by load
    yield opened
    opened.close()


def check_page(page: Page, name: str) -> None:
    """Every form control has a label, every control is in the keyboard's reach; the page is saved as a screenshot."""
    assert page.evaluate(UNLABELLED) == [], f"unlabelled controls on {name}"
    assert page.evaluate(FOCUSABLE) == [], f"controls out of the tab order on {name}"
    shoot(page, name)


def sign_in(context: BrowserContext, server: Server, token: str) -> Page:
    """Sign in with the keyboard only: Tab to the token field, type it, press Enter."""
    page = context.new_page()
    page.goto(f"{server.url}/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    check_page(page, "sign-in")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    for _ in range(10):
        if page.evaluate("document.activeElement.id") == "token":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "token", "the token field is reached by Tab"
    page.keyboard.type(token)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/(intake|admin|reviewer)$"))
    return page


def pdf_of(path: Path, text: str) -> Path:
    """A one-paragraph PDF of a synthetic text (made with WeasyPrint, so it has a text layer)."""
    from weasyprint import HTML

    HTML(string=f"<p>{text}</p>").write_pdf(str(path))
    return path
