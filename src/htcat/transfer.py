"""Bulk import and export: the plan behind ``htcat import`` and ``htcat export``.

Import is all or nothing unless told to skip invalid rows. Every row is read
and validated first, and every problem is collected with the row or line it
comes from; rows are matched against the catalog by id and by the normalized
URL of each link, and against each other, so duplicates inside the input are
caught too. Only a plan with no problem is applied — or, when skipping, the
plan of the good rows, the bad ones set aside with their text as it stood in
the input — in one write of the catalog, under its lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sized
from pathlib import Path
from typing import Any, Literal

from htcat.catalog import change as change_catalog
from htcat.catalog import read as read_catalog
from htcat.catalog import select_entries
from htcat.errors import InputError, InvalidEntry
from htcat.formats import read_rows, write_entries
from htcat.formats.records import SourceRow
from htcat.import_plan import ImportPlan, ImportRefused, PlannedRow, RejectedRow, RowProblem
from htcat.model import Entry, slugify, unique_id, validate_entry
from htcat.progress import Progress, reporting
from htcat.query import Filters, Order
from htcat.store.fs import DEFAULT_LOCK_TIMEOUT
from htcat.store.memory import Catalog
from htcat.urls import normalize_url, parse_link_text

OnConflict = Literal["skip", "update", "fail"]
ON_CONFLICT: tuple[OnConflict, ...] = ("skip", "update", "fail")


def _row_urls(raw: Mapping[str, Any]) -> list[str]:
    """The normalized URLs of a row's links, as far as they can be read before validation."""
    links = raw.get("links")
    if not isinstance(links, list):
        return []
    urls: dict[str, None] = {}
    for link in links:
        if isinstance(link, str):
            try:
                link = parse_link_text(link)
            except InvalidEntry:
                continue
        url = link.get("url") if isinstance(link, dict) else None
        if isinstance(url, str) and url.strip():
            urls.setdefault(normalize_url(url), None)
    return list(urls)


def _merged(old: Entry, raw: Mapping[str, Any]) -> Entry:
    """``old`` with the fields the row gives replaced; its id and stamps stay."""
    new = {**old, **raw, "id": old["id"]}
    for stamp in ("created", "updated"):
        if stamp in old:
            new[stamp] = old[stamp]
        else:
            new.pop(stamp, None)
    return new


def _keep_link_checks(entry: Entry, old: Entry) -> None:
    """Carry the last check result over to links the row gives without one (CSV has none)."""
    checks = {
        normalize_url(link["url"]): link["check"]
        for link in old.get("links", ())
        if isinstance(link, dict) and isinstance(link.get("url"), str) and link.get("check")
    }
    for link in entry["links"]:
        if link.get("check") is None:
            link["check"] = checks.get(normalize_url(link["url"]))


def _how(found: dict[str, tuple[str, str]]) -> str:
    """How a row matches: ``same id``, ``same link URL``, or each entry when several."""
    hows = {m: "same id" if f == "id" else f"same link {v}" for m, (f, v) in found.items()}
    if len(hows) == 1:
        return next(iter(hows.values()))
    return "; ".join(f"entry {m!r} ({how})" for m, how in hows.items())


