"""init, add, show, edit and remove through the CLI, on real catalog files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import OLD, entries_in, write_catalog
from htcat.people import display_name

HTLA = "htla-class-6-recommendations-report"
WEBINAR = "labor-trafficking-among-foreign-nationals-and-migrant-workers-new-tools-and"


# --- init and where the catalog is ------------------------------------------------------------


def test_init_creates_an_empty_catalog_and_its_folder(tmp_path: Path, cli):
    path = tmp_path / "data" / "catalog.json"
    result = cli("init", db_path=path)
    assert result.exit_code == 0
    assert f"created empty catalog {path}" in result.stderr
    assert json.loads(path.read_bytes())["entries"] == {}


def test_init_refuses_to_overwrite(seed_db: Path, cli):
    before = seed_db.read_bytes()
    result = cli("init")
    assert result.exit_code == 2
    assert f"{seed_db} already exists" in result.stderr
    assert seed_db.read_bytes() == before


def test_db_option_wins_over_htcat_db(tmp_path: Path, seed_db: Path, cli, monkeypatch):
    monkeypatch.setenv("HTCAT_DB", str(tmp_path / "elsewhere.json"))
    assert cli("list", "--format", "ids").stdout.count("\n") == 5


def test_htcat_db_is_used_without_db_option(seed_db: Path, cli, monkeypatch):
    monkeypatch.setenv("HTCAT_DB", str(seed_db))
    result = cli("add", "--title", "Via environment", db_path=None)
    assert result.stdout == "via-environment\n"
    assert "via-environment" in entries_in(seed_db)


def test_default_catalog_is_data_catalog_json_under_the_current_folder(
    tmp_path: Path, cli, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    assert cli("init", db_path=None).exit_code == 0
    assert (tmp_path / "data" / "catalog.json").is_file()
    assert cli("add", "--title", "Here", db_path=None).stdout == "here\n"
    assert "here" in entries_in(tmp_path / "data" / "catalog.json")


# --- add --------------------------------------------------------------------------------------


def test_add_prints_the_new_id_and_stores_every_option(empty_db: Path, cli):
    result = cli(
        "add",
        "--title",
        "  Labor Trafficking Toolkit ",
        "--type",
        "toolkit",
        "--date",
        "2024-05",
        "--summary",
        "First paragraph.\n\nSecond paragraph.",
        "--publisher",
        "HHS Office on Trafficking in Persons",
        "--status",
        "draft",
        "--notes",
        "check the PDF",
        "--tag",
        "Labor Trafficking",
        "--tag",
        "toolkit",
        "--link",
        "Toolkit|https://example.org/toolkit.pdf|pdf",
        "--link",
        "https://example.org/page",
        "--person",
        "Núñez García, Ana|editor|OTIP",
        "--audience",
        "service providers",
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "labor-trafficking-toolkit\n"
    entry = entries_in(empty_db)["labor-trafficking-toolkit"]
    assert entry["title"] == "Labor Trafficking Toolkit"
    assert (entry["type"], entry["date"], entry["status"]) == ("toolkit", "2024-05", "draft")
    assert entry["summary"] == "First paragraph.\n\nSecond paragraph."
    assert entry["publisher"] == "HHS Office on Trafficking in Persons"
    assert entry["notes"] == "check the PDF"
    assert entry["tags"] == ["labor-trafficking", "toolkit"]
    assert [(link["label"], link["url"], link["kind"]) for link in entry["links"]] == [
        ("Toolkit", "https://example.org/toolkit.pdf", "pdf"),
        ("", "https://example.org/page", "page"),
    ]
    assert entry["people"] == [
        {"family": "Núñez García", "given": "Ana", "role": "editor", "affiliation": "OTIP"}
    ]
    assert entry["audiences"] == ["service providers"]
    assert entry["created"] == entry["updated"]
    assert entry["created"].endswith("Z")


def test_add_with_a_clashing_title_gets_a_suffix(seed_db: Path, cli):
    first = cli("add", "--title", "HTLA Class 6 Recommendations Report")
    second = cli("add", "--title", "HTLA class 6 recommendations report!")
    assert (first.stdout, second.stdout) == (f"{HTLA}-2\n", f"{HTLA}-3\n")
    assert len(entries_in(seed_db)) == 7


def test_add_without_title_and_without_terminal_exits_2(seed_db: Path, cli):
    before = seed_db.read_bytes()
    result = cli("add", "--type", "report")
    assert result.exit_code == 2
    assert "--title is required" in result.stderr
    assert result.stdout == ""
    assert seed_db.read_bytes() == before


def test_add_with_no_input_never_asks(seed_db: Path, cli):
    result = cli("--no-input", "add")
    assert result.exit_code == 2 and "--title is required" in result.stderr


@pytest.mark.parametrize(
    ("option", "value", "named"),
    [
        ("--type", "podcast", "type 'podcast'"),
        ("--date", "2021-02-30", "date '2021-02-30'"),
        ("--date", "Feb 2021", "date 'Feb 2021'"),
        ("--link", "ftp://example.org/a.pdf", "links.url 'ftp://example.org/a.pdf'"),
        ("--link", "Report|/relative.pdf|pdf", "links.url '/relative.pdf'"),
        ("--link", "Report|https://e.org/a|podcast", "links.kind 'podcast'"),
        ("--person", "Ana|host", "people.role 'host'"),
        ("--status", "deleted", "status 'deleted'"),
        ("--title", "x" * 501, "title"),
    ],
)
def test_add_with_an_invalid_value_exits_2_naming_field_and_value(
    seed_db: Path, cli, option, value, named
):
    before = seed_db.read_bytes()
    args = ["add", "--title", "Valid title", option, value]
    result = cli(*args)
    assert result.exit_code == 2
    assert named in result.stderr
    assert result.stdout == ""
    assert seed_db.read_bytes() == before


def test_add_names_every_bad_value_at_once(empty_db: Path, cli):
    result = cli("add", "--title", "T", "--type", "podcast", "--date", "soon")
    assert result.exit_code == 2
    assert "type 'podcast'" in result.stderr and "date 'soon'" in result.stderr


# --- show -------------------------------------------------------------------------------------


def test_show_prints_the_entry_for_a_person(seed_db: Path, cli):
    result = cli("show", WEBINAR)
    assert result.exit_code == 0
    text = result.stdout
    assert text.startswith("Labor Trafficking Among Foreign Nationals and Migrant Workers")
    assert f"id:        {WEBINAR}" in text
    assert "type:      webinar" in text
    assert "moderator: Jenna Novak" in text
    assert "speaker:   Makini Chisolm-Straker (Mount Sinai Hospital)" in text
    assert "(unchecked)" in text and "[transcript]" in text
    assert "\n\n" in text.split("links:")[0], "summary paragraphs are kept"


def test_show_says_why_a_link_broke_and_since_when(db: Path, cli):
    broken = {
        "since": "2026-11-28T02:00:00Z",
        "outcome": "broken",
        "status": 404,
        "error": "HTTP 404 Not Found",
        "failures": 3,
        "last_ok": "2026-11-27T02:00:00Z",
    }
    ok = {"since": "2026-11-30T02:00:00Z", "outcome": "ok", "status": 200}
    soft = {**ok, "outcome": "broken", "error": "expected a PDF, got an HTML page", "failures": 1}
    links = [
        {"url": "https://example.org/gone.pdf", "check": broken},
        {"url": "https://example.org/fine", "check": ok},
        {"url": "https://example.org/soft.pdf", "check": soft},
    ]
    write_catalog(db, [{"title": "Checked", "links": links}])
    lines = cli("show", "checked").stdout.splitlines()
    at = lines.index("  [pdf] https://example.org/gone.pdf  (broken since 2026-11-28T02:00:00Z)")
    assert lines[at + 1] == (
        "      HTTP 404 Not Found; failed 3 checks in a row; last ok 2026-11-27T02:00:00Z"
    )
    assert lines[at + 2] == "  [page] https://example.org/fine  (ok since 2026-11-30T02:00:00Z)"
    assert lines[at + 4] == "      HTTP 200; expected a PDF, got an HTML page"


def test_show_json_is_the_stored_entry(seed_db: Path, cli):
    result = cli("show", HTLA, "--format", "json")
    assert json.loads(result.stdout) == entries_in(seed_db)[HTLA]


def test_show_accepts_a_unique_prefix(seed_db: Path, cli):
    result = cli("show", "htla", "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["id"] == HTLA


def test_show_with_an_ambiguous_prefix_lists_the_candidates(seed_db: Path, cli):
    result = cli("show", "information-memorandum")
    assert result.exit_code == 2
    assert "ambiguous" in result.stderr
    assert "information-memorandum-federal-cases-involving-forced-labor-of-health" in result.stderr
    assert "information-memorandum-hhs-contributions-to-human-trafficking-research" in result.stderr
    assert result.stdout == ""


def test_show_prefers_an_exact_id_to_longer_ones(db: Path, cli):
    write_catalog(db, [{"title": "Report"}, {"title": "Report"}])
    assert json.loads(cli("show", "report", "--format", "json").stdout)["id"] == "report"


def test_show_unknown_id_exits_2(seed_db: Path, cli):
    result = cli("show", "no-such-entry")
    assert result.exit_code == 2
    assert "no entry with id 'no-such-entry'" in result.stderr


def test_show_unknown_format_exits_2(seed_db: Path, cli):
    assert cli("show", "htla", "--format", "yaml").exit_code == 2


# --- edit with options ------------------------------------------------------------------------


def test_edit_sets_fields(seed_db: Path, cli):
    result = cli(
        "edit", "htla", "--set", "title=New Title", "--set", "date=2021", "--set", "tags=a;B c"
    )
    assert result.exit_code == 0, result.stderr
    assert f"updated {HTLA}" in result.stderr and result.stdout == ""
    entry = entries_in(seed_db)[HTLA]
    assert (entry["title"], entry["date"], entry["tags"]) == ("New Title", "2021", ["a", "b-c"])
    assert entry["id"] == HTLA, "the id is stable"


def test_edit_adds_and_removes_tags_links_people_and_audiences(seed_db: Path, cli):
    before = entries_in(seed_db)[WEBINAR]
    result = cli(
        "edit",
        WEBINAR,
        "--add-tag",
        "Migrant Workers",
        "--add-tag",
        "new",
        "--remove-tag",
        "outreach",
        "--add-link",
        "Slides|https://example.org/slides.pdf|slides",
        "--remove-link",
        before["links"][0]["url"],
        "--add-person",
        "Ana Núñez|contributor",
        "--remove-person",
        "Jenna Novak",
        "--add-audience",
        "policymakers",
        "--remove-audience",
        before["audiences"][0],
    )
    assert result.exit_code == 0, result.stderr
    after = entries_in(seed_db)[WEBINAR]
    assert set(after["tags"]) == set(before["tags"]) - {"outreach"} | {"new"}
    assert [link["url"] for link in after["links"]] == [
        *[link["url"] for link in before["links"][1:]],
        "https://example.org/slides.pdf",
    ]
    assert [display_name(p) for p in after["people"]] == [
        *[display_name(p) for p in before["people"] if p["family"] != "Novak"],
        "Ana Núñez",
    ]
    assert after["audiences"] == [*before["audiences"][1:], "policymakers"]
    assert after["updated"] > before["updated"]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--set", "type=podcast"], "type 'podcast'"),
        (["--set", "date=2021-13"], "date '2021-13'"),
        (["--add-link", "javascript:alert(1)"], "links.url 'javascript:alert(1)'"),
        (["--remove-tag", "not-there"], "tags 'not-there': no such tag"),
        (["--remove-link", "https://example.org/absent"], "no such link"),
        (["--set", "id=other"], "set by htcat"),
        (["--set", "colour=red"], "unknown field"),
        (["--set", "title"], "expected FIELD=VALUE"),
        (["--set", "title= "], "title"),
    ],
)
def test_edit_with_an_invalid_result_exits_2_and_writes_nothing(seed_db: Path, cli, args, named):
    before = seed_db.read_bytes()
    result = cli("edit", "htla", *args)
    assert result.exit_code == 2
    assert named in result.stderr
    assert seed_db.read_bytes() == before


def test_edit_unknown_id_exits_2(seed_db: Path, cli):
    before = seed_db.read_bytes()
    result = cli("edit", "nope", "--set", "title=X")
    assert result.exit_code == 2 and "no entry with id 'nope'" in result.stderr
    assert seed_db.read_bytes() == before


def test_edit_without_options_and_without_terminal_exits_2(seed_db: Path, cli):
    result = cli("edit", "htla")
    assert result.exit_code == 2 and "nothing to change" in result.stderr


def test_edit_that_changes_nothing_keeps_the_bytes(seed_db: Path, cli):
    before = seed_db.read_bytes()
    result = cli("edit", "htla", "--set", "date=2021-02-26", "--set", "type=report")
    assert result.exit_code == 0
    assert result.stderr == f"no change to {HTLA}\n"
    assert seed_db.read_bytes() == before


# --- duplicates -------------------------------------------------------------------------------

HTLA_PAGE = "https://www.acf.hhs.gov/otip/report/htla-class-6-recommendations-report"


@pytest.mark.parametrize(
    "args",
    [
        ["edit", "htla", "--add-link", HTLA_PAGE.replace("www.acf", "WWW.ACF") + "/#top"],
        ["edit", "htla", "--add-link", "https://x.org/a", "--add-link", "https://x.org/a#b"],
        ["edit", "htla", "--add-person", "Ana Núñez|author", "--add-person", " ana núñez "],
        ["add", "--title", "Copy", "--link", HTLA_PAGE + "#top"],
        ["edit", "labor-trafficking-among", "--add-link", f"Report|{HTLA_PAGE}|page"],
    ],
    ids=["link-on-entry", "link-twice", "person-twice", "add-others-link", "edit-others-link"],
)
def test_a_duplicate_made_by_hand_is_refused_naming_it(seed_db: Path, cli, args):
    before = seed_db.read_bytes()
    result = cli(*args)
    assert result.exit_code == 2
    assert "is on this entry twice" in result.stderr or (
        f"is already a link of entry '{HTLA}'" in result.stderr
    )
    assert seed_db.read_bytes() == before


def test_a_person_already_on_the_entry_is_refused(seed_db: Path, cli):
    result = cli("edit", "labor-trafficking-among", "--add-person", "jenna novak|moderator")
    assert result.exit_code == 2
    assert "people 'jenna novak': is on this entry twice" in result.stderr


def hand_edited_shared_id(db: Path) -> Path:
    """Two entries given one id by a person with a text editor."""
    write_catalog(db, [{"title": "First"}, {"title": "Second"}])
    data = json.loads(db.read_text())
    for doc in data["entries"].values():
        doc["id"] = "shared"
    db.write_text(json.dumps(data, indent=2))
    return db


@pytest.mark.parametrize(
    "args",
    [
        ["show", "shared"],
        ["show", "sha"],
        ["edit", "shared", "--set", "date=2020"],
        ["remove", "shared", "--yes"],
    ],
)
@pytest.mark.parametrize("indexed", [False, True], ids=["json", "index"])
def test_an_id_two_entries_hold_is_refused_naming_it_and_doctor(
    db: Path, cli, monkeypatch, args, indexed
):
    if indexed:
        monkeypatch.setenv("HTCAT_INDEX_MIN_BYTES", "0")
    before = hand_edited_shared_id(db).read_bytes()
    result = cli(*args)
    assert result.exit_code == 3
    assert "id 'shared' is held by 2 entries" in result.stderr and "htcat doctor" in result.stderr
    assert db.read_bytes() == before


# --- edit in $EDITOR (the editor itself is driven through a terminal in test_interactive) ----


def test_edit_in_editor_without_a_terminal_refuses_and_starts_no_editor(
    seed_db: Path, cli, tmp_path, monkeypatch
):
    started = tmp_path / "started"
    monkeypatch.setenv("EDITOR", f"touch {started}")
    before = seed_db.read_bytes()
    result = cli("edit", "htla", "--editor")
    assert result.exit_code == 2
    assert "--editor needs a terminal" in result.stderr
    assert not started.exists()
    assert seed_db.read_bytes() == before


# --- remove -----------------------------------------------------------------------------------


def test_remove_without_yes_and_without_terminal_exits_2(seed_db: Path, cli):
    before = seed_db.read_bytes()
    result = cli("remove", "htla")
    assert result.exit_code == 2 and "--yes" in result.stderr
    assert seed_db.read_bytes() == before


def test_remove_with_yes_removes_entries_by_prefix(seed_db: Path, cli):
    result = cli("remove", "htla", "research-policy", "--yes")
    assert result.exit_code == 0, result.stderr
    assert "removed 2 entries" in result.stderr
    ids = set(entries_in(seed_db))
    assert len(ids) == 3 and HTLA not in ids


def test_remove_with_one_unknown_id_removes_nothing(seed_db: Path, cli):
    before = seed_db.read_bytes()
    result = cli("remove", "htla", "nope", "-y")
    assert result.exit_code == 2 and "'nope'" in result.stderr
    assert seed_db.read_bytes() == before


def test_remove_then_add_does_not_reuse_stamps(seed_db: Path, cli):
    assert cli("remove", "htla", "--yes").exit_code == 0
    assert cli("add", "--title", "HTLA Class 6 Recommendations Report").stdout == f"{HTLA}\n"
    assert entries_in(seed_db)[HTLA]["created"] != OLD


# --- edit and remove by filters ---------------------------------------------------------------


def test_remove_by_filters_removes_what_they_select(seed_db: Path, cli):
    result = cli("remove", "--type", "information-memorandum", "--since", "2021", "--yes")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "removed 1 entry\n"
    ids = set(entries_in(seed_db))
    assert len(ids) == 4
    assert "information-memorandum-federal-cases-involving-forced-labor-of-health" not in ids


def test_remove_by_ids_and_filters_removes_only_the_named_entries_that_match(seed_db: Path, cli):
    result = cli("remove", "htla", "labor-trafficking-among", "--type", "webinar", "--yes")
    assert result.stderr == "removed 1 entry\n"
    assert HTLA in entries_in(seed_db) and WEBINAR not in entries_in(seed_db)


def test_remove_by_filters_that_match_nothing_writes_nothing(seed_db: Path, cli, count_writes):
    result = cli("remove", "--status", "draft", "--type", "webinar", "--yes")
    assert result.exit_code == 0 and result.stderr == "removed 0 entries\n"
    assert count_writes == []


def test_remove_with_neither_ids_nor_filters_is_refused(seed_db: Path, cli):
    result = cli("remove", "--yes")
    assert result.exit_code == 2 and "name entries by id or filters" in result.stderr
    assert len(entries_in(seed_db)) == 5


def test_edit_by_filters_changes_every_selected_entry_in_one_write(
    seed_db: Path, cli, count_writes
):
    result = cli("edit", "--type", "information-memorandum", "--set", "status=archived")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "updated 2 entries of 2 selected\n"
    assert count_writes == [seed_db]
    statuses = {e["id"]: e["status"] for e in entries_in(seed_db).values()}
    assert sorted(statuses.values()) == [
        "archived",
        "archived",
        "published",
        "published",
        "published",
    ]
    again = cli("edit", "--type", "information-memorandum", "--set", "status=archived")
    assert again.stderr == "no change to the 2 entries selected\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--type", "report", "--type", "research", "--add-link", "https://x.org/a"],
            "a link belongs to one entry",
        ),
        (["--type", "research", "--editor"], "take --set, --add-… or --remove-… only"),
        (["--type", "information-memorandum", "--remove-tag", "otip"], "tags 'otip': no such tag"),
        ([], "name an entry by id, or entries by filters"),
    ],
)
def test_edit_by_filters_refusals_write_nothing(seed_db: Path, cli, args, message):
    before = seed_db.read_bytes()
    result = cli("edit", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert seed_db.read_bytes() == before


def test_a_tag_typed_with_commas_is_the_tags_it_lists(empty_db: Path, cli):
    added = cli("add", "--title", "T", "--tag", "labor trafficking, agriculture", "--tag", "x")
    assert added.exit_code == 0, added.stderr
    assert entries_in(empty_db)["t"]["tags"] == ["agriculture", "labor-trafficking", "x"]
    edited = cli("edit", "t", "--add-tag", "supply chains,outreach")
    assert edited.exit_code == 0, edited.stderr
    assert "supply-chains" in entries_in(empty_db)["t"]["tags"]
    assert all("," not in tag for tag in entries_in(empty_db)["t"]["tags"])
