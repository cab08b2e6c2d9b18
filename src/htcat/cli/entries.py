"""Commands on single entries: init, add, show, edit, remove."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer

from htcat.catalog import get_entry, init_catalog
from htcat.cli.output import entry_text, info
from htcat.cli.state import state_of
from htcat.edits import EntryEdit, apply_edit, parse_assignment
from htcat.errors import InputError
from htcat.model import STATUSES, TYPES, Entry, validate_entry

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
    type_: Annotated[str, typer.Option("--type", help=f"One of: {', '.join(TYPES)}.")] = "",
    date: Annotated[str, typer.Option(help="YYYY, YYYY-MM or YYYY-MM-DD.")] = "",
    summary: Annotated[str, typer.Option(help="Summary; paragraphs kept.")] = "",
    publisher: Annotated[str, typer.Option(help="Publisher.")] = "",
    status: Annotated[str, typer.Option(help=f"One of: {', '.join(STATUSES)}.")] = "published",
    notes: Annotated[str, typer.Option(help="Internal notes, never exported.")] = "",
    tag: Annotated[list[str], typer.Option("--tag", help="Tag (repeatable).")] = [],  # noqa: B006
    link: Annotated[
        list[str], typer.Option("--link", help="URL or LABEL|URL|KIND (repeatable).")
    ] = [],  # noqa: B006
    person: Annotated[
        list[str], typer.Option("--person", help="NAME|ROLE|AFFILIATION (repeatable).")
    ] = [],  # noqa: B006
    audience: Annotated[list[str], typer.Option("--audience", help="Audience (repeatable).")] = [],  # noqa: B006
) -> None:
    """Add an entry and print its new id.

    With no --title on a terminal, asks for each field instead.

    Example:

    \b
        htcat add --title "Labor Trafficking Toolkit" --type toolkit --date 2024-05 \\
          --tag labor-trafficking --link "Toolkit|https://example.org/toolkit.pdf|pdf"
    """
    state = state_of(ctx)
    raw: Entry = {
        "title": title,
        "type": type_,
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
        entry = catalog.add(raw)
    typer.echo(entry["id"])


def show(
    ctx: typer.Context,
    entry_id: Annotated[str, typer.Argument(metavar="ID", help="An id or a unique prefix.")],
    format_: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """Show one entry in full.

    Example:

    \b
        htcat show htla-class-6 --format json
    """
    entry = get_entry(state_of(ctx).path, entry_id)
    if format_ == "json":
        typer.echo(orjson.dumps(entry, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
    elif format_ == "text":
        typer.echo(entry_text(entry), nl=False)
    else:
        raise InputError(f"--format {format_!r}: expected text or json")


def edit(
    ctx: typer.Context,
    entry_id: Annotated[str, typer.Argument(metavar="ID", help="An id or a unique prefix.")],
    set_: Annotated[
        list[str], typer.Option("--set", help="FIELD=VALUE; lists take ';' between items.")
    ] = [],  # noqa: B006
    add_tag: Many = [],  # noqa: B006
    remove_tag: Many = [],  # noqa: B006
    add_link: Annotated[list[str], typer.Option(help="URL or LABEL|URL|KIND.")] = [],  # noqa: B006
    remove_link: Annotated[list[str], typer.Option(help="URL of a link to drop.")] = [],  # noqa: B006
    add_person: Annotated[list[str], typer.Option(help="NAME|ROLE|AFFILIATION.")] = [],  # noqa: B006
    remove_person: Annotated[list[str], typer.Option(help="NAME of a person to drop.")] = [],  # noqa: B006
    add_audience: Many = [],  # noqa: B006
    remove_audience: Many = [],  # noqa: B006
    editor: Annotated[
        bool, typer.Option("--editor", help="Edit the entry as JSON in $VISUAL or $EDITOR.")
    ] = False,
) -> None:
    """Change an entry's fields, links, people, tags and audiences.

    On a terminal with no options, asks for each field, filled with its value.

    Example:

    \b
        htcat edit htla-class-6 --set date=2021-02 --add-tag htla \\
          --add-link "Slides|https://example.org/slides.pdf|slides"
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
    if not change.empty:
        with state.change() as catalog:
            entry = catalog.replace(apply_edit(catalog.get(entry_id), change))
        info(f"updated {entry['id']}")
        return
    if not editor and not state.interactive:
        raise InputError("nothing to change: give --set, --add-…/--remove-… or --editor")
    # A person may take minutes in a form or an editor: read now, merge under the lock later.
    current = state.read().get(entry_id)
    if editor:
        fields = _fields(_edit_in_editor(current))
    else:
        from htcat.cli.forms import entry_form

        fields = _fields(entry_form(current))
    with state.change() as catalog:
        stored = catalog.get(current["id"])
        # The editor hands back the whole entry, so a field deleted there is deleted;
        # the form asks for some fields only, so the others stay as stored.
        base = {"id": stored["id"]} if editor else stored
        catalog.replace({**base, **fields})
    info(f"updated {current['id']}")


def _fields(entry: Entry) -> Entry:
    return {k: v for k, v in entry.items() if k not in ("id", "created", "updated")}


def _edit_in_editor(entry: Entry) -> Entry:
    """The entry as the person saved it from $EDITOR, validated; its id cannot change."""
    import os
    import shlex
    import subprocess
    import tempfile

    command = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    text = orjson.dumps(entry, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, f"{entry['id']}.json")
        path.write_bytes(text + b"\n")
        if subprocess.call([*shlex.split(command), str(path)]) != 0:
            raise InputError(f"editor {command!r} failed; nothing changed")
        try:
            new = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError as exc:
            raise InputError(
                f"edited entry line {exc.lineno}, column {exc.colno}: {exc.msg}; nothing changed"
            ) from None
    if not isinstance(new, dict):
        raise InputError("edited entry is not a JSON object; nothing changed")
    if new.get("id") != entry["id"]:
        raise InputError(f"edited entry: id {new.get('id')!r} cannot change; nothing changed")
    return validate_entry(new, where=entry["id"])


def remove(
    ctx: typer.Context,
    entry_ids: Annotated[list[str], typer.Argument(metavar="ID...", help="Ids or prefixes.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Remove entries (asks on a terminal; needs --yes elsewhere).

    Example:

    \b
        htcat remove old-draft-report --yes
    """
    state = state_of(ctx)
    if not yes:
        if not state.interactive:
            raise InputError("remove needs --yes when not run on a terminal")
        idents = sorted({state.read().resolve(i) for i in entry_ids})
        if not typer.confirm(f"Remove {len(idents)} entries: {', '.join(idents)}?"):
            info("nothing removed")
            return
    with state.change() as catalog:
        idents = sorted({catalog.resolve(i) for i in entry_ids})
        catalog.remove_many(idents)
    info(f"removed {len(idents)} {'entry' if len(idents) == 1 else 'entries'}")


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(add)
    app.command()(show)
    app.command()(edit)
    app.command()(remove)
