"""The Typer app: global options, and the one place errors become messages and exit statuses."""

from __future__ import annotations

import gc
import importlib
import math
import os
import shlex
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from typer._click.exceptions import UsageError  # the click that Typer carries within
from typer.core import TyperGroup

from htcat import __version__
from htcat.cli.output import error, warn
from htcat.cli.state import State
from htcat.errors import ExitStatus, HtcatError
from htcat.store.fs import DEFAULT_LOCK_TIMEOUT, files_written


class _HtcatGroup(TyperGroup):
    """Turns htcat's exceptions and Ctrl-C into a one-line message and the spec's exit status."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        ctx.meta[_COMMAND_LINE] = list(args)
        try:
            return super().parse_args(ctx, args)
        except UsageError as exc:
            _usage_error(exc)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except HtcatError as exc:
            error(str(exc))
            raise typer.Exit(exc.exit_code) from None
        except (KeyboardInterrupt, EOFError, typer.Abort):
            # Ctrl-C anywhere, or Ctrl-D at a prompt (which click would report as
            # "Aborted!" with status 1, the status for "something wrong was found").
            written = files_written()
            if written:
                error(f"interrupted, but only after {written[-1]} was written in full")
            else:
                error("interrupted; nothing was written")
            raise typer.Exit(ExitStatus.INTERRUPTED) from None
        except BrokenPipeError:
            # The reader went away (`htcat list | head -1`). Click would exit 1, which
            # here means "something wrong was found"; leave quietly as SIGPIPE would.
            _silence_stdout()
            raise typer.Exit(ExitStatus.PIPE_CLOSED) from None
        except typer.TyperException as exc:
            _say_where_globals_go(exc, ctx.meta.get(_COMMAND_LINE, []))
            if not isinstance(exc, UsageError):
                raise
            _usage_error(exc)


def _usage_error(exc: UsageError) -> NoReturn:
    """One error style: click's "Usage: … Error: …" block becomes htcat's own line."""
    where = exc.ctx.command_path if exc.ctx is not None else "htcat"
    error(f"{exc.format_message()} (see '{where} -h')")
    raise typer.Exit(ExitStatus.USAGE) from None


def _say_where_globals_go(exc: typer.TyperException, args: list[str]) -> None:
    """Make click's "No such option: --db", given after the command, say where it goes."""
    option = str(getattr(exc, "option_name", "")).partition("=")[0]
    if option not in _GLOBAL_OPTIONS or not hasattr(exc, "possibilities"):
        return
    words = list(args)
    found = [i for i, w in enumerate(words) if w.partition("=")[0] == option]
    if not found:
        return
    moved: list[str] = []
    for at in reversed(found):  # the last one given is kept, once, before the command
        taken = 2 if option in _VALUED_GLOBALS and "=" not in words[at] else 1
        moved = moved or words[at : at + taken]
        del words[at : at + taken]
    twice = f"{option} is given twice; give it once" if len(found) > 1 else ""
    exc.message = (
        f"{twice or f'{option} is a global option'}: put it before the command: "
        + shlex.join(["htcat", *moved, *words])
    )
    exc.possibilities = None


COMMAND_MODULES = {
    "init": "entries", "add": "entries", "show": "entries", "edit": "entries",
    "remove": "entries", "tag": "tags", "tags": "tags", "list": "listing",
    "search": "listing", "import": "transfer", "export": "transfer", "check": "links",
    "fetch": "links", "doctor": "doctor", "health": "health", "nightly": "nightly",
    "rebuild-text": "doctext",
    "enrich": "intake",
    "git": "sharing", "diff": "sharing", "conflicts": "sharing", "resolve": "sharing",
}  # fmt: skip
"""Which module of htcat.cli defines each command."""
_VALUED_GLOBALS = ("--db", "--lock-timeout")
_GLOBAL_OPTIONS = (*_VALUED_GLOBALS, "--no-input")
_COMMAND_LINE = "htcat.command_line"
"""Where the group keeps its arguments, to say where a misplaced global option goes."""


def _finite_wait(value: float) -> float:
    """A lock timeout is a real number of seconds: nan, infinities and negatives mean a hang."""
    if not math.isfinite(value) or value < 0:
        raise typer.BadParameter(f"{value:g}: expected a number of seconds, 0 or more")
    return value


def _show_version(value: bool) -> None:
    if value:
        from htcat.store.image import SCHEMA_VERSION

        commit = _source_commit()
        built = f", git {commit}" if commit else ""
        typer.echo(f"htcat {__version__} (catalog schema {SCHEMA_VERSION}{built})")
        raise typer.Exit(ExitStatus.OK)


def _source_commit() -> str | None:
    """The commit htcat runs from when it runs from a git checkout of its own source
    (``-dirty`` when files differ from it); None for an installed release."""
    import subprocess

    root = Path(__file__).resolve().parents[3]
    if not (root / "src" / "htcat" / "__init__.py").is_file() or not (root / ".git").exists():
        return None
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "describe", "--always", "--dirty", "--abbrev=12"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head or None


