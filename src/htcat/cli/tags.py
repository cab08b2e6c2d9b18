"""Commands on tags: tag many entries at once, count tags, rename or merge a tag."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from htcat.catalog import Choice, entries_chosen, tag_counts
from htcat.cli.completion import complete_tags
from htcat.cli.options import EntryIds, Selection, selection_options
from htcat.cli.output import info
from htcat.cli.progress import index_build_bar
from htcat.cli.state import state_of
from htcat.cli.tables import table
from htcat.errors import InputError
from htcat.plurals import counted
from htcat.tags import normalize_tag, normalize_tags

tags_app = typer.Typer()


@selection_options(paging=False)
def tag(
    ctx: typer.Context,
    selection: Selection,
    entry_ids: EntryIds = None,
    add: Annotated[
        list[str],
        typer.Option("--add", help="Tag to add (repeatable).", autocompletion=complete_tags),
    ] = [],  # noqa: B006
    remove: Annotated[
        list[str],
        typer.Option("--remove", help="Tag to remove (repeatable).", autocompletion=complete_tags),
    ] = [],  # noqa: B006
    all_: Annotated[bool, typer.Option("--all", help="Every entry, when no id or filter.")] = False,
) -> None:
    """Add and remove tags on the entries given by id or by the filters, in one write.

    Example:

    \b
        htcat tag --type webinar --since 2019 --add training --remove draft
        htcat tag htla-class-6 --add leadership
    """
    if not add and not remove:
        raise InputError("give --add TAG or --remove TAG")
    added, removed = normalize_tags(add), set(normalize_tags(remove))
    with state_of(ctx).change() as catalog:
        changed = []
        choice = Choice(tuple(entry_ids or ()), selection.filters, every=all_)
        for entry in entries_chosen(catalog, choice):
            tags = [t for t in entry.get("tags", []) if t not in removed]
            new_tags = normalize_tags([*tags, *added])
            if new_tags != entry.get("tags", []):
                changed.append({**entry, "tags": new_tags})
        catalog.replace_many(changed)
    info(f"changed tags on {counted(len(changed), 'entry')}")


@tags_app.callback(invoke_without_command=True)
def tags(
    ctx: typer.Context,
    format_: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Every tag with the number of entries that carry it, most used first.

    Example:

    \b
        htcat tags
        htcat tags rename otip hhs-otip
    """
    if ctx.invoked_subcommand:
        return
    with index_build_bar() as building:
        counts = tag_counts(state_of(ctx).path, building.update)
        ranked = sorted(counts, key=lambda item: (-item[1], item[0]))
    if format_ == "json":
        import orjson

        sys.stdout.write(orjson.dumps(dict(ranked), option=orjson.OPT_INDENT_2).decode() + "\n")
    elif format_ == "table":
        typer.echo(table(ranked, ("tag", "entries")))
    else:
        raise InputError(f"--format {format_!r}: expected table or json")


@tags_app.command()
def rename(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(help="The tag to rename.", autocompletion=complete_tags)],
    new: Annotated[str, typer.Argument(help="Its new name; an existing tag merges.")],
) -> None:
    """Rename a tag everywhere, or merge it into an existing one.

    Example:

    \b
        htcat tags rename otip hhs-otip
    """
    old_tag, new_tag = normalize_tag(old), normalize_tag(new)
    if not new_tag:
        raise InputError("the new tag name is empty")
    if new_tag == old_tag:
        info(f"nothing to rename: {old!r} and {new!r} are the same tag")
        return
    with state_of(ctx).change() as catalog:
        changed = [
            {**e, "tags": normalize_tags([new_tag if t == old_tag else t for t in e["tags"]])}
            for e in catalog.entries()
            if old_tag in e.get("tags", ())
        ]
        if not changed:
            raise InputError(f"no entry has the tag {old_tag!r}")
        catalog.replace_many(changed)
    info(f"renamed {old_tag} to {new_tag} on {counted(len(changed), 'entry')}")


def register(app: typer.Typer) -> None:
    app.command()(tag)
    app.add_typer(tags_app, name="tags")
