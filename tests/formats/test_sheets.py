"""Spreadsheet conventions: dates as LibreOffice and Excel save them."""

from __future__ import annotations

import pytest

from htcat.errors import InvalidEntry
from htcat.formats.sheets import iso_date


@pytest.mark.parametrize(
    ("text", "order", "iso"),
    [
        ("3/15/2024", None, "2024-03-15"),
        ("15/3/2024", None, "2024-03-15"),
        ("03/03/2024", None, "2024-03-03"),
        ("15.03.2024", None, "2024-03-15"),
        ("3.4.2024", None, "2024-04-03"),
        ("3/4/2024", "mdy", "2024-03-04"),
        ("3/4/2024", "dmy", "2024-04-03"),
        ("3.4.2024", "mdy", "2024-03-04"),
        ("2024-03-04", None, "2024-03-04"),
        ("03/15/24", None, "2024-03-15"),
        ("15.03.29", None, "2029-03-15"),
        ("1/20/30", None, "1930-01-20"),
        ("March 2024", None, "March 2024"),
    ],
)
def test_spreadsheet_dates_are_read_as_iso(text: str, order: str | None, iso: str):
    assert iso_date(text, order) == iso


def test_an_ambiguous_date_names_both_readings_the_iso_form_and_date_order():
    with pytest.raises(InvalidEntry) as excinfo:
        iso_date("3/4/2024")
    assert str(excinfo.value) == (
        "date '3/4/2024': could be 2024-03-04 (--date-order mdy) or 2024-04-03 "
        "(--date-order dmy); write it as YYYY-MM-DD or give --date-order"
    )


@pytest.mark.parametrize(("text", "order"), [("2/30/2024", None), ("15/3/2024", "mdy")])
def test_a_spreadsheet_date_that_is_no_day_is_refused(text: str, order: str | None):
    with pytest.raises(InvalidEntry, match="is not a calendar date; write it as YYYY-MM-DD"):
        iso_date(text, order)
