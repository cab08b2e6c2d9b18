"""The health report of a catalog's links as JSON, Markdown, or the rows of a table.

Markdown is written to be mailed each week: a heading, one section per
question (newly broken, fixed, broken for long, flapping), then the hosts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from htcat.formats.markdown import escape_inline
from htcat.health import HealthReport, LinkHealth

GROUPS = (
    ("newly_broken", "Newly broken"),
    ("fixed", "Fixed"),
    ("chronic", "Broken for {broken_days} days and more"),
    ("flapping", "Flapping: {flap_changes} changes or more within {flap_days} days"),
)
TABLE_HEADINGS = ("group", "entry", "kind", "outcome", "since", "changes", "url")


def group_title(report: HealthReport, title: str) -> str:
    return title.format(
        broken_days=report.broken_days,
        flap_changes=report.flap_changes,
        flap_days=report.flap_days,
    )


def health_json(report: HealthReport) -> str:
    """Every group with its links, and the counts by host."""
    data: dict[str, Any] = {
        "since": report.since,
        "until": report.until,
        "broken_days": report.broken_days,
        "flap_changes": report.flap_changes,
        "flap_days": report.flap_days,
    }
    for group, _ in GROUPS:
        data[group] = [_link_record(link) for link in getattr(report, group)]
    data["hosts"] = [{"host": host, **counts} for host, counts in report.by_host()]
    return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n"


def _link_record(link: LinkHealth) -> dict[str, Any]:
    return {
        "entry_id": link.entry_id,
        "url": link.url,
        "kind": link.kind,
        "host": link.host,
        "outcome": link.outcome,
        "since": link.since,
        "changes": link.changes,
        "error": link.error,
    }


def health_rows(report: HealthReport) -> list[tuple[str, ...]]:
    """One row per link in each group, for a table."""
    return [
        (
            group,
            link.entry_id,
            link.kind,
            link.outcome,
            link.since[:10],
            str(link.changes),
            link.url,
        )
        for group, _ in GROUPS
        for link in getattr(report, group)
    ]


def health_markdown(report: HealthReport) -> str:
    """A page to mail: each group as a list, then the hosts as a table."""
    lines = [f"# Link health from {report.since[:10]} to {report.until[:10]}", ""]
    for group, title in GROUPS:
        links: Sequence[LinkHealth] = getattr(report, group)
        lines += [f"## {group_title(report, title)} ({len(links)})", ""]
        if not links:
            lines += ["None.", ""]
            continue
        for link in links:
            error = f" — {escape_inline(link.error)}" if link.error else ""
            lines.append(
                f"- `{link.entry_id}` {link.kind}: {escape_inline(link.url)} "
                f"({link.outcome} since {link.since[:10]}){error}"
            )
        lines.append("")
    hosts = report.by_host()
    lines += ["## By host", ""]
    if not hosts:
        return "\n".join([*lines, "No link changed.", ""])
    lines += ["| host | newly broken | fixed | broken long | flapping |", "|---|---|---|---|---|"]
    for host, counts in hosts:
        cells = [escape_inline(host or "(none)")]
        cells += [str(counts[g]) for g, _ in GROUPS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
