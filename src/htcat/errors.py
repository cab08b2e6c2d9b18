"""One exception hierarchy; each class carries the exit status the CLI turns it into."""

from enum import IntEnum


class ExitStatus(IntEnum):
    """Every exit status htcat uses, so that a script can rely on what each one means."""

    OK = 0
    FOUND = 1
    """Done, and something wrong was found (broken links, catalog problems)."""
    USAGE = 2
    """Bad usage or bad input; nothing was written."""
    CATALOG = 3
    """The catalog could not be read or written; nothing was written."""
    GIT = 4
    """A git step of ``htcat nightly`` failed; the clone was put back as it was found."""
    INTERNAL = 70
    """A bug in htcat (sysexits' EX_SOFTWARE), never mistaken for "something wrong was found"."""
    INTERRUPTED = 130
    """Ctrl-C, or end of input at a prompt; nothing half written."""
    PIPE_CLOSED = 141
    """The reader of standard output went away, as a process killed by SIGPIPE reports."""


class HtcatError(Exception):
    """Base of every error htcat reports to a user."""

    exit_code = ExitStatus.FOUND


class InputError(HtcatError):
    """Bad usage or bad input: an invalid value, an unknown id, a bad import row."""

    exit_code = ExitStatus.USAGE


class InvalidEntry(InputError):
    """An entry failed validation; ``problems`` names each field, value and reason."""

    def __init__(self, problems: list["FieldProblem"], where: str = "") -> None:
        self.problems = problems
        self.where = where
        prefix = f"{where}: " if where else ""
        super().__init__(prefix + "; ".join(str(p) for p in problems))


class FieldProblem:
    """One reason a field's value was refused."""

    __slots__ = ("field", "reason", "value")

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason

    def __str__(self) -> str:
        shown = repr(self.value)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        return f"{self.field} {shown}: {self.reason}"


class CatalogError(HtcatError):
    """The catalog could not be read or written; nothing was written."""

    exit_code = ExitStatus.CATALOG


class NewerSchema(CatalogError):
    """The catalog was written by a newer htcat; merged or changed, it would lose data."""


class GitFailed(HtcatError):
    """A git step of the nightly job failed; the clone was put back as it was found."""

    exit_code = ExitStatus.GIT


class Interrupted(HtcatError):
    """The user interrupted; nothing was half written."""

    exit_code = ExitStatus.INTERRUPTED
