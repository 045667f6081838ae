"""A real `streamlit run` on a free port over a seeded temp database, and headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = ROOT / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """Seed a demo database and serve the app; yields (base_url, {username: password})."""
    folder = tmp_path_factory.mktemp("e2e")
    env = {**os.environ, "APP_DB": str(folder / "app.db"), "APP_BCRYPT_ROUNDS": "4"}
    subprocess.run([sys.executable, "-m", "demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    logins = {}
    for line in (folder / "demo-logins.txt").read_text().splitlines():
        _role, username, password = line.split()
        logins[username] = password
    port = _free_port()
    log = open(folder / "server.log", "w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "Home.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(base + "/_stcore/health", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        raise RuntimeError("streamlit did not start: " + (folder / "server.log").read_text())
    yield base, logins
    process.terminate()
    process.wait(timeout=20)
    log.close()
    server_log = (folder / "server.log").read_text()
    assert "Traceback" not in server_log, server_log


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()


def shot(page, name: str) -> None:
    """Keep a screenshot of what the browser showed, for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failed browser test, keep a screenshot of the page as it was."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed and "page" in item.funcargs:
        try:
            shot(item.funcargs["page"], f"FAILED-{item.name}")
        except Exception:  # the page may be gone; the failure itself is what matters
            pass
