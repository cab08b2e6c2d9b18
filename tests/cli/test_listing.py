"""list and search: filters, formats, sort, paging and the footer, on real catalog files.

Every test runs twice: reading the JSON file whole, and through the SQLite index
that large catalogs get; both paths must give the same answers.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pexpect
import pytest

from helpers import HTCAT, entries_in, write_catalog


@pytest.fixture(params=["file", "index"], autouse=True)
def read_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Read the catalog whole, or through the SQLite index (forced for any size)."""
    if request.param == "index":
        monkeypatch.setenv("HTCAT_INDEX_MIN_BYTES", "0")
    else:
        monkeypatch.delenv("HTCAT_INDEX_MIN_BYTES", raising=False)
    return str(request.param)


MEMO = "information-memorandum-federal-cases-involving-forced-labor-of-health"

MIXED = [
    {"title": "Match Old", "type": "webinar", "date": "2021-01-05", "tags": ["x", "y"]},
    {"title": "Match New", "type": "webinar", "date": "2023", "tags": ["X"]},
    {"title": "Match Year Only", "type": "webinar", "date": "2021", "tags": ["x"]},
    {"title": "Too Early", "type": "webinar", "date": "2020-12-31", "tags": ["x"]},
    {"title": "Wrong Type", "type": "report", "date": "2022", "tags": ["x"]},
    {"title": "Wrong Tag", "type": "webinar", "date": "2022", "tags": ["xx", "x-y"]},
    {"title": "No Date", "type": "webinar", "tags": ["x"]},
    {"title": "Nothing", "type": "toolkit", "date": "2024"},
]


@pytest.fixture
def mixed_db(db: Path) -> Path:
    return write_catalog(db, MIXED)


def ids_of(stdout: str) -> list[str]:
    return stdout.split()


