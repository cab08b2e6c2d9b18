"""From gathered sources to entries: proposals, duplicates in the catalog, and what to write.

An existing entry is the same resource when it holds one of the proposal's
URLs (normalized), its DOI, or a fetched document with its SHA-256. What
then happens is ``on_conflict``'s: ``fail`` refuses, ``skip`` leaves it,
``update`` fills only the fields the existing entry has empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from htcat.errors import InvalidEntry
from htcat.formats.csl import doi
from htcat.intake.fetching import Gathered
from htcat.intake.findings import Findings
from htcat.intake.propose import Proposal, csl_findings, propose
from htcat.intake.sources import clean_doi
from htcat.model import EDITABLE_FIELDS, Entry, validate_entry
from htcat.urls import normalize_url

OnConflict = Literal["fail", "skip", "update"]
Action = Literal["add", "skip", "update", "refuse", "failed"]
Change = tuple[str, Any, Any]
"""A field that changes: its name, its value before, its value after."""


@dataclass
class Planned:
    """What adding one source comes to: the proposal, the action, and why."""

    given: str
    action: Action
    proposal: Proposal | None = None
    duplicates: list[str] = field(default_factory=list)
    reason: str = ""
    entry: Entry | None = None
    changes: list[Change] = field(default_factory=list)


def proposal_of(got: Gathered, options: Mapping[str, Any]) -> Proposal:
    """The entry a gathered source proposes, the user's ``options`` ranked first."""
    layers: list[Findings] = []
    if got.csl is not None:
        layers.append(csl_findings(got.csl))
    if got.findings is not None:
        layers.append(got.findings)
    proposal = propose(
        got.source,
        layers,
        options=options,
        url=got.url,
        is_pdf=got.is_pdf,
        doi=got.doi,
        sha256=got.sha256,
    )
    proposal.warnings.extend(got.warnings)
    return proposal


def _doi_of(url: str) -> str | None:
    found = doi(url)
    return clean_doi(found) if found else None


@dataclass
class _Known:
    """The catalog's URLs, DOIs and document hashes, each to the entries holding it."""

    urls: dict[str, list[str]] = field(default_factory=dict)
    dois: dict[str, list[str]] = field(default_factory=dict)
    hashes: dict[str, list[str]] = field(default_factory=dict)

    def remember(
        self,
        ident: str,
        entry: Mapping[str, Any],
        doi: str | None = None,
        sha256: str | None = None,
    ) -> None:
        for link in entry.get("links") or ():
            if not isinstance(link, Mapping) or not isinstance(link.get("url"), str):
                continue
            self.urls.setdefault(normalize_url(link["url"]), []).append(ident)
            found = _doi_of(link["url"])
            if found:
                self.dois.setdefault(found, []).append(ident)
            check = link.get("check")
            if isinstance(check, Mapping) and isinstance(check.get("sha256"), str):
                self.hashes.setdefault(check["sha256"], []).append(ident)
        if doi:
            self.dois.setdefault(doi, []).append(ident)
        if sha256:
            self.hashes.setdefault(sha256, []).append(ident)

    def matches(self, proposal: Proposal) -> list[str]:
        found: dict[str, None] = {}
        for link in proposal.entry.get("links") or ():
            found.update(dict.fromkeys(self.urls.get(normalize_url(str(link.get("url", ""))), ())))
            doi = _doi_of(str(link.get("url", "")))
            if doi:
                found.update(dict.fromkeys(self.dois.get(doi, ())))
        if proposal.doi:
            found.update(dict.fromkeys(self.dois.get(proposal.doi, ())))
        if proposal.sha256:
            found.update(dict.fromkeys(self.hashes.get(proposal.sha256, ())))
        return list(found)


def known_resources(entries: Iterable[Entry]) -> _Known:
    known = _Known()
    for entry in entries:
        known.remember(str(entry.get("id", "")), entry)
    return known


