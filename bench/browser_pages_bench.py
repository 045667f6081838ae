"""Page speed as a person sees it: the time from a click in the sidebar until the page has settled in the browser.

Starts `streamlit run Home.py` on a database (default: the demo firm, seeded into a temp file; or
--db, or --url of a server already running with --user/--password), logs in with Playwright and the
machine's Chromium (headless), then for each page: clicks its sidebar link and waits until the
script has finished (no running indicator, no stale element) and the page's DOM has not changed
for a quiet second; the figure is the time of the last change after the click. Then a re-run of
the same page (the R key, Streamlit's "rerun"), and --users sessions at once opening the page
together (the slowest of them). Prints the machine and the figures; no targets are asserted.

    .venv/bin/python bench/browser_pages_bench.py                      # the five heaviest pages, demo firm
    .venv/bin/python bench/browser_pages_bench.py --pages all --repeat 1
    .venv/bin/python bench/browser_pages_bench.py --db data/large.db --users 6

Not a pytest test (no test_ names).
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# the five pages that took longest to settle on the demo firm (measured with --pages all, 2026-12-02)
HEAVIEST = ("kpi_dashboard", "salary", "my_pay", "phrases", "qa")
ROLE_ORDER = ("admin", "manager", "trainer", "qa", "agent", "merchant")
QUIET_MS = 1000
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# every DOM change stamps the time; the page has settled when nothing changed for QUIET_MS
OBSERVER = """
window.__lastChange = performance.now();
new MutationObserver(() => { window.__lastChange = performance.now(); })
  .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
"""
BUSY = """() => !!document.querySelector('[data-testid="stStatusWidget"]')
                || !!document.querySelector('[data-testid="stElementContainer"][data-stale="true"]')
                || !!document.querySelector('[data-testid="stSkeleton"]')"""


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(db: Path, port: int) -> subprocess.Popen:
    env = os.environ | {"APP_DB": str(db), "STREAMLIT_LOGGER_LEVEL": "error"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "Home.py",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("streamlit did not start")


def wait_settled(page, started: float, timeout_s: float = 120) -> float:
    """Seconds from `started` (performance.now() in ms) until the last DOM change, once the page is quiet and idle."""
    deadline = time.time() + timeout_s
    page.wait_for_timeout(150)  # let the click reach the server and the run begin
    while time.time() < deadline:
        now, last, busy = page.evaluate(f"() => [performance.now(), window.__lastChange, ({BUSY})()]")
        if not busy and now - last >= QUIET_MS:
            return (last - started) / 1000
        page.wait_for_timeout(50)
    raise TimeoutError("the page never settled")


def nav_link(page, key: str):
    """The sidebar link of a page (the home page is the default page: its address is the root)."""
    links = page.locator('[data-testid="stSidebarNav"] a')
    return links.first if key == "home" else page.locator(f'[data-testid="stSidebarNav"] a[href$="/{key}"]').first


def open_page(page, key: str) -> float:
    """Click the page's sidebar link; seconds until it settled."""
    link = nav_link(page, key)
    started = page.evaluate("() => performance.now()")
    link.click()
    return wait_settled(page, started)


