"""30 people in the running app at once: sessions against `streamlit run`, for N seconds.

Starts the app on a free port of 127.0.0.1 over a database (default: a fresh demo firm in a temp
folder; `--db data/large.db` for the large firm; the logins come from large-logins.txt or
demo-logins.txt next to it). Each simulated user logs in through the login form with its
password (roles in turn: admin, manager, qa, trainer, merchant, agent), then keeps opening pages
of its own navigation with 1-3 s think time (`--think 5,15` for a calmer office) until the time
is up. Prints the logins' and every page's count, p50 and p95 render time, failures, the
server's CPU use and the machine.

Two kinds of client (`--mode`):
- `ws` (default): each user is a Streamlit client speaking the app's own websocket protocol
  (`/_stcore/stream`, the protobuf messages of the streamlit package): it fills the login form's
  widgets and presses its button, and switches pages as the sidebar does. A render is from
  sending the rerun to the server's `script_finished`: the server's whole work, without a
  browser's drawing. 30 of them cost the client almost no CPU, so the two cores measure the
  server.
- `browser`: ONE headless Chromium (/usr/bin/chromium) with one browser context per user; a
  render is from the click to the end of the script run in the page. On a 2-core machine the 30
  browser pages compete with the server for the CPU.

Traffic goes only to 127.0.0.1; it stops by itself.

    .venv/bin/python bench/server_load.py [--users 30] [--seconds 60] [--db PATH] [--mode ws|browser] [--think 1,3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
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
    "--disable-dev-shm-usage",
]
ROLES = ("admin", "manager", "qa", "trainer", "merchant", "agent")
THINK_S = (1.0, 3.0)
RENDER_TIMEOUT_MS = 60_000
ARRIVAL_S = 0.3  # people do not all press "login" in the same millisecond


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


async def wait_rendered(page) -> None:
    """Until the script run that the last action started is over and the page shows its title."""
    try:  # the run may start a moment after the click, or be over before we look
        await page.wait_for_selector('[data-test-script-state="running"]', timeout=1500)
    except Exception:  # noqa: BLE001 - playwright's TimeoutError: the run was quick
        pass
    await page.wait_for_selector('[data-test-script-state="notRunning"]', timeout=RENDER_TIMEOUT_MS)
    await page.locator("h1").first.wait_for(timeout=RENDER_TIMEOUT_MS)


async def user(
    number: int,
    browser,
    base: str,
    username: str,
    password: str,
    stop_at: float,
    timings: dict[str, list[float]],
    failures: dict[str, int],
    logins: list[float],
) -> None:
    rng = random.Random(number)
    context = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    context.set_default_timeout(RENDER_TIMEOUT_MS)
    page = await context.new_page()
    try:
        started = time.perf_counter()
        await page.goto(base)
        await page.get_by_label("用户名").fill(username)
        await page.get_by_label("密码").fill(password)
        await page.get_by_role("button", name="登录").click()
        await page.get_by_role("button", name="退出登录").wait_for()
        await wait_rendered(page)
        logins.append(time.perf_counter() - started)
    except Exception as exc:  # noqa: BLE001 - a failed login is a failure to report, not a crash
        failures[f"login:{type(exc).__name__}"] += 1
        await context.close()
        return
    while time.monotonic() < stop_at:
        await asyncio.sleep(rng.uniform(*THINK_S))
        if time.monotonic() >= stop_at:
            break
        links = page.locator('[data-testid="stSidebarNav"] a')
        count = await links.count()
        if not count:
            failures["no sidebar"] += 1
            break
        link = links.nth(rng.randrange(count))
        href = urlparse(await link.get_attribute("href") or "").path.strip("/").rsplit("/", 1)[-1] or "home"
        started = time.perf_counter()
        try:
            await link.click()
            await wait_rendered(page)
            exception = await page.locator('[data-testid="stException"]').count()
            if exception:
                failures[f"exception on {href}"] += 1
            timings[href].append(time.perf_counter() - started)
        except Exception as exc:  # noqa: BLE001
            failures[f"{href}:{type(exc).__name__}"] += 1
    await context.close()


class StreamlitClient:
    """One user's session over the app's websocket, as the browser's frontend speaks it."""

    def __init__(self, socket) -> None:
        self.socket = socket
        self.pages: dict[str, str] = {}  # url path -> page script hash, from the navigation message

    async def rerun(self, page_hash: str = "", widgets: list | None = None) -> tuple[float, list]:
        """Ask for a script run; wait for its end. Returns (seconds, the elements it drew)."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        message = BackMsg()
        message.rerun_script.page_script_hash = page_hash
        message.rerun_script.context_info.timezone = "Asia/Shanghai"
        message.rerun_script.context_info.locale = "zh-CN"
        if widgets:
            message.rerun_script.widget_states.widgets.extend(widgets)
        started = time.perf_counter()
        await self.socket.send(message.SerializeToString())
        elements = []
        while True:
            raw = await asyncio.wait_for(self.socket.recv(), timeout=RENDER_TIMEOUT_MS / 1000)
            forward = ForwardMsg()
            forward.ParseFromString(raw)
            kind = forward.WhichOneof("type")
            if kind == "navigation":
                self.pages = {
                    (page.url_pathname or "home"): page.page_script_hash for page in forward.navigation.app_pages
                }
            elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                elements.append(forward.delta.new_element)
            elif kind == "script_finished":
                return time.perf_counter() - started, elements

    async def login(self, username: str, password: str) -> float:
        """Fill the login form and press its button; the seconds of that run."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        _seconds, elements = await self.rerun()
        ids = {}
        for element in elements:
            kind = element.WhichOneof("type")
            if kind == "text_input":
                ids[element.text_input.label] = element.text_input.id
            elif kind == "button" and element.button.is_form_submitter:
                ids["submit"] = element.button.id
        seconds, elements = await self.rerun(
            widgets=[
                WidgetState(id=ids["用户名"], string_value=username),
                WidgetState(id=ids["密码"], string_value=password),
                WidgetState(id=ids["submit"], trigger_value=True),
            ]
        )
        if not self.pages:
            raise RuntimeError("login refused")
        return seconds


