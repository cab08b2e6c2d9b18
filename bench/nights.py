"""What a month of nightly checks costs a team's repository: lines per commit, growth.

A catalog of 10,000 links (2,500 entries of 4 PDF links) lives in a git
repository. Each simulated night every link is checked and the results are
saved through htcat's own ``save_results`` (the path ``htcat check`` takes
after the network), then the catalog and its link history are committed.
Each night 1% of the links change state: 50 working links break (404) and
50 broken ones work again; the rest answer as the night before. No network:
the results are made here, so the figures are the storage's alone.

The table shows, over the nights after the first: the lines each nightly
commit changes (median and most), the bytes git stores for them (new
objects, zlib-compressed), and the repository's size after ``git gc`` at the
end. ``--before REV`` measures the htcat of another revision the same way,
from a temporary worktree, for the before-and-after table in
docs/performance.md:

    python bench/nights.py
    python bench/nights.py --before 1c7a0ea
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ENTRIES = 2_500
LINKS_PER_ENTRY = 4
FIRST_BROKEN = 200
FLIPS = 50
"""Links that break each night, and as many that work again: 1% of 10,000 change."""


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True, stdin=None
    )
    return done.stdout


def loose_bytes(repo: Path) -> int:
    """Bytes of the repository's loose objects: what the nights added before any packing."""
    for line in git(repo, "count-objects", "-v").splitlines():
        if line.startswith("size:"):
            return int(line.split()[1]) * 1024
    return 0


def simulate(nights: int, seed: int) -> dict[str, float]:
    """Run ``nights`` nights in a fresh repository; the figures the table shows."""
    from htcat.catalog import change
    from htcat.links.catalog import save_results
    from htcat.links.results import CheckResult

    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="htcat-nights-") as folder:
        repo = Path(folder)
        env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": folder}
        os.environ.update(env)
        git(repo, "init", "-q")
        git(repo, "config", "user.name", "Nightly")
        git(repo, "config", "user.email", "nightly@example.org")
        catalog = repo / "data" / "catalog.json"
        subprocess.run(
            [sys.executable, "-m", "htcat", "--db", str(catalog), "init"],
            check=True,
            capture_output=True,
        )
        with change(catalog) as changing:
            changing.add_many(
                [
                    {
                        "id": f"entry-{n:05d}",
                        "title": f"Entry {n}",
                        "type": "report",
                        "links": [
                            {"url": f"https://docs{n % 50}.example.org/{n}/{k}.pdf", "kind": "pdf"}
                            for k in range(LINKS_PER_ENTRY)
                        ],
                    }
                    for n in range(ENTRIES)
                ],
                keep_stamps=True,
            )
        links = [
            (f"entry-{n:05d}", f"https://docs{n % 50}.example.org/{n}/{k}.pdf")
            for n in range(ENTRIES)
            for k in range(LINKS_PER_ENTRY)
        ]
        broken = set(rng.sample(range(len(links)), FIRST_BROKEN))
        data = (catalog, catalog.with_name("catalog.history.jsonl"))
        changed_lines: list[int] = []
        stored: list[int] = []
        for night in range(1, nights + 1):
            if night > 1:
                working = [i for i in range(len(links)) if i not in broken]
                healed = rng.sample(sorted(broken), FLIPS)
                broken.difference_update(healed)
                broken.update(rng.sample(working, FLIPS))
            stamp = f"2026-11-{night:02d}T02:{night % 60:02d}:00Z"
            results = [
                CheckResult(
                    entry_id=entry_id,
                    url=url,
                    kind="pdf",
                    outcome="broken" if i in broken else "ok",
                    status=404 if i in broken else 200,
                    final_url=url,
                    content_type="text/html" if i in broken else "application/pdf",
                    size=None if i in broken else 120_000,
                    error="HTTP 404 Not Found" if i in broken else None,
                    checked=stamp,
                )
                for i, (entry_id, url) in enumerate(links)
            ]
            save_results(catalog, results, lock_timeout=60.0)
            before = loose_bytes(repo)
            git(repo, "add", "--", *(str(p) for p in data if p.exists()))
            git(repo, "commit", "-q", "--allow-empty", "-m", f"nightly link check {night}")
            if night == 1:
                continue
            stats = git(repo, "diff", "--numstat", "HEAD~1", "HEAD", "--", "data")
            changed_lines.append(
                sum(
                    int(a) + int(d) for a, d, _ in (line.split("\t") for line in stats.splitlines())
                )
            )
            stored.append(loose_bytes(repo) - before)
        git(repo, "gc", "-q", "--aggressive")
        packed = sum(
            p.stat().st_size for p in (repo / ".git" / "objects").rglob("*") if p.is_file()
        )
        return {
            "nights": nights,
            "lines_median": statistics.median(changed_lines),
            "lines_most": max(changed_lines),
            "stored_median": statistics.median(stored),
            "repository_after_gc": packed,
            "catalog_bytes": catalog.stat().st_size,
        }


def report(figures: dict[str, float], label: str) -> str:
    return (
        f"{label}: {figures['nights']:.0f} nights, lines changed per nightly commit "
        f"median {figures['lines_median']:,.0f} (most {figures['lines_most']:,.0f}); "
        f"new objects per night median {figures['stored_median'] / 1024:,.0f} KB; "
        f"repository after git gc {figures['repository_after_gc'] / 1024**2:,.1f} MB; "
        f"catalog {figures['catalog_bytes'] / 1024**2:,.1f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nights", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--before", metavar="REV", help="also measure htcat at this revision")
    parser.add_argument("--label", default="htcat of this tree", help="the row's name")
    args = parser.parse_args()
    if args.before:
        root = Path(__file__).resolve().parent.parent
        with tempfile.TemporaryDirectory(prefix="htcat-before-") as folder:
            tree = Path(folder) / "tree"
            git(root, "worktree", "add", "-q", "--detach", str(tree), args.before)
            try:
                done = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--nights",
                        str(args.nights),
                        "--seed",
                        str(args.seed),
                        "--label",
                        f"htcat at {args.before}",
                    ],
                    env={**os.environ, "PYTHONPATH": str(tree / "src")},
                    check=False,
                    capture_output=True,
                    text=True,
                )
                print(done.stdout.strip() or done.stderr.strip(), flush=True)
            finally:
                git(root, "worktree", "remove", "--force", str(tree))
    print(report(simulate(args.nights, args.seed), args.label))


if __name__ == "__main__":
    main()
