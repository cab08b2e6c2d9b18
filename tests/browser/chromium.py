"""Debian's chromium, driven by Playwright's Python API: found, launched, explained when missing.

Shared by the browser tests and the scripts beside them (screenshots, the
keystroke measurement). Playwright's own browser download is never used.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MISSING = (
    "the browser tests need Debian's chromium, and {what}. Install it as root with "
    "`apt-get install -y chromium` (.ci/run does), or point HTCAT_CHROMIUM at a "
    "Chromium binary. Never `playwright install`: it downloads a browser."
)


class ChromiumMissing(RuntimeError):
    """No Chromium to drive; the message says how to install one."""


def chromium_path() -> str:
    """The Chromium binary: ``$HTCAT_CHROMIUM``, else ``chromium`` on the PATH."""
    given = os.environ.get("HTCAT_CHROMIUM")
    if given:
        if not Path(given).is_file():
            raise ChromiumMissing(MISSING.format(what=f"HTCAT_CHROMIUM={given} is not a file"))
        return given
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise ChromiumMissing(MISSING.format(what="no `chromium` is on the PATH"))
    return found


def launch(playwright: Playwright) -> Browser:
    """A headless Chromium; each new context gets a fresh profile from Playwright."""
    return playwright.chromium.launch(executable_path=chromium_path(), args=LAUNCH_ARGS)
