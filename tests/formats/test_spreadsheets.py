"""CSV as spreadsheet programs save it: LibreOffice Calc (a real file) and Excel (its bytes)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from helpers import HTCAT, entries_in
from htcat.formats import read_rows
from htcat.formats.csv import layout
from htcat.model import validate_entry

SHEETS = Path(__file__).with_name("spreadsheets")
LIBREOFFICE = (SHEETS / "libreoffice-calc.csv").read_bytes()

# What Excel's "CSV UTF-8 (Comma delimited)" writes (Excel does not run here): a byte-order
# mark, CRLF line ends, commas, a cell quoted only when it holds a comma, a quote or a line
# break (a line break inside a cell stays a bare LF), and dates as its en-US default shows them.
EXCEL = (
    "\ufeffTitle,Type,Date Published,Authors,Keywords,Link,Description\r\n"
    'Labor Trafficking in Agriculture: A Toolkit,Toolkit,3/15/2024,"Novak, Jenna",'
    '"labor trafficking, agriculture",https://example.org/toolkit.pdf,'
    '"A toolkit for outreach workers; with a ""quoted"" phrase."\r\n'
    "Information Memorandum: Federal Cases,Information Memorandum,11/2/2023,"
    "{Office on Trafficking in Persons},federal cases; prosecution,https://example.org/im.pdf,"
    '"Two lines:\nsecond line, with é and “curly” quotes."\r\n'
    'Fact sheet on migrant workers,Fact Sheet,1/20/2022,"Martinez de Vedia, Gonzalo",'
    '"migrant workers, outreach",https://example.org/fs.pdf,\r\n'
).encode()


def windows(data: bytes) -> bytes:
    """The file as LibreOffice on Windows saves it with "Include BOM": BOM and CRLF."""
    return b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n")


EXPECTED = {
    "labor-trafficking-in-agriculture-a-toolkit": (
        "toolkit",
        "2024-03-15",
        ["agriculture", "labor-trafficking"],
        [{"family": "Novak", "given": "Jenna", "role": "author", "affiliation": ""}],
    ),
    "information-memorandum-federal-cases": (
        "information-memorandum",
        "2023-11-02",
        ["federal-cases", "prosecution"],
        [{"literal": "Office on Trafficking in Persons", "role": "author", "affiliation": ""}],
    ),
    "fact-sheet-on-migrant-workers": (
        "fact-sheet",
        "2022-01-20",
        ["migrant-workers", "outreach"],
        [
            {
                "family": "Martinez de Vedia",
                "given": "Gonzalo",
                "role": "author",
                "affiliation": "",
            }
        ],
    ),
}


@pytest.mark.parametrize(
    "data", [LIBREOFFICE, windows(LIBREOFFICE), EXCEL], ids=["libreoffice", "windows", "excel"]
)
def test_a_saved_spreadsheet_reads_as_a_person_would(data: bytes):
    rows = read_rows(data, "csv", source="sheet.csv")
    assert [row.problems for row in rows] == [(), (), ()]
    entries = [validate_entry(row.data) for row in rows]
    got = {
        e["title"].lower().replace(": ", "-").replace(" ", "-"): (
            e["type"],
            e["date"],
            e["tags"],
            e["people"],
        )
        for e in entries
    }
    assert got == EXPECTED
    assert entries[0]["summary"] == 'A toolkit for outreach workers; with a "quoted" phrase.'
    assert entries[1]["summary"] == "Two lines:\nsecond line, with é and “curly” quotes."
    assert [link["url"] for link in entries[2]["links"]] == ["https://example.org/fs.pdf"]


def test_the_libreoffice_file_is_what_libreoffice_wrote():
    assert LIBREOFFICE.startswith(b"Title;Type;Date Published;Author(s);")
    assert b";03/15/24;" in LIBREOFFICE and b"\r" not in LIBREOFFICE


def test_the_layout_names_the_delimiter_and_the_mapping():
    assert layout(LIBREOFFICE).describe() == (
        "semicolon-separated; columns: Title → title, Type → type, Date Published → date, "
        "Author(s) → people, Keywords → tags, URL → links, Summary → summary"
    )
    assert layout(EXCEL).describe().startswith("comma-separated; columns: Title → title")


def test_dry_run_shows_the_mapping_and_imports_nothing(empty_db: Path, tmp_path: Path, cli):
    path = tmp_path / "sheet.csv"
    path.write_bytes(windows(LIBREOFFICE))
    before = empty_db.read_bytes()
    result = cli("import", str(path), "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"{path}: semicolon-separated; columns: Title → title, Type → type, "
        "Date Published → date, Author(s) → people, Keywords → tags, URL → links, "
        "Summary → summary",
        f"htcat: warning: {path} row 3 (line 3): date '11/02/23' read as 2023-11-02: "
        "month first, as the file's other dates",
        "would add 3, update 0, skip 0",
    ]
    assert empty_db.read_bytes() == before
    assert cli("import", str(path)).exit_code == 0
    assert set(entries_in(empty_db)) == set(EXPECTED)


def test_an_ambiguous_date_is_refused_until_the_order_is_given(empty_db: Path, tmp_path: Path, cli):
    path = tmp_path / "sheet.csv"
    path.write_bytes(b"Title;Year;Date Published\r\nA;;3/4/2024\r\nB;2020;\r\n")
    refused = cli("import", str(path))
    assert refused.exit_code == 2
    assert "column 'Year' and 'Date Published' both hold date" in refused.stderr
    path.write_bytes(b"Title;Date Published\r\nA;3/4/2024\r\nB;15.3.2024\r\n")
    refused = cli("import", str(path))
    assert refused.exit_code == 2
    assert (
        "row 2 (line 2): date '3/4/2024': could be 2024-03-04 (--date-order mdy) or "
        "2024-04-03 (--date-order dmy); write it as YYYY-MM-DD or give --date-order"
    ) in refused.stderr
    assert cli("import", str(path), "--date-order", "dmy").exit_code == 0
    assert {e["date"] for e in entries_in(empty_db).values()} == {"2024-04-03", "2024-03-15"}


def test_delimiter_given_by_name(empty_db: Path, tmp_path: Path, cli):
    path = tmp_path / "sheet.tsv"
    path.write_bytes(b"Title\tKeywords\nA, with a comma\tx, y\n")
    result = cli("import", str(path), "--format", "csv", "--delimiter", "tab")
    assert result.exit_code == 0, result.stderr
    assert entries_in(empty_db)["a-with-a-comma"]["tags"] == ["x", "y"]
    wrong = cli("import", str(path), "--format", "csv", "--delimiter", "pipe")
    assert wrong.exit_code == 2
    assert "expected one of comma, semicolon, tab" in wrong.stderr
    other = cli("import", str(path), "--format", "jsonl", "--delimiter", "tab")
    assert other.exit_code == 2
    assert "--delimiter is for CSV input" in other.stderr


def test_an_unknown_column_is_named_so_in_the_layout():
    assert layout(b"Title\tColour\n").describe() == (
        "tab-separated; columns: Title \u2192 title, Colour (unknown)"
    )


def test_installed_htcat_reads_the_libreoffice_file(empty_db: Path, tmp_path: Path):
    path = tmp_path / "sheet.csv"
    path.write_bytes(LIBREOFFICE)
    result = subprocess.run(
        [str(HTCAT), "--db", str(empty_db), "import", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1] == "added 3, updated 0, skipped 0"
    assert entries_in(empty_db)["fact-sheet-on-migrant-workers"]["type"] == "fact-sheet"