def test_list_returns_exactly_the_matching_entries_as_json(mixed_db: Path, cli):
    args = ["--tag", "X", "--type", "webinar", "--since", "2021", "--sort", "date"]
    result = cli("list", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    found = json.loads(result.stdout)
    assert [e["id"] for e in found] == ["match-new", "match-old", "match-year-only"]
    stored = entries_in(mixed_db)
    assert found == [public(stored[e["id"]]) for e in found], "json gives the entries in full"
    assert result.stderr == ""


def test_seed_catalog_table_shows_the_footer(seed_db: Path, cli):
    result = cli("list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["id", "date", "type", "title", "tags"]
    assert lines[-1] == "Displaying 1 - 5 of 5"
    assert len(lines) == 2 + 5 + 1
    assert lines[2].startswith("information-memorandum-federal-cases")


def test_table_in_another_tabulate_format(seed_db: Path, cli):
    result = cli("list", "--tablefmt", "github", "--limit", "2")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("| id ") and lines[1].startswith("|---")
    assert lines[2].startswith("| information-memorandum-federal-cases")
    assert len(lines) == 4, "a Markdown table is markup: nothing but the table on stdout"
    assert result.stderr == "Displaying 1 - 2 of 5\n"


SEED_TITLES = [
    "Information Memorandum: Federal Cases Involving Forced Labor of Health Professionals",
    "Labor Trafficking Among Foreign Nationals and Migrant Workers: "
    "New Tools and Research (NHTTAC Webinar)",
]


@pytest.mark.parametrize("width", [80, 100, 120, 160])
def test_a_table_fits_the_width_and_shortens_ids_to_a_prefix_that_names_them(
    seed_db: Path, cli, monkeypatch: pytest.MonkeyPatch, width: int
):
    monkeypatch.setenv("COLUMNS", str(width))
    result = cli("list")
    lines = result.stdout.splitlines()
    assert max(map(len, lines)) <= width
    every = ids_of(cli("list", "--format", "ids").stdout)
    for line in lines[2:-1]:
        prefix = line.split()[0].rstrip("…")
        assert len([i for i in every if i.startswith(prefix)]) == 1
    assert lines[5].startswith("labor-trafficking-among-")
    assert "Labor Traff" in lines[5], "the title, at least its beginning"
    assert lines[-1] == "Displaying 1 - 5 of 5"


def test_a_wide_terminal_shows_whole_titles_and_cuts_nothing(
    seed_db: Path, cli, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("COLUMNS", "400")
    result = cli("list")
    assert all(title in result.stdout for title in SEED_TITLES)
    assert "…" not in result.stdout


def test_titles_are_cut_with_an_ellipsis_where_they_must(
    seed_db: Path, cli, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("COLUMNS", "130")
    result = cli("list", "--columns", "id,date,title")
    lines = result.stdout.splitlines()
    assert max(map(len, lines)) <= 130
    assert any(line.endswith("…") for line in lines)
    assert "HTLA Class 6 Recommendations Report" in result.stdout, "a short title stays whole"


def test_on_a_terminal_the_table_fits_the_terminals_own_width(seed_db: Path):
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "HTCAT_DB")}
    child = pexpect.spawn(
        str(HTCAT),
        ["--db", str(seed_db), "list"],
        env={**env, "TERM": "dumb", "LANG": "C.UTF-8"},
        dimensions=(40, 100),
        encoding="utf-8",
        timeout=20,
    )
    output = child.read()
    child.close()
    lines = output.splitlines()
    assert child.exitstatus == 0 and lines[-1] == "Displaying 1 - 5 of 5"
    assert max(map(len, lines)) <= 100 < max(map(len, SEED_TITLES)) + len(MEMO)


def test_off_a_terminal_without_columns_the_table_carries_whole_values(seed_db: Path, cli):
    result = cli("list")
    assert all(title in result.stdout for title in SEED_TITLES)


@pytest.mark.parametrize("fmt", ["tsv", "html", "latex", "mediawiki", "jira"])
def test_markup_tables_carry_whole_values_and_the_footer_goes_to_stderr(
    seed_db: Path, cli, monkeypatch: pytest.MonkeyPatch, fmt: str
):
    monkeypatch.setenv("COLUMNS", "80")
    result = cli("list", "--tablefmt", fmt)
    assert result.exit_code == 0, result.stderr
    assert all(title in result.stdout for title in SEED_TITLES)
    assert "Displaying" not in result.stdout
    assert result.stderr == "Displaying 1 - 5 of 5\n"


def test_tsv_reads_back_as_the_entries_values(seed_db: Path, cli):
    result = cli("list", "--tablefmt", "tsv", "--columns", "id,title,tags")
    rows = list(csv.reader(io.StringIO(result.stdout), delimiter="\t"))
    stored = entries_in(seed_db)
    assert rows[0] == ["id", "title", "tags"]
    assert {r[0]: r[1] for r in rows[1:]} == {i: e["title"] for i, e in stored.items()}
    assert all(r[2] == ", ".join(stored[r[0]]["tags"]) for r in rows[1:])


def test_columns_chooses_what_is_shown_in_that_order(seed_db: Path, cli):
    result = cli("list", "--columns", "title,id,status", "--limit", "1")
    header, _rule, row, _footer = result.stdout.splitlines()
    assert header.split() == ["title", "id", "status"]
    assert row.startswith(SEED_TITLES[0]) and row.endswith("published")


def test_an_unknown_column_is_one_line_naming_the_valid_ones(seed_db: Path, cli):
    result = cli("list", "--columns", "id,tittle")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "'tittle'" in result.stderr and "id, date, type, title, tags" in result.stderr


def test_unknown_tablefmt_exits_2(seed_db: Path, cli):
    result = cli("list", "--tablefmt", "fancy-nonsense")
    assert result.exit_code == 2 and "--tablefmt 'fancy-nonsense'" in result.stderr


def test_jsonl_gives_one_entry_per_line(mixed_db: Path, cli):
    result = cli("list", "--type", "webinar", "--format", "jsonl", "--sort", "title")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["title"] for r in rows] == [
        "Match New",
        "Match Old",
        "Match Year Only",
        "No Date",
        "Too Early",
        "Wrong Tag",
    ]
    assert rows[0] == public(entries_in(mixed_db)["match-new"])


def public(entry: dict[str, object]) -> dict[str, object]:
    """An entry as list and export show it without --include-internal: no notes."""
    return {k: v for k, v in entry.items() if k != "notes"}


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_list_leaves_out_internal_notes_in_every_format_unless_asked(db: Path, cli, fmt: str):
    write_catalog(db, [{"title": "Noted", "notes": "call the publisher before 2025"}])
    plain = cli("list", "--format", fmt)
    assert plain.exit_code == 0 and "Noted" in plain.stdout
    assert "notes" not in plain.stdout and "call the publisher" not in plain.stdout
    asked = cli("list", "--format", fmt, "--include-internal")
    assert "call the publisher before 2025" in asked.stdout
    exported = cli("export", "--format", fmt, "--include-internal")
    assert asked.stdout == exported.stdout, "list writes as export writes"


def test_ids_format_gives_bare_ids(mixed_db: Path, cli):
    result = cli("list", "--tag", "x", "--tag", "y", "--format", "ids")
    assert result.stdout == "match-old\n"


def test_csv_format_gives_a_header_and_one_row_per_entry(seed_db: Path, cli):
    result = cli("list", "--format", "csv", "--type", "webinar", "--type", "report")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["id"] for r in rows] == [
        "htla-class-6-recommendations-report",
        "labor-trafficking-among-foreign-nationals-and-migrant-workers-new-tools-and",
    ]
    assert rows[1]["type"] == "webinar" and "Novak, Jenna" in rows[1]["people"]


