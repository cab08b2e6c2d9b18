"""Pages found inside documents, written for people (lines) or scripts (JSON, CSV, ids).

A hit's snippet marks each match between `htcat.index.doctext.MARK_START` and
``MARK_END``; the writer says what those become: ``[brackets]`` for a file or
a pipe, a terminal's highlight for a person looking at one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import orjson

from htcat.formats.csv import csv_line, neutralize_formula
from htcat.index.doctext import MARK_END, MARK_START, DocumentHit

HIT_FORMATS = ("table", "json", "jsonl", "csv", "ids")
HIT_FIELDS = ("entry_id", "title", "label", "url", "page", "sha256", "snippet")
BRACKETS = ("[", "]")


def marked(snippet: str, marks: tuple[str, str] = BRACKETS) -> str:
    """``snippet`` with its matches between ``marks``."""
    return snippet.replace(MARK_START, marks[0]).replace(MARK_END, marks[1])


def hit_record(hit: DocumentHit) -> dict[str, Any]:
    record = asdict(hit)
    record["snippet"] = marked(hit.snippet)
    return {name: record[name] for name in HIT_FIELDS}


def write_hits(hits: Sequence[DocumentHit], fmt: str, marks: tuple[str, str] = BRACKETS) -> str:
    """``hits`` in ``fmt`` (one of `HIT_FORMATS`); ``marks`` highlight a table's snippets."""
    if fmt == "json":
        records = [hit_record(hit) for hit in hits]
        return orjson.dumps(records, option=orjson.OPT_INDENT_2).decode() + "\n"
    if fmt == "jsonl":
        return "".join(orjson.dumps(hit_record(hit)).decode() + "\n" for hit in hits)
    if fmt == "csv":
        rows = [csv_line(HIT_FIELDS)]
        for hit in hits:
            record = hit_record(hit)
            rows.append(csv_line(neutralize_formula(str(record[name])) for name in HIT_FIELDS))
        return "".join(rows)
    if fmt == "ids":
        return "".join(f"{entry_id}\n" for entry_id in dict.fromkeys(h.entry_id for h in hits))
    return "".join(_hit_lines(hit, marks) for hit in hits)


def _hit_lines(hit: DocumentHit, marks: tuple[str, str]) -> str:
    """Three lines a hit: the entry, the link and page, the snippet; a blank line after."""
    where = f"{hit.label} <{hit.url}>" if hit.label else hit.url
    return (
        f"{hit.entry_id}  {hit.title}\n  p. {hit.page}  {where}\n  {marked(hit.snippet, marks)}\n\n"
    )