def drew_an_exception(elements: list) -> bool:
    return any(element.WhichOneof("type") == "exception" for element in elements)


async def ws_user(
    number: int,
    base: str,
    username: str,
    password: str,
    stop_at: float,
    timings: dict[str, list[float]],
    failures: dict[str, int],
    logins: list[float],
) -> None:
    import websockets

    rng = random.Random(number)
    url = base.replace("http://", "ws://") + "/_stcore/stream"
    try:
        async with websockets.connect(
            url,
            subprotocols=["streamlit"],
            additional_headers={"Origin": base},
            max_size=None,
            open_timeout=RENDER_TIMEOUT_MS / 1000,
        ) as socket:
            client = StreamlitClient(socket)
            try:
                logins.append(await client.login(username, password))
            except Exception as exc:  # noqa: BLE001 - a failed login is a failure to report
                failures[f"login:{type(exc).__name__}"] += 1
                return
            while time.monotonic() < stop_at:
                await asyncio.sleep(rng.uniform(*THINK_S))
                if time.monotonic() >= stop_at:
                    break
                name = rng.choice(sorted(client.pages))
                try:
                    seconds, elements = await client.rerun(client.pages[name])
                    if drew_an_exception(elements):
                        failures[f"exception on {name}"] += 1
                    timings[name].append(seconds)
                except Exception as exc:  # noqa: BLE001
                    failures[f"{name}:{type(exc).__name__}"] += 1
    except Exception as exc:  # noqa: BLE001 - the connection itself failed
        failures[f"connect:{type(exc).__name__}"] += 1