def fill_empty(
    stored: Entry, proposed: Mapping[str, Any], overwrite: Iterable[str] = ()
) -> tuple[Entry, list[Change]]:
    """``stored`` with its empty fields filled from ``proposed``, and those named replaced.

    A value a person wrote is kept unless its field is in ``overwrite``; the
    type ``other`` counts as empty, since it is what an entry gets when nobody
    said its type. Links the entry does not hold yet (a PDF the page links to)
    are added after its own, which stay as they are.
    """
    replace = set(overwrite)
    new = dict(stored)
    changes: list[Change] = []
    for name in EDITABLE_FIELDS:
        value = proposed.get(name)
        if value in (None, "", []) or name == "status":
            continue
        current = stored.get(name)
        if name == "links" and current and name not in replace:
            value = [*current, *_links_not_held(current, value)]  # its own kept, and added to
            filled = True
        else:
            empty = current in (None, "", []) or (name == "type" and current == "other")
            filled = empty or name in replace
        if filled and current != value:
            new[name] = value
            changes.append((name, current, value))
    return new, changes


def _links_not_held(
    held: Sequence[Mapping[str, Any]], links: Sequence[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """The ``links`` whose URL (normalized) none of ``held`` has."""
    urls = {normalize_url(str(link.get("url", ""))) for link in held}
    return [link for link in links if normalize_url(str(link.get("url", ""))) not in urls]


@dataclass(frozen=True)
class Failed:
    """A source that proposes nothing, and why (its URL or file named)."""

    given: str
    reason: str


def proposals_of(
    gathered: Sequence[Gathered], options: Mapping[str, Any]
) -> list[Proposal | Failed]:
    """Each gathered source's proposal, or why it has none."""
    return [
        Failed(got.source.given, got.error) if got.error is not None else proposal_of(got, options)
        for got in gathered
    ]


def plan_adds(
    proposals: Sequence[Proposal | Failed],
    catalog_entries: Iterable[Entry],
    on_conflict: OnConflict,
) -> list[Planned]:
    """What to do with each source: add it, skip it, update an entry, or refuse it.

    Sources are also matched against each other, so a URL given twice (or a
    page and its own PDF's DOI) is added once.
    """
    entries = {str(e.get("id", "")): e for e in catalog_entries}
    known = known_resources(entries.values())
    planned: list[Planned] = []
    for number, proposal in enumerate(proposals):
        if isinstance(proposal, Failed):
            planned.append(Planned(proposal.given, "failed", reason=proposal.reason))
            continue
        matches = known.matches(proposal)
        step = Planned(proposal.source.given, "add", proposal, matches)
        planned.append(step)
        in_run = [m for m in matches if m.startswith("#")]
        if in_run:
            step.action, step.reason = "skip", f"the same resource as source {in_run[0][1:]}"
            continue
        if matches and on_conflict == "fail":
            step.action = "refuse"
            step.reason = (
                f"already in the catalog as {', '.join(matches)}; use --on-conflict skip or update"
            )
            continue
        if matches and on_conflict == "skip":
            step.action, step.reason = "skip", f"already in the catalog as {', '.join(matches)}"
            continue
        if matches and len(matches) > 1:
            step.action = "refuse"
            step.reason = (
                f"matches {len(matches)} entries ({', '.join(matches)}); update one by hand"
            )
            continue
        if not proposal.entry.get("title"):
            step.action = "refuse"
            step.reason = "no title found in it; give one with --title"
            continue
        try:
            if matches:
                stored = entries[matches[0]]
                filled, step.changes = fill_empty(stored, proposal.entry)
                step.action, step.entry = "update", validate_entry(filled, where=stored["id"])
            else:
                step.entry = validate_entry(proposal.entry, where=proposal.source.given)
        except InvalidEntry as exc:
            step.action = "refuse"
            step.reason = "; ".join(f"{p.field}: {p.reason}" for p in exc.problems)
            continue
        known.remember(f"#{number + 1}", proposal.entry, proposal.doi, proposal.sha256)
    return planned