def _global_options(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            help="Catalog file [default: $HTCAT_DB, else data/catalog.json].",
            show_default=False,
        ),
    ] = None,
    no_input: Annotated[
        bool, typer.Option("--no-input", help="Never ask questions, even on a terminal.")
    ] = False,
    lock_timeout: Annotated[
        float,
        typer.Option(
            help="Seconds to wait for another htcat to finish changing the catalog.",
            callback=_finite_wait,
        ),
    ] = DEFAULT_LOCK_TIMEOUT,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Keep a catalog of resources on human trafficking: add, find, tag, check links.

    Exit status: 0 done; 1 done and something wrong was found; 2 bad usage or
    input; 3 the catalog could not be read or written; 70 an internal error
    (a bug in htcat); 130 interrupted.

    Example:

    \b
        htcat list --tag supply-chains --since 2021
    """
    ctx.obj = State(db=db, no_input=no_input, lock_timeout=lock_timeout)
    if ctx.invoked_subcommand != "git":
        _warn_unregistered_driver(ctx.obj.path)


def _warn_unregistered_driver(catalog: Path) -> None:
    """One line on every command while this clone lacks the merge driver its team shares."""
    from htcat.gitrepo import unregistered_driver

    root = unregistered_driver(catalog)
    if root is not None:
        warn(
            f"{root / '.gitattributes'} merges the catalog with htcat, but this clone "
            "has not registered it: run 'htcat git setup'"
        )


def build_app(command: str | None = None) -> typer.Typer:
    """The app with every command, or with only ``command``'s module when it is known.

    Building Typer's commands and importing their modules is most of htcat's
    start-up beyond Typer itself, so a run of one command builds only that one.
    """
    app = typer.Typer(
        cls=_HtcatGroup,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(_global_options)
    module = COMMAND_MODULES.get(command or "")
    names = [module] if module else list(dict.fromkeys(COMMAND_MODULES.values()))
    for name in names:
        importlib.import_module(f"htcat.cli.{name}").register(app)
    return app


def command_named(args: list[str]) -> str | None:
    """The command a command line runs, after the global options; None for none or help."""
    words = iter(args)
    for word in words:
        if word in _VALUED_GLOBALS:
            next(words, None)
        elif word in ("-h", "--help") or not word.startswith("-"):
            return None if word.startswith("-") else word
    return None


COMPLETE_VAR = "_HTCAT_COMPLETE"
"""Set by the shell's completion script: this run completes a command line instead."""


def completed_words(environ: dict[str, str] | os._Environ[str]) -> list[str]:
    """The words of the command line being completed that are typed in full, after ``htcat``.

    Bash gives the words and the index of the one being typed; the other
    shells give the line, whose last word is unfinished unless a space ends it.
    """
    import shlex

    def split(line: str) -> list[str]:
        try:
            return shlex.split(line)
        except ValueError:  # an unclosed quote
            return line.split()

    if "COMP_WORDS" in environ:
        words = split(environ["COMP_WORDS"])
        cword = environ.get("COMP_CWORD", "")
        return words[1 : int(cword)] if cword.isdigit() else words[1:]
    line = environ.get("_TYPER_COMPLETE_ARGS", "")
    words = split(line)
    return words[1:] if line.endswith(" ") else words[1:-1]


def __getattr__(name: str) -> Any:
    """``htcat.cli.app.app``: the whole app, for tests and tools that import it."""
    if name == "app":
        return build_app()
    raise AttributeError(name)


def main() -> None:
    """The console script: run the app, leave quietly when the reader goes away, and
    turn a bug into one line and its own exit status."""
    # No cycle collection while htcat works on data: see htcat.cli.collector.
    gc.disable()
    try:
        words = completed_words(os.environ) if COMPLETE_VAR in os.environ else sys.argv[1:]
        build_app(command_named(words))()
    except BrokenPipeError:
        _silence_stdout()
        sys.exit(ExitStatus.PIPE_CLOSED)
    except Exception as exc:  # the one place a bug becomes a message
        if os.environ.get("HTCAT_DEBUG") == "1":
            import traceback

            traceback.print_exc()
        print(
            f"htcat: internal error: {type(exc).__name__}: {' '.join(str(exc).split())}; "
            "please report it with the command you ran (HTCAT_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        sys.exit(ExitStatus.INTERNAL)
    finally:
        # The process is about to end and the OS takes its memory back: spare
        # the interpreter's last garbage collections (they run even with the
        # collector off) a walk over every loaded module and the catalog.
        gc.freeze()


def _silence_stdout() -> None:
    """Send what is left in stdout's buffer nowhere, so exiting raises no second error."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