async def run_ws(base: str, accounts: list[tuple[str, str]], users: int, seconds: float):
    timings: dict[str, list[float]] = defaultdict(list)
    failures: dict[str, int] = defaultdict(int)
    logins: list[float] = []
    stop_at = time.monotonic() + seconds + users * ARRIVAL_S
    tasks = []
    for number in range(users):
        username, password = accounts[number % len(accounts)]
        tasks.append(asyncio.create_task(ws_user(number, base, username, password, stop_at, timings, failures, logins)))
        await asyncio.sleep(ARRIVAL_S)
    began = time.monotonic()
    await asyncio.gather(*tasks)
    return timings, failures, logins, time.monotonic() - began


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run(base: str, accounts: list[tuple[str, str]], users: int, seconds: float):
    from playwright.async_api import async_playwright

    timings: dict[str, list[float]] = defaultdict(list)
    failures: dict[str, int] = defaultdict(int)
    logins: list[float] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        stop_at = time.monotonic() + seconds + 60  # the logins come first; each user then browses until the end
        tasks = []
        for number in range(users):
            username, password = accounts[number % len(accounts)]
            tasks.append(
                asyncio.create_task(user(number, browser, base, username, password, stop_at, timings, failures, logins))
            )
            await asyncio.sleep(ARRIVAL_S)
        began = time.monotonic()
        await asyncio.gather(*tasks)
        wall = time.monotonic() - began
        await browser.close()
    return timings, failures, logins, wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60, help="browsing time after the logins")
    parser.add_argument("--db", help="database file with demo-logins.txt next to it (default: a fresh demo firm)")
    parser.add_argument(
        "--mode", choices=("ws", "browser"), default="ws", help="websocket clients (default) or browser pages"
    )
    parser.add_argument("--think", default="1,3", help="think time between pages, seconds: MIN,MAX (default 1,3)")
    args = parser.parse_args(argv)
    global THINK_S
    low, high = (float(x) for x in args.think.split(","))
    if not 0 <= low <= high:
        parser.error("--think wants MIN,MAX with 0 <= MIN <= MAX")
    THINK_S = (low, high)
    folder = Path(tempfile.mkdtemp(prefix="server-load-"))
    env = {**os.environ}
    if args.db:
        path = Path(args.db).resolve()
    else:
        path = folder / "app.db"
        env["APP_DB"] = str(path)
        print("seeding the demo firm ...", flush=True)
        subprocess.run([sys.executable, "-m", "demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    env["APP_DB"] = str(path)
    passwords = {}
    logins_file = path.with_name(f"{path.stem}-logins.txt")  # make demo-large writes large-logins.txt
    logins_file = logins_file if logins_file.exists() else path.parent / "demo-logins.txt"
    for line in logins_file.read_text().splitlines():
        role, username, password = line.split()
        passwords.setdefault(role, (username, password))
    accounts = [passwords[r] for r in ROLES if r in passwords]
    port = free_port()
    log_path = folder / "server.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
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
        try:
            deadline = time.time() + 60
            while time.time() < deadline:
                try:
                    urllib.request.urlopen(base + "/_stcore/health", timeout=2)
                    break
                except OSError:
                    time.sleep(0.5)
            else:
                raise RuntimeError("streamlit did not start: " + log_path.read_text())
            cpu_before, clock_before = cpu_seconds(server.pid), time.monotonic()
            runner = run_ws if args.mode == "ws" else run
            timings, failures, logins, wall = asyncio.run(runner(base, accounts, args.users, args.seconds))
            server_cpu, elapsed = cpu_seconds(server.pid) - cpu_before, time.monotonic() - clock_before
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    tracebacks = log_path.read_text().count("Traceback")
    every = [v for values in timings.values() for v in values]
    print(
        f"machine : {cpu_model()}, {os.cpu_count()} logical cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )
    print(f"date    : {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC")
    print(f"server  : streamlit run on 127.0.0.1, database {path} ({path.stat().st_size / 2**20:,.0f} MB)")
    clients = (
        "websocket clients (the app's own protocol, no browser)"
        if args.mode == "ws"
        else "browser sessions (one headless Chromium, a context each)"
    )
    print(
        f"load    : {args.users} {clients}, {wall:.0f} s in all, arriving {ARRIVAL_S} s apart, "
        f"think time {THINK_S[0]:.0f}-{THINK_S[1]:.0f} s between pages"
    )
    print(
        f"cpu     : the server process used {server_cpu:.0f} CPU-s in {elapsed:.0f} s "
        f"({server_cpu / elapsed:.0%} of one core); "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    if logins:
        print(
            f"logins  : {len(logins)} of {args.users}, p50 {statistics.median(logins):.2f} s, "
            f"p95 {percentile(logins, 0.95):.2f} s"
        )
    print(f"\n{'page':<16}{'renders':>8}{'p50 s':>8}{'p95 s':>8}{'max s':>8}")
    for name in sorted(timings, key=lambda n: -len(timings[n])):
        values = timings[name]
        print(
            f"{name:<16}{len(values):>8}{statistics.median(values):>8.2f}"
            f"{percentile(values, 0.95):>8.2f}{max(values):>8.2f}"
        )
    if every:
        print(
            f"{'all pages':<16}{len(every):>8}{statistics.median(every):>8.2f}"
            f"{percentile(every, 0.95):>8.2f}{max(every):>8.2f}"
        )
    print(f"\nfailures: {dict(failures) or 'none'}; tracebacks in the server log: {tracebacks}")
    return 0 if every and not failures and not tracebacks else 1


if __name__ == "__main__":
    sys.exit(main())
