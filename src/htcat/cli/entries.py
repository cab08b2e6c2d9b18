"""Commands on single entries: init, add, show, edit, remove."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import orjson
import typer

from htcat.catalog import Choice, entries_chosen, get_entry
from htcat.cli.completion import (
    complete_ids,
    complete_link_kind,
    complete_statuses,
    complete_tags,
    complete_types,
)
from htcat.cli.options import EntryIds, Selection, selection_options
from htcat.cli.output import entry_text, info
from htcat.cli.progress import index_build_bar
from htcat.cli.state import State, state_of
from htcat.cli.tables import terminal_width
from htcat.docsearch import documents_of, linked_documents
from htcat.edits import EntryEdit, apply_edit, parse_assignment
from htcat.errors import InputError, InvalidEntry
from htcat.model import DEFAULT_TYPE, STATUSES, TYPES, Entry, validate_entry
from htcat.plurals import counted
from htcat.store.file import init_catalog
from htcat.store.memory import Catalog

Many = Annotated[list[str], typer.Option(show_default=False)]


def init(ctx: typer.Context) -> None:
    """Create an empty catalog (never overwrites one).

    Example:

    \b
        htcat --db data/catalog.json init
    """
    path = state_of(ctx).path
    init_catalog(path)
    info(f"created empty catalog {path}")


def add(
    ctx: typer.Context,
    title: Annotated[str, typer.Option(help="Title (required; asked on a terminal).")] = "",
    type_: Annotated[
        str,
        typer.Option("--type", help=f"One of: {', '.join(TYPES)}.", autocompletion=complete_types),
    ] = "",
    date: Annotated[str, typer.Option(help="YYYY, YYYY-MM or YYYY-MM-DD.")] = "",
    summary: Annotated[str, typer.Option(help="Summary; paragraphs kept.")] = "",
    publisher: Annotated[str, typer.Option(help="Publisher.")] = "",
    status: Annotated[
        str,
        typer.Option(help=f"One of: {', '.join(STATUSES)}.", autocompletion=complete_statuses),
    ] = "published",
    notes: Annotated[str, typer.Option(help="Internal notes, never exported.")] = "",
    tag: Annotated[
        list[str], typer.Option("--tag", help="Tag (repeatable).", autocompletion=complete_tags)
    ] = [],  # noqa: B006
    link: Annotated[
        list[str],
        typer.Option(
            "--link",
            help="URL or LABEL|URL|KIND (repeatable).",
            autocompletion=complete_link_kind,
        ),
    ] = [],  # noqa: B006
    person: Annotated[
        list[str],
        typer.Option(
            "--person", help="'Family, Given|ROLE|AFFILIATION', or {Organization} (repeatable)."
        ),
    ] = [],  # noqa: B006
    audience: Annotated[list[str], typer.Option("--audience", help="Audience (repeatable).")] = [],  # noqa: B006
    from_: Annotated[
        list[str],
        typer.Option(
            "--from",
            help="A URL, DOI or local PDF to fill the entry from (repeatable; - reads lines).",
        ),
    ] = [],  # noqa: B006
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="With --from: show the proposals; write nothing.")
    ] = False,
    format_: Annotated[
        str, typer.Option("--format", help="With --from: table, json or jsonl.")
    ] = "table",
    on_conflict: Annotated[
        str,
        typer.Option(
            help="With --from, for a resource already in the catalog: fail, skip, update."
        ),
    ] = "fail",
) -> None:
    """Add an entry and print its new id, or entries filled in from the web with --from.

    With no --title on a terminal, asks for each field instead. With --from,
    each source (a landing page or document URL, a DOI, a local PDF) is read
    politely through the link client and its metadata proposed, each value
    from the most trusted place that has it; options given beside --from win.
    A resource already in the catalog (same URL, DOI or document) is refused
    unless --on-conflict says skip or update.

    Example:

    \b
        htcat add --title "Labor Trafficking Toolkit" --type toolkit --date 2024-05 \\
          --tag labor-trafficking --link "Toolkit|https://example.org/toolkit.pdf|pdf" \\
          --person "Martinez de Vedia, Gonzalo|author|Buffett-McCain Institute" \\
          --person "{Office on Trafficking in Persons}|contributor"
        htcat add --from https://www.acf.hhs.gov/otip/report/htla-class-6 --dry-run
        htcat add --from 10.1093/ajae/aaq063 --tag labor-trafficking --format json
        cat sources.txt | htcat add --from - --on-conflict skip
    """
    state = state_of(ctx)
    if from_:
        from htcat.cli.intake import add_from

        given = {
            "title": title,
            "type": type_,
            "date": date,
            "summary": summary,
            "publisher": publisher,
            # published is every entry's status unless said otherwise: no source gives one
            "status": "" if status == "published" else status,
            "notes": notes,
            "tags": tag,
            "links": link,
            "people": person,
            "audiences": audience,
        }
        add_from(ctx, from_, given, dry_run=dry_run, format_=format_, on_conflict=on_conflict)
        return
    if dry_run or format_ != "table" or on_conflict != "fail":
        raise InputError("--dry-run, --format and --on-conflict go with --from")
    raw: Entry = {
        "title": title,
        "type": type_ or DEFAULT_TYPE,
        "date": date,
        "summary": summary,
        "publisher": publisher,
        "status": status,
        "notes": notes,
        "tags": tag,
        "links": link,
        "people": person,
        "audiences": audience,
    }
    if not title.strip():
        if not state.interactive:
            raise InputError("--title is required (no terminal to ask on)")
        from htcat.cli.forms import entry_form

        raw = entry_form(raw)
    with state.change() as catalog:
        entry = catalog.add(_without_new_duplicates(catalog, raw))
    typer.echo(entry["id"])


def show(
    ctx: typer.Context,
    entry_id: Annotated[
        str,
        typer.Argument(metavar="ID", help="An id or a unique prefix.", autocompletion=complete_ids),
    ],
    format_: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """Show one entry in full.

    Example:

    \b
        htcat show htla-class-6 --format json
    """
    path = state_of(ctx).path
    with index_build_bar() as building:
        entry = get_entry(path, entry_id, building.update)
    if format_ == "json":
        typer.echo(orjson.dumps(entry, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
    elif format_ == "text":
        hashes = (document.sha256 for document in linked_documents([entry]))
        documents = documents_of(path, hashes)
        typer.echo(entry_text(entry, documents, terminal_width(sys.stdout)), nl=False)
    else:
        raise InputError(f"--format {format_!r}: expected text or json")


@selection_options(paging=False)
def edit(
    ctx: typer.Context,
    selection: Selection,
    entry_id: Annotated[
        str | None,
        typer.Argument(
            metavar="[ID]", help="An id or a unique prefix.", autocompletion=complete_ids
        ),
    ] = None,
    set_: Annotated[
        list[str], typer.Option("--set", help="FIELD=VALUE; lists take ';' between items.")
    ] = [],  # noqa: B006
    add_tag: Many = [],  # noqa: B006
    remove_tag: Many = [],  # noqa: B006
    add_link: Annotated[
        list[str], typer.Option(help="URL or LABEL|URL|KIND.", autocompletion=complete_link_kind)
    ] = [],  # noqa: B006
    remove_link: Annotated[list[str], typer.Option(help="URL of a link to drop.")] = [],  # noqa: B006
    add_person: Annotated[
        list[str], typer.Option(help="'Family, Given|ROLE|AFFILIATION', or {Organization}.")
    ] = [],  # noqa: B006
    remove_person: Annotated[list[str], typer.Option(help="NAME of a person to drop.")] = [],  # noqa: B006
    add_audience: Many = [],  # noqa: B006
    remove_audience: Many = [],  # noqa: B006
    editor: Annotated[
        bool, typer.Option("--editor", help="Edit the entry as JSON in $VISUAL or $EDITOR.")
    ] = False,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from",
            metavar="FILE",
            help="Take the whole entry from FILE, JSON as --editor saves it ('#' lines "
            "ignored): e.g. the file a refused edit kept.",
        ),
    ] = None,
) -> None:
    """Change an entry's fields, links, people, tags and audiences, or those of every
    entry the filters select.

    On a terminal with no options, asks for each field, filled with its value.

    Example:

    \b
        htcat edit htla-class-6 --set date=2021-02 --add-tag htla \\
          --add-link "Slides|https://example.org/slides.pdf|slides"
        htcat edit --type webinar --status published --set status=archived
    """
    state = state_of(ctx)
    change = EntryEdit(
        sets=tuple(parse_assignment(s) for s in set_),
        add_tags=tuple(add_tag),
        remove_tags=tuple(remove_tag),
        add_links=tuple(add_link),
        remove_links=tuple(remove_link),
        add_people=tuple(add_person),
        remove_people=tuple(remove_person),
        add_audiences=tuple(add_audience),
        remove_audiences=tuple(remove_audience),
    )
    if not selection.filters.empty:
        if change.empty or editor:
            raise InputError("entries chosen by filters take --set, --add-… or --remove-… only")
        _edit_many(state, Choice((entry_id,) if entry_id else (), selection.filters), change)
        return
    if entry_id is None:
        raise Choice().refusal("name an entry by id, or entries by filters")
    if from_file is not None:
        _edit_from(state, entry_id, from_file, others=editor or not change.empty)
        return
    if not change.empty:
        with state.change() as catalog:
            entry = catalog.get(entry_id)
            new = _without_new_duplicates(catalog, apply_edit(entry, change), entry)
            changed = catalog.replace_many([new], validated=True)
        _report_change(entry["id"], changed)
        return
    if not state.interactive:
        raise InputError(
            "--editor needs a terminal (standard input or output is not one, or --no-input)"
            if editor
            else "nothing to change: give --set, --add-…/--remove-… or --editor"
        )
    # A person may take minutes in a form or an editor: read now, merge under the lock later.
    current = state.read().get(entry_id)
    if editor:
        from htcat.cli.editor import edit_in_editor

        saved = edit_in_editor(current, lambda edited: _replace_whole(state, current, edited))
        if saved is None:
            info(f"no change to {current['id']}")
        else:
            _report_change(current["id"], saved)
        return
    from htcat.cli.forms import entry_form

    fields = _fields(entry_form(current))
    with state.change() as catalog:
        stored = catalog.get(current["id"])
        # The form asks for some fields only, so the others stay as stored.
        new = _without_new_duplicates(catalog, {**stored, **fields}, stored)
        changed = catalog.replace_many([new], validated=True)
    _report_change(current["id"], changed)


def _edit_from(state: State, entry_id: str, path: Path, *, others: bool) -> None:
    """``edit ID --from FILE``: the whole entry as the editor would have saved it."""
    from htcat.cli.editor import text_from
    from htcat.edits import edited_entry

    if others:
        raise InputError("--from takes the whole entry: give no --editor, --set, --add-…")
    current = state.read().get(entry_id)
    edited = edited_entry(text_from(path), current)
    _report_change(current["id"], _replace_whole(state, current, edited))


def _replace_whole(state: State, current: Entry, edited: Entry) -> list[Entry]:
    """Store a whole entry from the editor: a field deleted there is deleted."""
    with state.change() as catalog:
        stored = catalog.get(current["id"])
        new = _without_new_duplicates(catalog, {"id": stored["id"], **_fields(edited)}, stored)
        return catalog.replace_many([new], validated=True)


def _edit_many(state: State, choice: Choice, change: EntryEdit) -> None:
    """Apply one change to every entry the filters select (within the id named), in one write."""
    with state.change() as catalog:
        selected = entries_chosen(catalog, choice)
        gains_links = change.add_links or any(field == "links" for field, _ in change.sets)
        if len(selected) > 1 and gains_links:
            raise InputError(
                f"the filters select {counted(len(selected), 'entry')}, but a link belongs to "
                "one entry: give --add-link or --set links= one entry's id"
            )
        new = []
        for entry in selected:
            try:
                edited = apply_edit(entry, change)
            except InvalidEntry as exc:
                raise InvalidEntry(exc.problems, where=entry["id"]) from None
            new.append(_without_new_duplicates(catalog, edited, entry))
        changed = catalog.replace_many(new, validated=True)
    if not selected:
        info("no entry matches the filters; nothing changed")
    elif changed:
        info(f"updated {counted(len(changed), 'entry')} of {len(selected):,} selected")
    else:
        info(f"no change to the {counted(len(selected), 'entry')} selected")


def _without_new_duplicates(catalog: Catalog, raw: Entry, stored: Entry | None = None) -> Entry:
    """``raw`` validated, refused if it adds a link or person twice or another entry's link."""
    from htcat.duplicates import new_duplicates

    entry = validate_entry(raw, where=raw.get("id", ""))
    problems = new_duplicates(entry, catalog.entries, stored)
    if problems:
        raise InvalidEntry(problems, where=raw.get("id", ""))
    return entry


