"""Sharing the catalog through git: ``git setup``, the merge and diff drivers, ``diff``,
``conflicts`` and ``resolve``. See docs/sharing.md."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from htcat.cli.output import info
from htcat.cli.state import state_of
from htcat.cli.tables import cut, table
from htcat.errors import CatalogError, ExitStatus, InputError, NewerSchema
from htcat.plurals import counted
from htcat.store.image import Image, empty_image, parse_image

git_app = typer.Typer(no_args_is_help=True)
SORTED = orjson.OPT_SORT_KEYS


def _shown_path(path: Path) -> str:
    """A path as the user would type it from here."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


@git_app.callback()
def git() -> None:
    """Make git merge and diff the catalog through htcat (set up once per clone).

    Example:

    \b
        htcat git setup
        git add .gitattributes .gitignore && git commit -m "merge the catalog with htcat"
    """


@git_app.command()
def setup(
    ctx: typer.Context,
    check: Annotated[
        bool, typer.Option("--check", help="Only say what is missing; exit 1 if anything is.")
    ] = False,
) -> None:
    """Register htcat as git's merge and diff driver for the catalog, and ignore what it derives.

    Writes .gitattributes (commit it: the whole team shares it), the driver
    commands into this clone's .git/config, and .gitignore lines for the lock,
    index, temporary files and archive beside the catalog. Safe to run again.

    Example:

    \b
        htcat git setup --check || htcat git setup
    """
    from htcat.gitrepo import setup as install
    from htcat.gitrepo import setup_state

    path = state_of(ctx).path
    if check:
        state = setup_state(path)
        for missing in state.missing:
            typer.echo(f"missing {missing}")
        if state.missing:
            info("run 'htcat git setup' to install what is missing")
            raise typer.Exit(ExitStatus.FOUND)
        info(f"git merges and diffs {state.relative} through htcat")
        return
    changed = install(path)
    if changed:
        files = " ".join(changed)
        info(f"set up; share it with: git add {files} && git commit -m 'merge with htcat'")
    else:
        info("set up: git merges and diffs the catalog through htcat")


def _parsed(raw: bytes, path: Path) -> Image:
    """A side of a diff; an empty file (a catalog not yet committed) is an empty catalog."""
    return parse_image(raw, path) if raw.strip() else empty_image()


def _read_side(path: Path) -> Image:
    from htcat.store.file import catalog_bytes

    return _parsed(catalog_bytes(path), path)


@git_app.command("merge")
def merge_driver(
    base: Annotated[Path, typer.Argument(metavar="BASE", help="The common ancestor (git's %O).")],
    ours: Annotated[
        Path, typer.Argument(metavar="OURS", help="Our side, replaced by the result (%A).")
    ],
    theirs: Annotated[Path, typer.Argument(metavar="THEIRS", help="Their side (%B).")],
    name: Annotated[
        str, typer.Argument(metavar="[PATH]", help="The catalog's path, for messages (%P).")
    ] = "",
) -> None:
    """git's merge driver: merge three catalogs by entry id, field by field, into OURS.

    Exits 0 when clean, 1 when conflicts remain, new or left by an earlier
    merge (recorded in the catalog: see 'htcat conflicts'), 2 when a side is
    from a newer htcat (OURS untouched).

    Example:

    \b
        htcat git merge base.json ours.json theirs.json data/catalog.json
    """
    from htcat.sides import merge_files

    shown = name or str(ours)
    try:
        merged = merge_files(base, ours, theirs, shown)
    except NewerSchema as exc:
        raise InputError(f"{exc}; not merged") from None
    count = merged.recorded
    if count:
        earlier = count - merged.found
        carried = f" ({earlier} from an earlier merge)" if earlier else ""
        info(
            f"htcat: {shown}: merged with {counted(count, 'conflict')}{carried}, "
            "kept as data: see 'htcat conflicts', settle with 'htcat resolve'"
        )
        raise typer.Exit(ExitStatus.FOUND)


