"""The exported library page, opened in headless Chromium (Debian's, via Playwright).

One browser serves these tests; each test gets a fresh context (its own
profile), with the network shut: any request that is not the page's own file
fails the test, as does a script error or a console error. Without Chromium
the tests fail, saying how to install it; they never skip.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from htcat.formats import write_entries
from htcat.store.file import read_catalog

from .chromium import ChromiumMissing, launch
from .synthetic import synthetic_entries

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

SEED = Path(__file__).resolve().parents[2] / "data" / "catalog.json"
GENERATED = 27
"""Entries in the generated catalog: three pages, the last one short."""


def export_page(path: Path, entries: list[dict[str, Any]]) -> str:
    path.write_bytes(write_entries(entries, "html"))
    return path.as_uri()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Chromium, closed when the browser tests are done.

    Playwright's sync API keeps an event loop running while it is open, so it
    must not outlive this package: later tests call ``asyncio.run``.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the browser tests need Playwright's Python API: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        missing = ""
        try:
            running = launch(playwright)
        except ChromiumMissing as exc:
            missing = str(exc)
        if missing:
            pytest.fail(missing, pytrace=False)
        yield running
        running.close()


@pytest.fixture(scope="session")
def seed_page(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The file URL of the shipped catalog's page."""
    entries = list(read_catalog(SEED).entries())
    return export_page(tmp_path_factory.mktemp("seed") / "library.html", entries)


@pytest.fixture(scope="session")
def generated_page(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The file URL of a page of `GENERATED` synthetic entries."""
    entries = synthetic_entries(GENERATED)
    return export_page(tmp_path_factory.mktemp("generated") / "library.html", entries)


class Watched:
    """What a page did that a test did not ask for: requests, script errors, dialogs."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []


def open_page(browser: Browser, url: str, *, script: bool = True, width: int = 1280) -> Page:
    """``url`` in a fresh context: network refused, problems recorded on ``page.watched``."""
    context = browser.new_context(
        java_script_enabled=script, viewport={"width": width, "height": 900}
    )
    watched = Watched()

    def route(route: Any) -> None:
        if route.request.url != url:
            watched.requests.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda exc: watched.errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: watched.errors.append(msg.text) if msg.type in ("error", "warning") else None,
    )
    page.on("dialog", lambda dialog: (watched.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(url)
    page.watched = watched  # type: ignore[attr-defined]
    return page


@pytest.fixture
def pages(browser: Browser) -> Iterator[Any]:
    """Opens pages for a test; afterwards, none may have used the network, failed or alerted."""
    opened: list[Page] = []

    def opener(url: str, **kwargs: Any) -> Page:
        page = open_page(browser, url, **kwargs)
        opened.append(page)
        return page

    yield opener
    for page in opened:
        watched: Watched = page.watched  # type: ignore[attr-defined]
        page.context.close()
        assert watched.requests == [], "the page must not use the network"
        assert watched.errors == [], "the page must run without errors"
        assert watched.dialogs == [], "no text in the page may run as script"