def test_unknown_format_exits_2(seed_db: Path, cli):
    result = cli("list", "--format", "yaml")
    assert result.exit_code == 2 and "--format 'yaml'" in result.stderr


def test_no_match_is_not_an_error(seed_db: Path, cli):
    table = cli("list", "--tag", "no-such-tag")
    assert table.exit_code == 0
    assert table.stdout.splitlines()[-1] == "Displaying 0 of 0"
    assert cli("list", "--tag", "no-such-tag", "--format", "json").stdout == "[]\n"


# --- sort and paging --------------------------------------------------------------------------


@pytest.fixture
def big_db(db: Path) -> Path:
    """25 entries: ``entry-z`` dated 2001 … ``entry-b`` dated 2025."""
    return write_catalog(
        db, [{"title": f"Entry {chr(ord('z') - n)}", "date": str(2001 + n)} for n in range(25)]
    )


def test_a_piped_table_shows_every_match_and_says_how_many_matched(big_db: Path, cli):
    lines = cli("list").stdout.splitlines()
    assert lines[-1] == "Displaying 1 - 25 of 25"
    assert len(lines) == 2 + 25 + 1
    assert lines[2].split()[:2] == ["entry-b", "2025"]
    assert lines[21].split()[:2] == ["entry-u", "2006"]
    assert cli("list", "--limit", "20").stdout.splitlines()[-1] == "Displaying 1 - 20 of 25"


def test_limit_and_offset_page_through(big_db: Path, cli):
    result = cli("list", "--limit", "5", "--offset", "20")
    lines = result.stdout.splitlines()
    assert lines[-1] == "Displaying 21 - 25 of 25"
    assert [line.split()[0] for line in lines[2:-1]] == [
        "entry-v",
        "entry-w",
        "entry-x",
        "entry-y",
        "entry-z",
    ]
    assert cli("list", "--offset", "30").stdout.splitlines()[-1] == "Displaying 0 of 25"


def test_other_formats_show_every_match(big_db: Path, cli):
    assert len(ids_of(cli("list", "--format", "ids").stdout)) == 25
    assert ids_of(cli("list", "--format", "ids", "--limit", "2", "--offset", "1").stdout) == [
        "entry-c",
        "entry-d",
    ]


def test_sort_keys_and_reverse(big_db: Path, cli):
    by_date = ids_of(cli("list", "--format", "ids", "--sort", "date").stdout)
    assert by_date[0] == "entry-b" and by_date[-1] == "entry-z"
    oldest_first = ids_of(cli("list", "--format", "ids", "--reverse").stdout)
    assert oldest_first == by_date[::-1]
    by_title = ids_of(cli("list", "--format", "ids", "--sort", "title").stdout)
    assert by_title == sorted(by_title) and by_title == by_date
    by_title_reversed = cli("list", "--format", "ids", "--sort", "title", "--reverse").stdout
    assert ids_of(by_title_reversed) == by_title[::-1]


