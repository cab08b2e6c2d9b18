"""Screenshots of the shipped catalog's library page, for the README.

Exports data/catalog.json to HTML and photographs it in headless Chromium at
desktop (1280 wide) and phone (390 wide) width:

    python tests/browser/make_screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from chromium import launch

from htcat.formats import write_entries
from htcat.store.file import read_catalog

ROOT = Path(__file__).resolve().parents[2]
SHOTS = {"library-desktop.png": (1280, 900), "library-phone.png": (390, 844)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, default=ROOT / "data" / "catalog.json")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    page_bytes = write_entries(list(read_catalog(args.catalog).entries()), "html")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "library.html"
        path.write_bytes(page_bytes)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = launch(playwright)
            for name, (width, height) in SHOTS.items():
                page = browser.new_page(
                    viewport={"width": width, "height": height}, device_scale_factor=1
                )
                page.goto(path.as_uri())
                page.locator("#displaying").wait_for()
                page.screenshot(path=str(args.out / name))
                page.close()
                print(args.out / name)
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
