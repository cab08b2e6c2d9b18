"""``add --from`` and ``enrich``: entries filled in from their landing page, DOI or PDF."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer

from htcat.catalog import Choice, entries_chosen
from htcat.cli.options import EntryIds, Selection, selection_options
from htcat.cli.output import info, warn
from htcat.cli.state import State, state_of
from htcat.errors import HtcatError, InputError
from htcat.model import EDITABLE_FIELDS, validate_entry
from htcat.plurals import counted

if TYPE_CHECKING:
    from htcat.intake.adding import Planned
    from htcat.intake.fetching import Gathered
    from htcat.intake.sources import Source
    from htcat.links.config import NetworkSettings

FORMATS = ("table", "json", "jsonl")
ON_CONFLICT = ("fail", "skip", "update")


def _settings(state: State) -> NetworkSettings:
    """check's network settings from htcat.toml (User-Agent, policy, host limits), at
    fetch's gentler pace: a few requests at a time, two to a host."""
    from htcat.intake.config import CONCURRENCY, PER_HOST
    from htcat.links.config import NetworkSettings
    from htcat.links.policy import POLICY_FILE, read_config

    config = read_config(state.path.parent / POLICY_FILE)
    options: dict[str, Any] = {
        "policy": config.policy,
        "concurrency": CONCURRENCY,
        "per_host": PER_HOST,
    }
    if config.user_agent:
        options["user_agent"] = config.user_agent
    return NetworkSettings(**options)


def _gather(state: State, sources: list[Source]) -> list[Gathered]:
    from htcat.intake.config import read_intake_config
    from htcat.intake.fetching import gather_sources
    from htcat.links.policy import POLICY_FILE

    config = read_intake_config(state.path.parent / POLICY_FILE)
    return gather_sources(sources, _settings(state), config)


def read_sources(given: Sequence[str]) -> list[Source]:
    """The sources ``--from`` names, ``-`` read from standard input one per line."""
    from htcat.intake.sources import parse_source, sources_from_lines

    sources: list[Source] = []
    for value in given:
        if value == "-":
            sources.extend(sources_from_lines(sys.stdin.read().splitlines()))
        else:
            sources.append(parse_source(value))
    if not sources:
        raise InputError("--from -: standard input named no source")
    return sources


def _record(step: Planned) -> dict[str, Any]:
    proposal = step.proposal
    record: dict[str, Any] = {"source": step.given, "action": step.action}
    if step.entry is not None:
        record["entry"] = step.entry
    elif proposal is not None:
        record["entry"] = proposal.entry
    if proposal is not None:
        record["sources"] = proposal.sources
        record["duplicates"] = step.duplicates
        record["warnings"] = proposal.warnings
    if step.reason:
        record["reason"] = step.reason
    if step.changes:
        record["changes"] = [{"field": f, "old": old, "new": new} for f, old, new in step.changes]
    return record


def _print(planned: Sequence[Planned], format_: str) -> None:
    records = [_record(step) for step in planned]
    if format_ == "json":
        typer.echo(orjson.dumps(records, option=orjson.OPT_INDENT_2).decode())
    elif format_ == "jsonl":
        for record in records:
            typer.echo(orjson.dumps(record).decode())
    else:
        from tabulate import tabulate

        rows = []
        for record in records:
            entry = record.get("entry", {})
            rows.append(
                [
                    record["action"],
                    entry.get("id", ""),
                    entry.get("type", ""),
                    entry.get("date", ""),
                    str(entry.get("title", ""))[:60],
                    record["source"][:60],
                ]
            )
        headings = ["action", "id", "type", "date", "title", "source"]
        typer.echo(tabulate(rows, headings, tablefmt="plain"))


