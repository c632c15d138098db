"""What every browser test does the same way: open a fresh browser context for a person (its
own cookies), record what must never happen in it (a Content-Security-Policy violation, and
where asked a script error), and sign in through the login form as a person would."""

from __future__ import annotations

from collections.abc import Iterator

from tests.factories import PASSWORD


def pages(chromium_browser, live_server, *, timeout_ms: int, page_errors: bool) -> Iterator:
    """Yield ``make(viewport)`` or ``make(width=, height=, locale=)`` → a page in a context of
    its own; on teardown close the contexts and fail if any page met a CSP violation (or, with
    ``page_errors``, a script error)."""
    contexts = []
    problems: list[str] = []

    def make(viewport: dict | None = None, *, width=1280, height=900, locale: str = "vi-VN"):
        viewport = viewport or {"width": width, "height": height}
        context = chromium_browser.new_context(viewport=viewport, locale=locale, base_url=live_server.url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(timeout_ms)
        page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
        if page_errors:
            page.on("pageerror", lambda e: problems.append(str(e)))
        return page

    yield make
    for context in contexts:
        context.close()
    assert problems == [], problems


def log_in(page, username: str) -> None:
    """Sign in with the factories' password through the login form."""
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_load_state()