def rerun(page) -> float:
    """Streamlit's rerun key (R, with the focus on the page, not a field); seconds until settled."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    started = page.evaluate("() => performance.now()")
    page.keyboard.press("r")
    return wait_settled(page, started)


def login(page, base: str, username: str, password: str) -> None:
    """As tests/e2e/helpers.login, with time for a loaded machine (bcrypt, six sessions at once)."""
    page.goto(base)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("button", name="退出登录").wait_for(timeout=60_000)
    for _ in range(300):  # the re-login cookie is set by a browser component just after the login run
        if any(c["name"] == "ops_console_auth" for c in page.context.cookies()):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the login cookie was never set")


def new_session(browser, base: str, username: str, password: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    context.add_init_script(OBSERVER)
    page = context.new_page()
    page.set_default_timeout(60_000)
    login(page, base, username, password)
    wait_settled(page, page.evaluate("() => performance.now()"))
    return context, page


def logins(path: Path) -> dict[str, tuple[str, str]]:
    """role → (username, password) from the demo's logins file (first login of each role)."""
    result: dict[str, tuple[str, str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] in ROLE_ORDER and parts[0] not in result:
            result[parts[0]] = (parts[1], parts[2])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an existing database (default: a fresh demo firm in a temp file)")
    parser.add_argument("--logins", help="the logins file of --db (default: data/demo-logins.txt)")
    parser.add_argument("--url", help="a server already running (then --user and --password)")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--pages", default=",".join(HEAVIEST), help="comma-separated page keys, or 'all'")
    parser.add_argument("--repeat", type=int, default=3, help="visits per page (the median is printed)")
    parser.add_argument("--users", type=int, default=6, help="sessions opening a page at once (0: skip)")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    from core.kernel.permissions import page_allowed
    from ui import nav

    keys = [spec.key for spec in nav.PAGES if (ROOT / spec.path).exists()]
    wanted = keys if args.pages == "all" else [k for k in args.pages.split(",") if k in keys]
    server = None
    tmp = None
    if args.url:
        base, accounts = args.url.rstrip("/"), {"admin": (args.user, args.password)}
        where = args.url
    else:
        if args.db:
            db = Path(args.db)
            accounts = logins(Path(args.logins) if args.logins else ROOT / "data" / "demo-logins.txt")
        else:
            tmp = tempfile.TemporaryDirectory(prefix="browser-bench-")
            db = Path(tmp.name) / "demo.db"
            subprocess.run(
                [sys.executable, "-m", "demo"],
                cwd=ROOT,
                env=os.environ | {"APP_DB": str(db)},
                check=True,
                stdout=subprocess.DEVNULL,
            )
            accounts = logins(db.parent / "demo-logins.txt")
        port = free_port()
        server = start_server(db, port)
        base, where = (
            f"http://127.0.0.1:{port}",
            f"{db} ({db.stat().st_size / 2**20:,.1f} MB), streamlit run on :{port}",
        )

    import playwright
    import streamlit

    print(f"machine : {cpu_model()}, {os.cpu_count()} logical cores, {platform.system()} {platform.release()}")
    print(
        f"software: Python {platform.python_version()}, Streamlit {streamlit.__version__}, "
        f"SQLite {sqlite3.sqlite_version}, "
        f"Playwright {getattr(playwright, '__version__', '?')}, Chromium (headless)"
    )
    print(f"date    : {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(f"server  : {where}")
    print(
        f"figures : seconds from the click in the sidebar to the last change of the page (quiet {QUIET_MS} ms after); "
        f"median of {args.repeat}; re-run = the R key; {args.users} at once = the slowest of {args.users} sessions\n"
    )
    header = f"{'page':<14}{'role':<10}{'open s':>8}{'re-run s':>10}{f'{args.users} at once s':>16}"
    print(header)
    print("-" * len(header))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            sessions: dict[str, tuple] = {}
            for key in wanted:
                role = next((r for r in ROLE_ORDER if r in accounts and page_allowed(r, key)), None)
                if role is None:
                    continue
                if role not in sessions:
                    sessions[role] = new_session(browser, base, *accounts[role])
                _context, page = sessions[role]
                opens, reruns = [], []
                for _ in range(args.repeat):
                    open_page(page, "account" if key != "account" else "home")  # leave the page, then come back to it
                    opens.append(open_page(page, key))
                    reruns.append(rerun(page))
                together = "-"
                if args.users > 0:
                    crowd = [new_session(browser, base, *accounts[role]) for _ in range(args.users)]
                    # Playwright's sync API is one thread: start every click, then wait for each page in turn
                    starts = []
                    for _c, pg in crowd:
                        starts.append(pg.evaluate("() => performance.now()"))
                        nav_link(pg, key).click(no_wait_after=True)
                    times = [wait_settled(pg, started) for (_c, pg), started in zip(crowd, starts)]
                    together = f"{max(times):.2f}"
                    for context, _pg in crowd:
                        context.close()
                print(
                    f"{key:<14}{role:<10}{statistics.median(opens):>8.2f}{statistics.median(reruns):>10.2f}{together:>16}",
                    flush=True,
                )
            browser.close()
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