def add_from(
    ctx: typer.Context,
    given: Sequence[str],
    options: Mapping[str, Any],
    *,
    dry_run: bool,
    format_: str,
    on_conflict: str,
) -> None:
    """``add --from``: gather every source, propose, match, then add all in one write."""
    from htcat.intake.adding import Failed, plan_adds, proposals_of

    if format_ not in FORMATS:
        raise InputError(f"--format {format_!r}: expected one of {', '.join(FORMATS)}")
    if on_conflict not in ON_CONFLICT:
        raise InputError(f"--on-conflict {on_conflict!r}: expected one of {', '.join(ON_CONFLICT)}")
    state = state_of(ctx)
    sources = read_sources(given)
    proposals = proposals_of(_gather(state, sources), options)
    # Warnings first, so that a refusal below (no title) is explained by them.
    for proposal in proposals:
        if not isinstance(proposal, Failed):
            for warning in proposal.warnings:
                warn(f"{proposal.source.given}: {warning}")
    if state.interactive and not dry_run:
        from htcat.cli.forms import entry_form

        for proposal in proposals:
            if not isinstance(proposal, Failed):
                proposal.entry = {**proposal.entry, **entry_form(proposal.entry)}
    conflict: Any = on_conflict
    if dry_run:
        planned = plan_adds(proposals, state.read().entries(), conflict)
    else:
        with state.change() as catalog:
            planned = plan_adds(proposals, catalog.entries(), conflict)
            refused = [step for step in planned if step.action == "refuse"]
            if refused:
                lines = [f"{step.given}: {step.reason}" for step in refused]
                raise InputError("nothing added:\n" + "\n".join(lines))
            added = catalog.add_many(
                [s.entry for s in planned if s.action == "add" and s.entry], validated=True
            )
            catalog.replace_many(
                [s.entry for s in planned if s.action == "update" and s.entry], validated=True
            )
            ids = iter(added)
            for step in planned:
                if step.action == "add":
                    step.entry = next(ids)
    _print(planned, format_)
    refused = [step for step in planned if step.action == "refuse"]
    if refused:  # only on a dry run: otherwise refused above, before any write
        lines = [f"{step.given}: {step.reason}" for step in refused]
        raise InputError("would add nothing:\n" + "\n".join(lines))
    failed = [step for step in planned if step.action == "failed"]
    if failed:
        reasons = "\n".join(f"{step.given}: {step.reason}" for step in failed)
        kept = counted(len(planned) - len(failed), "source")
        done = "nothing written" if dry_run else f"{kept} added or skipped"
        raise HtcatError(f"{counted(len(failed), 'source')} failed ({done}):\n{reasons}")


def _enrich_source(entry: Mapping[str, Any]) -> str | None:
    """The link to read an entry's metadata again from: its page, else its DOI, else its PDF."""
    from htcat.formats.csl import doi

    links = [link for link in entry.get("links", ()) if isinstance(link, Mapping)]
    for wanted in (("page", "webinar"), ("doi",), ("pdf",)):
        for link in links:
            url = str(link.get("url", ""))
            is_doi = doi(url) is not None
            if ("doi" in wanted and is_doi) or (not is_doi and link.get("kind") in wanted):
                return url
    return None


@selection_options(paging=False)
def enrich(
    ctx: typer.Context,
    selection: Selection,
    entry_ids: EntryIds = None,
    overwrite: Annotated[
        list[str],
        typer.Option(
            "--overwrite", help="A field to replace even when it has a value (repeatable)."
        ),
    ] = [],  # noqa: B006
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the changes; write nothing.")
    ] = False,
) -> None:
    """Fill the empty fields of entries from their landing page, DOI or PDF, read again.

    Each entry's page link is read (else its DOI, else its PDF) through the
    link client, as add --from reads a source. Only empty fields are filled
    (and a type of other), and links the entry does not hold yet are added; a
    value a person wrote is kept unless --overwrite names its field. Every
    change is printed field by field.

    Example:

    \b
        htcat enrich htla-class-6 --dry-run
        htcat enrich --type report --overwrite summary
    """
    from htcat.intake.adding import fill_empty, proposal_of
    from htcat.intake.sources import parse_source

    for name in overwrite:
        if name not in EDITABLE_FIELDS:
            raise InputError(f"--overwrite {name!r}: expected one of {', '.join(EDITABLE_FIELDS)}")
    state = state_of(ctx)
    chosen = entries_chosen(state.read(), Choice(tuple(entry_ids or ()), selection.filters))
    work = [(e, url) for e in chosen if (url := _enrich_source(e))]
    for entry in chosen:
        if _enrich_source(entry) is None:
            info(f"{entry['id']}: no page, DOI or PDF link to read; left as it is")
    gathered = _gather(state, [parse_source(url) for _, url in work])
    changed: dict[str, tuple[dict[str, Any], list[Any]]] = {}
    failures = []
    for (entry, _), got in zip(work, gathered, strict=True):
        if got.error is not None:
            failures.append(f"{entry['id']}: {got.error}")
            continue
        proposal = proposal_of(got, {})
        new, changes = fill_empty(entry, proposal.entry, overwrite)
        if changes:
            validate_entry(new, where=entry["id"])
            changed[entry["id"]] = (proposal.entry, changes)
    for ident, (_, changes) in changed.items():
        for name, old, value in changes:
            typer.echo(f"{ident}  {name}: {_shown(old)} -> {_shown(value)}")
    if changed and not dry_run:
        with state.change() as catalog:
            # Filled again under the lock: a field someone wrote meanwhile is kept.
            renewed = [
                fill_empty(catalog.get(i), found, overwrite)[0] for i, (found, _) in changed.items()
            ]
            catalog.replace_many(renewed)
    what = "would change" if dry_run else "changed"
    info(f"{what} {counted(len(changed), 'entry')} of {len(chosen):,} selected")
    if failures:
        raise HtcatError("\n".join(failures))


def _shown(value: object) -> str:
    if value in (None, "", []):
        return "(empty)"
    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    return text if len(text) <= 80 else text[:79] + "…"


def register(app: typer.Typer) -> None:
    app.command()(enrich)
