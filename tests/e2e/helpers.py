"""Steps a person takes in the app, in Playwright terms."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError


def login(page: Page, base: str, username: str, password: str) -> None:
    page.goto(base)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    # The re-login cookie is set by a browser component just after the login run; a new page
    # opened before it lands would be a new, logged-out session.
    for _ in range(100):
        if any(c["name"] == "ops_console_auth" for c in page.context.cookies()):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the login cookie was never set")


def logout(page: Page) -> None:
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    for _ in range(100):  # the cookie is removed by the browser component just after
        if not any(c["name"] == "ops_console_auth" for c in page.context.cookies()):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the login cookie was never removed")


def choose(page: Page, scope: Page | Locator, label: str, option: str) -> None:
    """Pick an option of a Streamlit selectbox by its label, inside `scope`."""
    box = scope.get_by_role("combobox", name=label)
    wanted = page.get_by_role("option", name=option, exact=True)
    for _ in range(3):
        # On a loaded machine a click can land while the page is still laying out a just-opened expander:
        # the picker takes focus and its list stays shut. Open it again rather than wait on a list that never comes.
        box.click()
        try:
            wanted.wait_for(state="visible", timeout=5_000)
            break
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
    wanted.click()


def fill(scope: Page | Locator, label: str, value: str) -> None:
    """Type into a text or number field by its label, then leave it so Streamlit takes the value."""
    field = scope.get_by_label(label, exact=True).and_(scope.locator("input, textarea")).first
    field.fill(value)
    field.press("Tab")


def form(page: Page, index: int = 0) -> Locator:
    """The n-th st.form of the page."""
    return page.get_by_test_id("stForm").nth(index)


def settle(page: Page) -> None:
    """Wait until the rerun a click or a typed value started has replaced every stale element.

    While a script reruns, Streamlit keeps the previous run's elements (marked data-stale) next to
    the new ones, so a locator can briefly match a widget twice.
    """
    expect(page.locator('[data-testid="stElementContainer"][data-stale="true"]')).to_have_count(0, timeout=15_000)
