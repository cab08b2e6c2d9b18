"""What an import will do: each row's action, the rows set aside, and every problem.

The plan `htcat.transfer` makes before it writes anything, and what a
refusal or a skipping import reports: plain records, printed by the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from htcat.errors import InputError
from htcat.model import Entry
from htcat.plurals import counted

Action = Literal["add", "update", "skip"]


@dataclass(frozen=True)
class RowProblem:
    """One reason a row of the input was refused, with where the row is."""

    where: str
    field: str
    value: object
    reason: str

    def __str__(self) -> str:
        shown = repr(self.value)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        return f"{self.where}: {self.field} {shown}: {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        value = self.value if isinstance(self.value, str | int | float | bool | None) else str(self)
        return {"where": self.where, "field": self.field, "value": value, "reason": self.reason}


SKIP_HINT = "to import the valid rows and set these aside, add --skip-invalid [--rejects FILE]"


class ImportRefused(InputError):
    """The input has bad rows; ``problems`` lists every one. Nothing was written."""

    def __init__(self, source: str, problems: list[RowProblem]) -> None:
        self.source = source
        self.problems = problems
        bad = len({p.where for p in problems})
        head = f"{source}: {counted(bad, 'bad row')}, nothing imported"
        super().__init__("\n".join([head, *(f"  {p}" for p in problems), SKIP_HINT]))


@dataclass(frozen=True)
class RejectedRow:
    """A row skipped as invalid: where it is, its text as it stood, and every problem."""

    where: str
    raw: str
    problems: tuple[RowProblem, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"where": self.where, "problems": [p.as_dict() for p in self.problems]}


@dataclass(frozen=True)
class PlannedRow:
    """What the import does with one row, and why."""

    where: str
    action: Action
    id: str
    title: str
    reason: str
    entry: Entry
    """The entry as it will be written (``add``, ``update``), or as the row gave it (``skip``)."""

    def as_dict(self) -> dict[str, str]:
        return {
            "where": self.where,
            "action": self.action,
            "id": self.id,
            "title": self.title,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class ImportPlan:
    """Every row of an input with its action; applied in one write by `apply_plan`."""

    rows: tuple[PlannedRow, ...]
    rejected: tuple[RejectedRow, ...] = ()
    """The invalid rows an import told to skip them left out, in input order."""

    def with_action(self, action: Action) -> list[PlannedRow]:
        return [row for row in self.rows if row.action == action]

    @property
    def counts(self) -> dict[Action, int]:
        counts: dict[Action, int] = {"add": 0, "update": 0, "skip": 0}
        for row in self.rows:
            counts[row.action] += 1
        return counts

    def summary(self, *, dry_run: bool = False) -> str:
        """``added 9,842, updated 120, skipped 38`` (``would add…`` for a dry run), and
        ``; 3 invalid rows set aside`` when invalid rows were skipped."""
        counts = self.counts
        if dry_run:
            line = (
                f"would add {counts['add']:,}, update {counts['update']:,}, skip {counts['skip']:,}"
            )
        else:
            line = (
                f"added {counts['add']:,}, updated {counts['update']:,}, skipped {counts['skip']:,}"
            )
        if self.rejected:
            verb = "would be set aside" if dry_run else "set aside"
            line += f"; {counted(len(self.rejected), 'invalid row')} {verb}"
        return line