def test_sort_by_type_and_updated(seed_db: Path, cli):
    by_type = ids_of(cli("list", "--format", "ids", "--sort", "type").stdout)
    types = [entries_in(seed_db)[i]["type"] for i in by_type]
    assert types == sorted(types)
    assert cli("tag", "htla", "--add", "touched").exit_code == 0
    by_updated = ids_of(cli("list", "--format", "ids", "--sort", "updated").stdout)
    assert by_updated[0] == "htla-class-6-recommendations-report"


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--sort", "size"], "--sort 'size'"),
        (["--type", "podcast"], "--type 'podcast'"),
        (["--status", "gone"], "--status 'gone'"),
        (["--link-status", "fine"], "--link-status 'fine'"),
        (["--since", "21"], "--since '21'"),
        (["--until", "2021/02"], "--until '2021/02'"),
        (["--since", "2021-13"], "--since '2021-13'"),
        (["--until", "2021-02-30"], "--until '2021-02-30'"),
        (["--limit", "-1"], "--limit"),
        (["--offset", "-3"], "--offset"),
        (["--limit", "many"], "--limit"),
    ],
)
def test_bad_selection_options_exit_2(seed_db: Path, cli, args, named):
    result = cli("list", *args)
    assert result.exit_code == 2
    assert named in result.stderr
    assert result.stdout == ""


# --- status and link status -------------------------------------------------------------------


def test_status_and_link_status_filters(db: Path, cli):
    write_catalog(
        db,
        [
            {"title": "Draft", "status": "draft", "links": ["https://e.org/a"]},
            {
                "title": "Broken",
                "links": [{"url": "https://e.org/b", "check": {"outcome": "timeout"}}],
            },
            {
                "title": "Moved",
                "links": [{"url": "https://e.org/c", "check": {"outcome": "moved"}}],
            },
            {"title": "Archived", "status": "archived"},
        ],
    )

    def listed(*args: str) -> list[str]:
        return sorted(ids_of(cli("list", "--format", "ids", *args).stdout))

    assert listed("--status", "draft", "--status", "archived") == ["archived", "draft"]
    assert listed("--link-status", "broken") == ["broken"]
    assert listed("--link-status", "unchecked") == ["draft"]
    assert listed("--link-status", "moved", "--link-status", "broken") == ["broken", "moved"]
    assert listed("--status", "published") == ["broken", "moved"]


# --- search -----------------------------------------------------------------------------------


def test_search_is_case_and_accent_insensitive(db: Path, cli):
    write_catalog(
        db,
        [
            {"title": "Trata de niñas en México", "summary": "Guía práctica."},
            {"title": "Forced labour in fishing"},
        ],
    )
    for query in ("MEXICO", "méxico", "ninas guia", "NIÑAS Práctica"):
        assert ids_of(cli("search", query, "--format", "ids").stdout) == [
            "trata-de-ninas-en-mexico"
        ], query


def test_search_quoted_phrase_and_all_words(seed_db: Path, cli):
    phrase = cli("search", '"supply chains"', "--format", "ids").stdout
    assert ids_of(phrase) == [
        "information-memorandum-federal-cases-involving-forced-labor-of-health"
    ]
    scrambled = cli("search", '"chains supply"', "--format", "ids").stdout
    assert ids_of(scrambled) == []
    both = cli("search", "migrant labor", "--format", "ids").stdout
    assert sorted(ids_of(both)) == [
        "htla-class-6-recommendations-report",
        "labor-trafficking-among-foreign-nationals-and-migrant-workers-new-tools-and",
    ]
    unquoted_words = cli("search", "migrant", "labor", "--format", "ids").stdout
    assert ids_of(unquoted_words) == ids_of(both)


def test_search_finds_people_and_combines_with_filters(seed_db: Path, cli):
    webinar = "labor-trafficking-among-foreign-nationals-and-migrant-workers-new-tools-and"
    assert ids_of(cli("search", "chisolm-straker", "--format", "ids").stdout) == [webinar]
    assert ids_of(cli("search", "labor", "--type", "webinar", "--format", "ids").stdout) == [
        webinar
    ]
    assert ids_of(cli("search", "labor", "--since", "2022", "--format", "ids").stdout) == [
        "information-memorandum-federal-cases-involving-forced-labor-of-health"
    ]


def test_search_with_an_unbalanced_quote_still_works(seed_db: Path, cli):
    result = cli("search", '"supply chains', "--format", "ids")
    assert result.exit_code == 0
    assert len(ids_of(result.stdout)) == 1


def test_search_prints_a_table_with_the_footer(seed_db: Path, cli):
    result = cli("search", "research", "--limit", "2")
    assert result.stdout.splitlines()[-1] == "Displaying 1 - 2 of 3"