@git_app.command()
def textconv(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A catalog file.")],
) -> None:
    """git's diff text for a catalog: one block per entry, headed by its id and title.

    A file htcat cannot read is shown as it is, so git still shows something.

    Example:

    \b
        htcat git textconv data/catalog.json | head
    """
    from htcat.catalogdiff import catalog_text

    raw = file.read_bytes()
    try:
        text = catalog_text(_parsed(raw, file)).encode()
    except CatalogError:
        text = raw
    sys.stdout.buffer.write(text)


def _catalog_at(spec: str, catalog: Path) -> Image:
    """A catalog file, or the catalog as committed in a git revision."""
    path = Path(spec)
    if path.is_file():
        return _read_side(path)
    from htcat.gitrepo import revision_bytes

    return _parsed(revision_bytes(catalog, spec), Path(f"{spec}:{catalog.name}"))


def _changes_json(changes: list[Any]) -> bytes:
    import dataclasses

    return orjson.dumps([dataclasses.asdict(c) for c in changes], option=orjson.OPT_INDENT_2)


def _value(value: Any) -> str:
    if value is None:
        return "(none)"
    text = value if isinstance(value, str) else orjson.dumps(value, option=SORTED).decode()
    return cut(" ".join(text.split()), 60)


def _field_line(field: Any) -> str:
    """``tags: added x`` for one name added to or removed from a list; else ``old → new``."""
    name, _, item = field.field.partition("[")
    if item[:-1] and field.old is None and field.new == item[:-1]:
        return f"{name}: added {field.new}"
    if item[:-1] and field.new is None and field.old == item[:-1]:
        return f"{name}: removed {field.old}"
    return f"{field.field}: {_value(field.old)} → {_value(field.new)}"


def diff(
    ctx: typer.Context,
    old: Annotated[
        str | None,
        typer.Argument(metavar="[OLD]", help="A catalog file or git revision [default: HEAD]."),
    ] = None,
    new: Annotated[
        str | None,
        typer.Argument(
            metavar="[NEW]", help="A catalog file or git revision [default: the catalog]."
        ),
    ] = None,
    format_: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    exit_code: Annotated[
        bool, typer.Option("--exit-code", help="Exit 1 when something differs.")
    ] = False,
    checks: Annotated[
        bool,
        typer.Option(
            "--checks/--no-checks",
            help="Show what link checks recorded, or only what people changed.",
        ),
    ] = True,
) -> None:
    """What changed between two catalogs, entry by entry and field by field.

    With no argument, the catalog against its last commit; with one, that
    revision or file against the catalog.

    Example:

    \b
        htcat diff HEAD~1
        htcat diff main feature --format json
        htcat diff HEAD~1 --no-checks
    """
    if format_ not in ("table", "json"):
        raise InputError(f"--format {format_!r}: expected table or json")
    from htcat.catalogdiff import diff_images

    path = state_of(ctx).path
    before = _catalog_at(old or "HEAD", path)
    after = _catalog_at(new, path) if new is not None else _read_side(path)
    changes = diff_images(before, after, checks=checks)
    if format_ == "json":
        sys.stdout.buffer.write(_changes_json(changes) + b"\n")
    else:
        marks = {"added": "+", "removed": "-", "changed": "~"}
        for change in changes:
            typer.echo(
                f"{marks[change.change]} {change.id}  {cut(' '.join(change.title.split()), 70)}"
            )
            for field in change.fields:
                typer.echo(f"    {_field_line(field)}")
    counts = {kind: sum(c.change == kind for c in changes) for kind in ("added", "changed")}
    removed = len(changes) - counts["added"] - counts["changed"]
    info(f"{counts['added']} added, {counts['changed']} changed, {removed} removed")
    if exit_code and changes:
        raise typer.Exit(ExitStatus.FOUND)