class _Planner:
    """Matches rows against the catalog and each other; collects every problem."""

    def __init__(self, existing: Iterable[Entry], on_conflict: OnConflict) -> None:
        if on_conflict not in ON_CONFLICT:
            raise InputError(
                f"--on-conflict {on_conflict!r}: expected one of {', '.join(ON_CONFLICT)}"
            )
        self.on_conflict = on_conflict
        self.by_id: dict[str, Entry] = {}
        self.by_url: dict[str, dict[str, None]] = {}
        for entry in existing:
            ident = str(entry.get("id", ""))
            self.by_id[ident] = entry
            for url in _row_urls(entry):
                self.by_url.setdefault(url, {})[ident] = None
        self.seen_ids: dict[str, str] = {}
        self.seen_urls: dict[str, str] = {}
        self.claimed: dict[str, str] = {}
        self.problems: list[RowProblem] = []
        self.row_problems: list[RowProblem] = []
        """The problems of the row being planned, every one of them."""
        self.rejected: list[RejectedRow] = []

    def refuse(self, row: SourceRow, field: str, value: object, reason: str) -> None:
        self.row_problems.append(RowProblem(row.where, field, value, reason))

    def _duplicate(
        self, row: SourceRow, ident: str, urls: list[str], matches: list[str]
    ) -> tuple[str, object, str] | None:
        """The field, value and reason why ``row`` repeats an earlier row; remembers this row."""
        found: tuple[str, object, str] | None = None
        if ident and ident in self.seen_ids:
            found = ("id", ident, f"same id as {self.seen_ids[ident]}")
        for url in urls:
            if found is None and url in self.seen_urls:
                found = ("links", url, f"same link as {self.seen_urls[url]}")
        for match in matches:
            if found is None and match in self.claimed:
                found = ("links", urls, f"matches entry {match!r} like {self.claimed[match]}")
        if ident:
            self.seen_ids.setdefault(ident, row.where)
        for url in urls:
            self.seen_urls.setdefault(url, row.where)
        for match in matches:
            self.claimed.setdefault(match, row.where)
        return found

    def _matches(self, ident: str, urls: list[str]) -> dict[str, tuple[str, str]]:
        """The existing entries a row matches, each with the field and value it matches by."""
        found: dict[str, tuple[str, str]] = {}
        if ident in self.by_id:
            found[ident] = ("id", ident)
        for url in urls:
            for match in self.by_url.get(url, ()):
                found.setdefault(match, ("links", url))
        return found

    def plan_row(self, row: SourceRow) -> PlannedRow | None:
        """The row's action, or None when it has problems (each one kept in ``problems``)."""
        self.row_problems = []
        planned = self._planned(row)
        if self.row_problems:
            self.problems.extend(self.row_problems)
            self.rejected.append(RejectedRow(row.where, row.raw, tuple(self.row_problems)))
            return None
        return planned

    def _planned(self, row: SourceRow) -> PlannedRow | None:
        for p in row.problems:
            self.refuse(row, p.field, p.value, p.reason)
        raw = row.data
        if not raw and row.problems:
            return None  # nothing was read from the row: nothing more to say about it
        ident = raw["id"] if isinstance(raw.get("id"), str) else ""
        urls = _row_urls(raw)
        found = self._matches(ident, urls)
        matches = list(found)
        duplicate = self._duplicate(row, ident, urls, matches)
        old = self.by_id[matches[0]] if len(matches) == 1 else None
        try:
            entry = validate_entry(_merged(old, raw) if old is not None else raw)
        except InvalidEntry as exc:
            for p in exc.problems:
                self.refuse(row, p.field, p.value, p.reason)
            return None
        title = entry["title"]
        if duplicate is not None:
            field, value, why = duplicate
            if self.on_conflict == "skip":
                return PlannedRow(
                    row.where, "skip", ident, title, f"duplicate in input: {why}", entry
                )
            self.refuse(row, field, value, f"duplicate in the input: {why}")
            return None
        if not matches:
            return PlannedRow(row.where, "add", ident, title, "new", entry)
        how = _how(found)
        if self.on_conflict == "skip":
            return PlannedRow(row.where, "skip", matches[0], title, how, entry)
        if self.on_conflict == "fail":
            for match, (field, value) in found.items():
                if field == "id":
                    reason = "is already in the catalog"
                else:
                    reason = f"is already a link of entry {match!r}"
                self.refuse(row, field, value, reason + "; use --on-conflict skip or update")
            return None
        if old is None:
            self.refuse(row, "links", urls, f"matches more than one entry: {how}; cannot update")
            return None
        if ident and ident != old["id"]:
            self.refuse(
                row, "id", ident, f"the links are those of entry {old['id']!r}; ids never change"
            )
            return None
        _keep_link_checks(entry, old)
        if entry == old:
            return PlannedRow(row.where, "skip", old["id"], title, "unchanged", entry)
        return PlannedRow(row.where, "update", old["id"], title, how, entry)

    def name_new_entries(self, planned: list[PlannedRow]) -> list[PlannedRow]:
        """Give added rows without an id one made from the title, as `add` would."""
        taken = set(self.by_id) | set(self.seen_ids)
        named = []
        for row in planned:
            if row.action == "add" and not row.id:
                ident = unique_id(slugify(row.title), taken)
                taken.add(ident)
                row = PlannedRow(
                    row.where, "add", ident, row.title, row.reason, {**row.entry, "id": ident}
                )
            named.append(row)
        return named