def test_search_and_query_option_add_up(seed_db: Path, cli):
    result = cli("search", "labor", "--query", '"health professionals" -webinar', "--format", "ids")
    assert ids_of(result.stdout) == [MEMO]


WEBINAR = "labor-trafficking-among-foreign-nationals-and-migrant-workers-new-tools-and"
HTLA = "htla-class-6-recommendations-report"


def test_search_finds_audiences_types_and_link_labels_as_the_page_shows_them(seed_db: Path, cli):
    assert ids_of(cli("search", "survivor leaders", "--format", "ids").stdout) == [HTLA]
    assert ids_of(cli("search", "information memorandum", "--format", "ids").stdout) == [
        MEMO,
        "information-memorandum-hhs-contributions-to-human-trafficking-research",
    ]
    assert ids_of(cli("search", '"q&a responses"', "--format", "ids").stdout) == [WEBINAR]


def test_search_excludes_a_minus_word_given_as_its_own_argument(seed_db: Path, cli):
    result = cli("search", '"forced labor"', "-webinar", "--format", "ids")
    assert result.exit_code == 0, result.stderr
    assert ids_of(result.stdout) == [MEMO]
    all_but = cli("search", "-webinar", "--format", "ids", "--", "-htla")
    assert sorted(ids_of(all_but.stdout)) == sorted(set(entries_in(seed_db)) - {WEBINAR, HTLA})
    health = cli("search", "-health", "--format", "ids")
    assert health.exit_code == 0 and "Usage" not in health.stdout, "-health is not -h"
    assert cli("search", "-h").stdout.startswith("Usage"), "alone, -h still asks for help"
    tagged = cli("search", "--tag", "-x", "labor", "--format", "ids")
    assert tagged.exit_code == 0 and tagged.stdout == "", "an option's value stays its value"


def test_search_with_or_finds_either_word(seed_db: Path, cli):
    either = cli("search", "survivor", "OR", "migrant", "--format", "ids")
    assert ids_of(either.stdout) == [HTLA, WEBINAR]
    quoted = cli("search", '"survivor leaders" OR "migrant workers" -webinar', "--format", "ids")
    assert ids_of(quoted.stdout) == [HTLA]


# --- show and tags read through the same two paths ----------------------------------------------


def test_show_by_prefix_and_its_refusals(seed_db: Path, cli):
    found = cli("show", "htla", "--format", "json")
    assert json.loads(found.stdout) == entries_in(seed_db)["htla-class-6-recommendations-report"]
    ambiguous = cli("show", "information-memorandum-")
    assert ambiguous.exit_code == 2 and "ambiguous" in ambiguous.stderr
    assert MEMO in ambiguous.stderr
    assert cli("show", "nope").exit_code == 2


def test_an_unknown_id_is_told_the_id_it_looks_like(seed_db: Path, cli):
    result = cli("show", "htla-clas-6")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        "htcat: error: no entry with id 'htla-clas-6'; "
        "did you mean htla-class-6-recommendations-report?\n"
    )
    assert cli("show", "nope").stderr == "htcat: error: no entry with id 'nope'\n"


def test_tags_count_after_a_change(seed_db: Path, cli):
    assert cli("tags", "rename", "data", "datasets").exit_code == 0
    counts = json.loads(cli("tags", "--format", "json").stdout)
    assert "data" not in counts and counts["datasets"] == 2
    listed = cli("list", "--tag", "datasets", "--format", "ids").stdout
    assert len(ids_of(listed)) == 2


def test_an_empty_result_says_why_and_names_the_nearest_tag(seed_db: Path, cli):
    result = cli("list", "--tag", "supply-chain")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "Displaying 0 of 0"
    assert result.stderr == (
        "no entry has the tag 'supply-chain' (did you mean 'supply-chains'?); see 'htcat tags'\n"
    )
    assert cli("list", "--tag", "zzzz-qqqq").stderr == (
        "no entry has the tag 'zzzz-qqqq'; see 'htcat tags'\n"
    )
    assert cli("list", "--type", "webinar", "--since", "2024", "--format", "ids").stderr == (
        "no entry matches all of these filters\n"
    )
    assert cli("list", "--tag", "webinar").stderr == ""
