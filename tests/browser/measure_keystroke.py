"""Measure the library page on a large catalog: how long it takes to open and to answer a key.

Exports a generated catalog (10,000 entries unless told) to HTML, opens it in
headless Chromium and types words into the keyword box with real key events,
one key at a time. In the page, ``performance.now()`` is read when the key
goes down, when the ``input`` event starts (a capturing listener on the
document), when the page's own handler has updated the list (a listener on
the box added after the page's), and after the next frame. Chromium's trace of
the same keystrokes gives the CPU time of each ``input`` dispatch, which a
busy machine does not inflate. The figures go to ``docs/performance.md``
("HTML page"). A benchmark, not a test:

    python tests/browser/measure_keystroke.py [--entries 10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from chromium import launch
from synthetic import synthetic_entries

from htcat.formats import write_entries

WORDS = ["labor trafficking", "health care", "survivor leaders", "cafe", "screening youth"]
HOOKS = """() => {
  window.__keys = [];
  document.addEventListener("keydown", () => { window.__down = performance.now(); }, true);
  document.addEventListener("input", () => { window.__start = performance.now(); }, true);
  document.getElementById("keyword").addEventListener("input", () => {
    const end = performance.now();
    const down = window.__down, start = window.__start;
    requestAnimationFrame(() => setTimeout(() => window.__keys.push({
      update: end - start, handled: end - down, frame: performance.now() - down,
      shown: document.getElementById("displaying").textContent,
    }), 0));
  });
}"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="times each word is typed")
    args = parser.parse_args()

    started = time.perf_counter()
    entries = synthetic_entries(args.entries)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    page_bytes = write_entries(entries, "html")
    exported = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "library.html"
        path.write_bytes(page_bytes)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = launch(playwright)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            started = time.perf_counter()
            page.goto(path.as_uri())
            opened = time.perf_counter() - started
            ready = page.evaluate(
                "performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"
            )
            page.evaluate(HOOKS)
            box = page.locator("#keyword")
            keys: list[dict[str, float | str]] = []
            browser.start_tracing(page=page, categories=["devtools.timeline"])
            for _ in range(args.runs):
                for word in WORDS:
                    box.fill("")
                    page.evaluate("window.__keys = []")
                    for n, char in enumerate(word, 1):
                        page.keyboard.press("Space" if char == " " else char)
                        page.wait_for_function("n => window.__keys.length >= n", arg=n)
                    keys += page.evaluate("window.__keys")
            trace = json.loads(browser.stop_tracing())
            browser.close()
    cpu = [
        e["tdur"] / 1000
        for e in (trace["traceEvents"] if isinstance(trace, dict) else trace)
        if e.get("name") == "EventDispatch"
        and e.get("args", {}).get("data", {}).get("type") == "input"
        and "tdur" in e
    ]
    update = [float(k["update"]) for k in keys]
    frame = [float(k["frame"]) for k in keys]
    print(f"catalog: {args.entries:,} generated entries ({generated:.1f} s to generate)")
    print(f"export:  {len(page_bytes) / 1e6:.1f} MB of HTML in {exported:.1f} s")
    print(
        f"open:    {opened:.2f} s to load; DOMContentLoaded (script done) at {ready / 1000:.2f} s"
    )
    print(f"keys:    {len(keys)} keystrokes over {args.runs} runs of {len(WORDS)} words")
    figures = (("update", update), ("update, CPU time", cpu), ("key to next frame", frame))
    for name, values in figures:
        print(
            f"  {name}: median {statistics.median(values):.1f} ms, "
            f"p95 {percentile(values, 0.95):.1f} ms, max {max(values):.1f} ms"
        )
    print(f"  last: {keys[-1]['shown']}")
    print(f"host:    {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
