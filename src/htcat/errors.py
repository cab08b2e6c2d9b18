"""One exception hierarchy; each class carries the exit status the CLI turns it into."""


class HtcatError(Exception):
    """Base of every error htcat reports to a user."""

    exit_code = 1


class InputError(HtcatError):
    """Bad usage or bad input: an invalid value, an unknown id, a bad import row."""

    exit_code = 2


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

    exit_code = 3


class NewerSchema(CatalogError):
    """The catalog was written by a newer htcat; merged or changed, it would lose data."""


class Interrupted(HtcatError):
    """The user interrupted; nothing was half written."""

    exit_code = 130