def conflicts(
    ctx: typer.Context,
    format_: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """The merge conflicts recorded in the catalog: entry, field, base, ours and theirs.

    Each conflicted field holds ours' value until 'htcat resolve' settles it.

    Example:

    \b
        htcat conflicts --format json
    """
    if format_ not in ("table", "json"):
        raise InputError(f"--format {format_!r}: expected table or json")
    from htcat.conflicts import conflicts_in, entry_sides

    found = conflicts_in(state_of(ctx).read().image)
    if format_ == "json":
        sys.stdout.buffer.write(orjson.dumps(found, option=orjson.OPT_INDENT_2) + b"\n")
    elif found:
        rows = (
            (c["id"], c["field"], *(_value(c[k]) for k in ("base", "ours", "theirs")))
            if c["field"]
            else (c["id"], "(entry)", *entry_sides(c))
            for c in found
        )
        typer.echo(
            table(
                rows,
                ("entry", "field", "base", "ours", "theirs"),
                cuttable=("base", "ours", "theirs"),
            )
        )
    count = len(found)
    info(counted(count, "conflict") if found else "no conflicts")


def _given_value(text: str, conflict: Any) -> Any:
    """``--value``: text for a text field, else JSON (a list of tags, a link)."""
    if isinstance(conflict["ours"], str) or isinstance(conflict["theirs"], str):
        return text
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise InputError(f"--value {text!r}: {conflict['field']} needs JSON ({exc.msg})") from None


def resolve(
    ctx: typer.Context,
    entry_id: Annotated[
        str, typer.Argument(metavar="ID", help="The conflicted entry's id or a unique prefix.")
    ],
    field: Annotated[
        str | None,
        typer.Argument(
            metavar="[FIELD]", help="The conflicted field; none for a whole-entry conflict."
        ),
    ] = None,
    ours: Annotated[bool, typer.Option("--ours", help="Keep our value.")] = False,
    theirs: Annotated[bool, typer.Option("--theirs", help="Take their value.")] = False,
    value: Annotated[
        str | None, typer.Option("--value", help="Set this value (JSON for lists).")
    ] = None,
) -> None:
    """Settle one merge conflict: keep ours, take theirs, or give a value.

    When the last one is settled, prints the git command that finishes the merge.

    Example:

    \b
        htcat conflicts
        htcat resolve htla-class-6 title --theirs
    """
    if ours + theirs + (value is not None) != 1:
        raise InputError("give exactly one of --ours, --theirs, --value VALUE")
    if value is not None and field is None:
        raise InputError("--value needs a FIELD; a whole-entry conflict takes --ours or --theirs")
    from htcat.conflicts import conflicts_in, find_conflict, settle

    state = state_of(ctx)
    with state.change() as catalog:
        conflict = find_conflict(catalog.image, entry_id, field)
        chosen = conflict["theirs"] if theirs else conflict["ours"]
        if value is not None:
            chosen = _given_value(value, conflict)
        settle(catalog, conflict["id"], field, chosen)
        left = len(conflicts_in(catalog.image))
    what = f"{conflict['id']} {field}" if field else conflict["id"]
    if left:
        info(f"settled {what}; {counted(left, 'conflict')} left")
        return
    info(f"settled {what}; no conflicts left")
    _print_finish(state.path)


def _print_finish(path: Path) -> None:
    """The git command that finishes the merge, rebase or cherry-pick the conflicts came from."""
    from htcat.gitrepo import in_repo, is_unmerged, operation_in_progress

    try:
        root, relative = in_repo(path)
    except InputError:
        return
    finish = operation_in_progress(root)
    if finish:
        info(f"finish with: git add {_shown_path(path)} && {finish}")
    elif is_unmerged(root, relative):
        info(f"finish with: git add {_shown_path(path)}")


def register(app: typer.Typer) -> None:
    app.add_typer(git_app, name="git")
    app.command()(diff)
    app.command()(conflicts)
    app.command()(resolve)