def _report_change(ident: str, changed: list[Entry]) -> None:
    info(f"updated {ident}" if changed else f"no change to {ident}")


def _fields(entry: Entry) -> Entry:
    return {k: v for k, v in entry.items() if k not in ("id", "created", "updated")}


@selection_options(paging=False)
def remove(
    ctx: typer.Context,
    selection: Selection,
    entry_ids: EntryIds = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Remove the entries given by id or by the filters (asks on a terminal; needs --yes
    elsewhere).

    Example:

    \b
        htcat remove research-policy-otip --yes
        htcat remove --status published --type webinar --yes
    """
    state = state_of(ctx)
    choice = Choice(tuple(entry_ids or ()), selection.filters)
    if not yes:
        if not state.interactive:
            raise InputError("remove needs --yes when not run on a terminal")
        chosen = entries_chosen(state.read(), choice)
        idents = [e["id"] for e in chosen]
        if not idents:
            info(f"no entry matches; {counted(0, 'entry')} removed")
            return
        # One entry a line, by title as people know them, with the id to tell them apart.
        shown = [f"  {e['title']}  ({e['id']})" for e in chosen[:10]]
        if len(idents) > 10:
            shown.append(f"  … and {len(idents) - 10} more")
        them = "it" if len(idents) == 1 else "them"
        asked = [f"{counted(len(idents), 'entry')} selected:", *shown, f"Remove {them}?"]
        if not typer.confirm("\n".join(asked)):
            info("nothing removed")
            return
    with state.change() as catalog:
        selected = entries_chosen(catalog, choice)
        if not yes and sorted(e["id"] for e in selected) != sorted(idents):
            raise InputError(
                "the catalog changed while you were asked; nothing removed, run it again"
            )
        catalog.remove_many([e["id"] for e in selected])
    info(f"removed {counted(len(selected), 'entry')}")


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(add)
    app.command()(show)
    app.command()(edit)
    app.command()(remove)
