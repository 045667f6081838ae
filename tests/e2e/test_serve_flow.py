"""Serving the whole firm (deploy/serve.py): two console processes and the worker behind a real nginx.
Pages, the websocket and uploads go through nginx, each browser sticks to one process, a process
that dies is started again, and nginx refuses an upload over the limit before any process sees it."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect
from websockets.sync.client import connect

from tests.conftest import ROOT, SAMPLES
from tests.e2e.conftest import _free_port, shot
from tests.e2e.helpers import choose, login

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def firm(tmp_path_factory):
    """The demo firm served by deploy/serve.py; yields (base_url, logins, run_dir)."""
    folder = tmp_path_factory.mktemp("serve")
    env = {**os.environ, "APP_DB": str(folder / "app.db"), "APP_BCRYPT_ROUNDS": "4"}
    subprocess.run([sys.executable, "-m", "demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    logins = dict(line.split()[1:] for line in (folder / "demo-logins.txt").read_text().splitlines())
    port, first = _free_port(), _free_port()
    while first + 1 == port or not _port_is_free(first + 1):  # the two console processes: first, first + 1
        first = _free_port()
    run_dir = folder / "run"
    log = open(folder / "serve.log", "w")
    process = subprocess.Popen(
        [sys.executable, "deploy/serve.py", "--port", str(port), "--address", "127.0.0.1", "--backends", "2",
         "--first-backend-port", str(first), "--run-dir", str(run_dir)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.time() + 150
    while time.time() < deadline and "serving" not in (folder / "serve.log").read_text():
        if process.poll() is not None:
            raise RuntimeError("serve.py stopped: " + (folder / "serve.log").read_text())
        time.sleep(0.5)
    else:
        if "serving" not in (folder / "serve.log").read_text():
            process.kill()
            raise RuntimeError("serve.py did not start: " + (folder / "serve.log").read_text())
    yield f"http://127.0.0.1:{port}", logins, run_dir
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    log.close()
    assert process.returncode == 0, (folder / "serve.log").read_text()
    for console_log in run_dir.glob("console-*.log"):
        assert "Traceback" not in console_log.read_text(), console_log.read_text()


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def backend_of(base: str, cookie: str | None) -> tuple[str, str]:
    request = urllib.request.Request(
        base + "/_stcore/health", headers={"Cookie": f"ops_backend={cookie}"} if cookie else {}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.headers["X-Console-Backend"], response.headers["Set-Cookie"]


def test_each_browser_sticks_to_one_process_and_the_firm_spreads_over_both(firm):
    base, _, _ = firm
    with urllib.request.urlopen(base + "/", timeout=10) as response:
        assert response.status == 200 and b'<div id="root">' in response.read()
        assert response.headers["Set-Cookie"].startswith("ops_backend=")
    _, cookie = backend_of(base, None)  # a first visit: any process, and the browser's cookie
    key = cookie.split(";")[0].split("=", 1)[1]
    assert len({backend_of(base, key)[0] for _ in range(8)}) == 1  # from then on one process, every time
    assert len({backend_of(base, f"browser-{i}")[0] for i in range(30)}) == 2


def test_the_websocket_opens_through_nginx(firm):
    base, _, _ = firm
    with connect(base.replace("http", "ws") + "/_stcore/stream", subprotocols=["streamlit"], open_timeout=10) as ws:
        assert ws.subprotocol == "streamlit"


def test_a_manager_logs_in_and_imports_a_file_through_nginx(firm, page):
    base, logins, _ = firm
    login(page, base, "manager", logins["manager"])
    page.goto(base + "/kpi_import")
    choose(page, page, "选择项目", "数码先锋 · 数码先锋-售前客服")
    uploads = page.locator("[data-testid=stFileUploader] input[type=file]")
    uploads.nth(0).set_input_files(str(SAMPLES / "messages.csv"))  # an HTTP PUT: to the session's own process
    uploads.nth(1).set_input_files(str(SAMPLES / "orders.csv"))
    page.get_by_role("button", name="检查文件").first.click()
    expect(page.get_by_text("检查通过：3003条消息，117个订单，日期 2026-10-01 至 2026-10-07。")).to_be_visible()
    shot(page, "serve-import-through-nginx")


def test_an_upload_over_the_limit_is_refused_by_nginx(firm):
    base, _, _ = firm
    connection = http.client.HTTPConnection(base.removeprefix("http://"), timeout=30)
    connection.putrequest("PUT", "/_stcore/upload_file/some-session/some-file")
    connection.putheader("Content-Length", str(66 * 1024 * 1024))  # the limit: 60 MB + 5
    connection.endheaders()
    assert connection.getresponse().status == 413


def test_a_console_process_that_dies_is_started_again(firm):
    base, _, run_dir = firm
    before = json.loads((run_dir / "processes.json").read_text())
    assert before["worker"] and before["nginx"]
    port, pid = next(iter(before["backends"].items()))
    os.kill(pid, signal.SIGKILL)
    deadline = time.time() + 90
    while time.time() < deadline:
        now = json.loads((run_dir / "processes.json").read_text())["backends"][port]
        if now != pid:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
                break
            except OSError:
                pass
        time.sleep(0.5)
    else:
        raise AssertionError(f"the console process on {port} was not started again")
    assert len({backend_of(base, f"browser-{i}")[0] for i in range(30)}) == 2  # both serve again


def test_the_generated_configuration_passes_nginx_own_check(firm):
    _, _, run_dir = firm
    conf = Path(run_dir / "nginx.conf").read_text()
    assert "hash $ops_backend consistent;" in conf and "client_max_body_size 65m;" in conf
    binary = "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "nginx"
    checked = subprocess.run([binary, "-t", "-p", str(run_dir), "-c", str(run_dir / "nginx.conf")], capture_output=True)
    assert checked.returncode == 0, checked.stderr
