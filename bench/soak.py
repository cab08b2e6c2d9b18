"""The long reliability soak: the scenarios of tests/reliability, many more times.

Not run by CI (the suite there runs each scenario a few dozen times). Prints a
Markdown table for docs/reliability.md and can save the figures as JSON.

    python bench/soak.py                    # about 1,250 kills and 3 minutes of writers
    python bench/soak.py --scale 0.2        # a quick pass
    python bench/soak.py --json soak.json

Everything talks to 127.0.0.1 only: the link test server runs in this process.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from links.server import LinkServer, pdf_bytes  # noqa: E402
from reliability.concurrency import ConcurrencyReport, run_concurrency  # noqa: E402
from reliability.crashes import KillReport, kill_runs  # noqa: E402

KILLS = {
    "add": 300,
    "edit": 200,
    "remove": 100,
    "tag --all": 150,
    "import 5,000 rows": 150,
    "check (merging results)": 150,
    "fetch": 200,
}
INTERRUPTS = {"add": 100, "tag --all": 100, "import 5,000 rows": 100}
"""SIGINT (Ctrl-C) runs: exit 130 must say truly whether the change was saved."""
WRITER_ROUNDS = 3
WRITER_SECONDS = 60.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every count")
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--part",
        choices=("all", "kill", "interrupt", "writers"),
        default="all",
        help="run one part",
    )
    options = parser.parse_args()

    server = LinkServer(pdf_bytes(3)).start()
    kills: list[tuple[signal.Signals, KillReport]] = []
    writers: list[ConcurrencyReport] = []
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="htcat-soak-") as tmp:
            folder = Path(tmp)
            plan = [(name, runs, signal.SIGKILL) for name, runs in KILLS.items()]
            plan += [(name, runs, signal.SIGINT) for name, runs in INTERRUPTS.items()]
            for n, (name, runs, sig) in enumerate(plan):
                if options.part not in ("all", "kill" if sig == signal.SIGKILL else "interrupt"):
                    continue
                count = max(4, round(runs * options.scale))
                t0 = time.monotonic()
                report = kill_runs(
                    name,
                    folder / f"kill-{n}",
                    count,
                    seed=options.seed + n,
                    link_base=server.base,
                    sig=sig,
                )
                print(f"{report.summary()} [{time.monotonic() - t0:.0f} s]", file=sys.stderr)
                kills.append((sig, report))
            seconds = max(10.0, WRITER_SECONDS * min(options.scale, 1.0))
            rounds = max(1, round(WRITER_ROUNDS * options.scale))
            for n in range(rounds if options.part in ("all", "writers") else 0):
                round_ = run_concurrency(
                    folder / f"writers-{n}",
                    seconds=seconds,
                    seed=options.seed + n,
                    link_url=server.url,
                    with_check=True,
                )
                print(
                    f"writers round {n + 1}: {round_.acknowledged} acknowledged, "
                    f"{len(round_.lost)} lost, {len(round_.unexpected)} unexpected, "
                    f"{len(round_.checks)} checks, clean={round_.clean}",
                    file=sys.stderr,
                )
                writers.append(round_)
    finally:
        server.stop()
    elapsed = time.monotonic() - started
    print("| scenario | runs | result |\n| --- | --- | --- |")
    rows = [_kill_row(sig, r) for sig, r in kills]
    if writers:
        rows.append(_writers_row(writers, seconds))
    print("\n".join(rows))
    print(f"\nsoak took {elapsed:.0f} s", file=sys.stderr)
    if options.json:
        figures: dict[str, Any] = {
            "seed": options.seed,
            "seconds": elapsed,
            "kills": [{"signal": sig.name, **asdict(r)} for sig, r in kills],
            "writers": [{**asdict(w), "counts": dict(w.counts)} for w in writers],
        }
        options.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0 if all(r.clean for _, r in kills) and all(w.clean for w in writers) else 1


def _kill_row(sig: signal.Signals, r: KillReport) -> str:
    if sig == signal.SIGINT:
        return (
            f"| Ctrl-C (SIGINT) during {r.scenario} | {r.runs} runs, {r.killed} interrupted "
            f"({r.interrupted} exit 130, {r.interrupted_after_write} of them after the write) | "
            f"{r.corrupt} corrupt catalogs, {len(r.problems)} untrue exit messages, "
            f"{r.lost} lost acknowledged writes |"
        )
    return (
        f"| SIGKILL during {r.scenario} | {r.runs} runs, {r.killed} killed ({r.mid_write} "
        f"mid-write, {r.killed_after_write} after it) | {r.corrupt} corrupt catalogs, "
        f"{r.lost} lost acknowledged "
        f"writes; states old/new/partial {r.old}/{r.new}/{r.partial}; "
        f"{r.index_mismatches} index mismatches; at most {r.max_temp_files} temporary files, "
        f"{r.temp_files_after_next_writer} after the next run |"
    )


def _writers_row(rounds: list[ConcurrencyReport], seconds: float) -> str:
    return (
        f"| 4 writers + check at once | {len(rounds)} x {seconds:.0f} s: "
        f"{sum(w.acknowledged for w in rounds)} acknowledged changes, "
        f"{sum(len(w.checks) for w in rounds)} checks | "
        f"{sum(len(w.lost) for w in rounds)} lost, "
        f"{sum(len(w.unexpected) for w in rounds)} unexpected changes, "
        f"{sum(w.refused_locked for w in rounds)} lock timeouts |"
    )


if __name__ == "__main__":
    sys.exit(main())