def plan_import(
    existing: Iterable[Entry],
    rows: Iterable[SourceRow],
    *,
    on_conflict: OnConflict = "fail",
    skip_invalid: bool = False,
    source: str = "input",
    progress: Progress | None = None,
    total: int | None = None,
) -> ImportPlan:
    """What importing ``rows`` into a catalog holding ``existing`` would do.

    Raises `ImportRefused` listing every problem of every row when any row is
    bad, or conflicts with the catalog under ``on_conflict="fail"``; with
    ``skip_invalid`` such rows are left out of the plan and listed in its
    ``rejected`` instead. ``total`` is the number of rows progress reports,
    when ``rows`` has no length.
    """
    planner = _Planner(existing, on_conflict)
    if total is None:
        total = len(rows) if isinstance(rows, Sized) else 0
    planned = []
    for row in reporting(rows, progress, total):
        result = planner.plan_row(row)
        if result is not None:
            planned.append(result)
    if planner.problems and not skip_invalid:
        raise ImportRefused(source, planner.problems)
    return ImportPlan(tuple(planner.name_new_entries(planned)), tuple(planner.rejected))


def _taken(rows: list[SourceRow]) -> Iterator[SourceRow]:
    """The rows in order, each dropped from ``rows`` as it is handed out.

    A row's data is then freed once the row is planned: an import never holds
    every row as read beside every entry as validated.
    """
    rows.reverse()
    while rows:
        yield rows.pop()


def apply_plan(catalog: Catalog, plan: ImportPlan) -> None:
    """Add and update the catalog's entries as planned; the catalog writes it all at once."""
    added = [row.entry for row in plan.with_action("add")]
    updated = [row.entry for row in plan.with_action("update")]
    if added:
        catalog.add_many(added, keep_stamps=True, validated=True)
    if updated:
        catalog.replace_many(updated, validated=True)


def import_data(
    path: Path,
    data: bytes,
    fmt: str,
    *,
    source: str = "input",
    on_conflict: OnConflict = "fail",
    skip_invalid: bool = False,
    keep_unknown: bool = False,
    dry_run: bool = False,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    progress: Progress | None = None,
) -> ImportPlan:
    """Import ``data`` (in ``fmt``) into the catalog at ``path`` in one write, or not at all.

    The input is read and checked before the catalog is locked; the plan is
    made under the lock, against the catalog as it is then. ``dry_run``
    makes the plan and writes nothing. ``skip_invalid`` imports the valid rows
    and returns the others, with their text as it stood, in the plan's ``rejected``.
    """
    rows = read_rows(
        data,
        fmt,
        source=source,
        keep_unknown=keep_unknown,
        unknown_in_every_row=skip_invalid,
        keep_raw=skip_invalid,
    )
    return import_rows(
        path,
        rows,
        source=source,
        on_conflict=on_conflict,
        skip_invalid=skip_invalid,
        dry_run=dry_run,
        lock_timeout=lock_timeout,
        progress=progress,
    )


def import_rows(
    path: Path,
    rows: list[SourceRow],
    *,
    source: str = "input",
    on_conflict: OnConflict = "fail",
    skip_invalid: bool = False,
    dry_run: bool = False,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    progress: Progress | None = None,
) -> ImportPlan:
    """Import rows already read (`read_rows`) as `import_data` does; ``rows`` is emptied.

    Each row is let go as soon as it is planned, so that a large import holds
    the rows as read and the entries as validated only in part at any time;
    the caller should hold no other reference to the rows or to the input bytes.
    """
    total = len(rows)
    if dry_run:
        existing = read_catalog(path).entries()
        return plan_import(
            existing,
            _taken(rows),
            on_conflict=on_conflict,
            skip_invalid=skip_invalid,
            source=source,
            progress=progress,
            total=total,
        )
    with change_catalog(path, lock_timeout) as catalog:
        plan = plan_import(
            catalog.entries(),
            _taken(rows),
            on_conflict=on_conflict,
            skip_invalid=skip_invalid,
            source=source,
            progress=progress,
            total=total,
        )
        apply_plan(catalog, plan)
    return plan


def export_data(
    path: Path,
    fmt: str,
    *,
    filters: Filters | None = None,
    order: Order | None = None,
    include_internal: bool = False,
    progress: Progress | None = None,
    building: Progress | None = None,
) -> tuple[bytes, int]:
    """The entries of the catalog at ``path`` that match ``filters``, in ``fmt``; and how many.

    Selected and sorted exactly as `list` does (by date, newest first, unless
    ``order`` says otherwise). ``progress`` is told of the entries written,
    ``building`` of the index's when it must be built first.
    """
    page = select_entries(path, filters or Filters(), order or Order(), building)
    count = len(page.entries)
    data = write_entries(
        reporting(page.entries, progress, count), fmt, include_internal=include_internal
    )
    return data, count
