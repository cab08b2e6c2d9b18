# ruff: noqa: RUF001 - the point of this file is realistic non-ASCII text
"""Realistic synthetic catalog entries for the benchmarks, the same every time.

Entries look like the resource library htcat is made for: summaries of 300 to
2,000 characters in paragraphs, with accents, curly quotes, dashes and, in some
entries, a CJK abstract; 2 to 6 tags drawn unevenly from a vocabulary of a few
hundred; 1 to 4 links (pdf, webinar, transcript, page); people with roles and
affiliations; dates over twenty years. The same seed gives the same bytes.

Links point at hosts under ``.example``, a name reserved never to resolve:
nothing generated here can send traffic anywhere.

Usage:

    python bench/generate.py 10000 --out /tmp/htcat-bench   # entries-10000.jsonl, .csv
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

SEED = 20_060_101
GENERATOR_VERSION = "1"
"""Bump when the output changes, so cached catalogs are built again."""

CSV_COLUMNS = (
    "title",
    "type",
    "summary",
    "date",
    "publisher",
    "status",
    "people",
    "audiences",
    "tags",
    "links",
    "created",
    "updated",
)
"""Columns of htcat's CSV import (see src/htcat/formats/csv.py); ids are left to htcat."""

TYPES = (
    ("report", 24),
    ("research", 16),
    ("webinar", 14),
    ("fact-sheet", 10),
    ("information-memorandum", 6),
    ("toolkit", 8),
    ("training", 8),
    ("guidance", 7),
    ("data", 4),
    ("other", 3),
)
STATUSES = (("published", 90), ("draft", 7), ("archived", 3))
LINK_KINDS = (("pdf", 50), ("webinar", 12), ("transcript", 13), ("page", 25))
ROLES = ("author", "speaker", "moderator", "editor", "contributor")

TOPICS = (
    "forced labor",
    "labor trafficking",
    "sex trafficking",
    "supply chains",
    "child labor",
    "debt bondage",
    "domestic servitude",
    "survivor leadership",
    "trauma-informed care",
    "victim identification",
    "health care",
    "public health",
    "housing",
    "runaway and homeless youth",
    "child welfare",
    "foster care",
    "tribal communities",
    "Native Hawaiian communities",
    "Alaska Native villages",
    "migrant workers",
    "agricultural labor",
    "seafood processing",
    "hospitality",
    "construction",
    "online exploitation",
    "financial services",
    "prosecution",
    "civil litigation",
    "data collection",
    "screening tools",
    "prevention education",
    "economic empowerment",
    "mental health",
    "substance use",
    "peer support",
    "workforce development",
    "language access",
    "disability",
    "LGBTQI+ youth",
    "faith communities",
)
TOPIC_WORDS = (
    "forced-labor",
    "labor-trafficking",
    "sex-trafficking",
    "supply-chains",
    "child-labor",
    "debt-bondage",
    "domestic-servitude",
    "survivors",
    "trauma",
    "identification",
    "screening",
    "health",
    "housing",
    "youth",
    "child-welfare",
    "foster-care",
    "tribal",
    "migration",
    "agriculture",
    "seafood",
    "hospitality",
    "construction",
    "online",
    "finance",
    "prosecution",
    "litigation",
    "data",
    "prevention",
    "education",
    "employment",
    "mental-health",
    "substance-use",
    "peer-support",
    "workforce",
    "language-access",
    "disability",
    "lgbtqi",
    "faith",
    "courts",
    "law-enforcement",
)
TAG_FACETS = (
    "policy",
    "research",
    "training",
    "toolkit",
    "grants",
    "evaluation",
    "outreach",
    "services",
)
PLACES = (
    "São Paulo",
    "Montréal",
    "Zürich",
    "Bogotá",
    "Kraków",
    "Reykjavík",
    "Yaoundé",
    "Ciudad Juárez",
    "Hà Nội",
    "Chișinău",
    "İzmir",
    "Córdoba",
    "Nouméa",
    "Sevilla",
    "Honolulu",
    "Anchorage",
    "Albuquerque",
    "El Paso",
    "Manila",
    "Accra",
)
FIRST_NAMES = (
    "José",
    "Zoë",
    "Łukasz",
    "Søren",
    "Amélie",
    "Nuño",
    "Chloé",
    "Björn",
    "Inés",
    "François",
    "Ngozi",
    "Aroha",
    "Kealoha",
    "Mei",
    "Dmitrij",
    "Oğuz",
    "Marisol",
    "Thandiwe",
    "Priya",
    "Jonas",
    "Leilani",
    "Hyun-woo",
    "Fatoumata",
    "Renée",
)
LAST_NAMES = (
    "García",
    "Müller",
    "Nguyễn",
    "Østergaard",
    "Kowalczyk",
    "O’Brien",
    "Pérez-Núñez",
    "Dubois",
    "Yılmaz",
    "Kahananui",
    "Okafor",
    "Lindqvist",
    "Tanaka",
    "Santos",
    "Hernández",
    "Begay",
    "Novák",
    "Mensah",
    "Çelik",
    "Ramírez",
)
AFFILIATIONS = (
    "HHS Office on Trafficking in Persons",
    "National Human Trafficking Training and Technical Assistance Center",
    "Université de Montréal",
    "Universidad de São Paulo",
    "Polaris",
    "International Labour Organization",
    "Organización Internacional para las Migraciones",
    "Bundesamt für Migration und Flüchtlinge",
    "University of Hawaiʻi at Mānoa",
    "Alaska Native Justice Center",
    "Coalition to Abolish Slavery & Trafficking",
    "Administration for Children and Families",
    "Freedom Network USA",
    "Office for Victims of Crime",
    "Instituto Nacional de las Mujeres",
    "Københavns Universitet",
)
PUBLISHERS = (
    ("HHS Office on Trafficking in Persons", 30),
    ("National Human Trafficking Training and Technical Assistance Center", 15),
    ("Administration for Children and Families", 10),
    ("Office for Victims of Crime", 8),
    ("International Labour Organization", 6),
    ("Organización Internacional para las Migraciones", 4),
    ("Bundesamt für Migration und Flüchtlinge", 2),
    ("Université de Montréal", 2),
    ("Polaris", 6),
    ("Freedom Network USA", 4),
    ("University of Hawaiʻi at Mānoa", 2),
    ("国际劳工组织 北京局", 1),
)
AUDIENCES = (
    "health professionals",
    "healthcare administrators",
    "anti-trafficking professionals",
    "legal professionals",
    "child welfare workers",
    "educators",
    "law enforcement",
    "survivors",
    "employers",
    "researchers",
    "tribal leaders",
    "policymakers",
)
SERIES = {
    "report": "Report",
    "research": "Research Brief",
    "webinar": "Webinar",
    "fact-sheet": "Fact Sheet",
    "information-memorandum": "Information Memorandum",
    "toolkit": "Toolkit",
    "training": "Training Module",
    "guidance": "Guidance",
    "data": "Data Brief",
    "other": "Resource",
}
TITLE_FORMS = (
    "{topic_cap}: {facet_cap} for {audience}",
    "Addressing {topic} in {place}",
    "{facet_cap} — {topic_cap} and {topic2}",
    "{topic_cap} Across Systems",
    "Understanding {topic} among {audience}",
    "{topic_cap} in {place}: Lessons from {year}",
    "For {audience}, on {topic}",
    "{topic_cap} at a Glance",
    "{topic_cap} and {topic2}",
    "“{topic_cap}” — A {facet} Review",
)
SENTENCES = (
    "This {kind} examines how {topic} intersects with {topic2} in {place}.",
    "Drawing on interviews with {audience}, the authors describe the signs of {topic}.",
    "It offers practical steps for {audience} who encounter {topic} in their work.",
    "The {kind} was prepared by {person} of {affiliation}.",
    "Participants discussed “{topic}” and the role of {topic2} in prevention.",
    "Findings from {year} show that screening for {topic} improves when {audience} "
    "receive training.",
    "In {place}, community partners — including {affiliation} — piloted new referral protocols.",
    "The National Action Plan calls on agencies to ‘strengthen efforts’ against {topic}.",
    "Survivors’ perspectives shaped every recommendation on {topic2}.",
    "Speakers from {affiliation} shared data on {topic} collected since {year}.",
    "The guidance clarifies federal definitions of {topic} and {topic2}.",
    "A résumé of state laws on {topic} follows, with citations as of {year}.",
)
CJK_ABSTRACTS = (
    "摘要：本报告讨论强迫劳动与人口贩运问题，并提出供应链中的预防措施。",
    "要旨：強制労働と人身取引の被害者支援について、医療従事者向けの指針を示す。",
    "요약: 이 자료는 인신매매 피해자 식별과 지원 방안을 다룹니다.",
)
START_YEAR = 2006
STAMPS_FROM = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
YEARS = 20


def _tag_vocabulary(rng: random.Random) -> list[str]:
    """About 350 tags: every topic, and topic-facet pairs, in a shuffled (Zipf) order."""
    tags = list(TOPIC_WORDS)
    tags += [f"{word}-{facet}" for word in TOPIC_WORDS for facet in TAG_FACETS]
    rng.shuffle(tags)
    return tags


def _weighted(pairs: tuple[tuple[str, int], ...]) -> tuple[list[str], list[int]]:
    return [p[0] for p in pairs], [p[1] for p in pairs]


class EntryMaker:
    """Makes entry ``n`` of a catalog; a catalog of 1,000 is the start of one of 100,000."""

    def __init__(self, seed: int = SEED) -> None:
        self.seed = seed
        self.tags = _tag_vocabulary(random.Random(seed))
        self.tag_weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(self.tags))]

    def entry(self, n: int) -> dict[str, Any]:
        rng = random.Random(self.seed * 1_000_003 + n)
        values = self._values(rng)
        types, type_weights = _weighted(TYPES)
        kind = rng.choices(types, type_weights)[0]
        # A series number early in every title keeps the ids made from titles unique
        # (ids are cut at 80 characters), as numbered series do in real libraries.
        series = SERIES[kind]
        title = f"{series} {n + 1}: " + rng.choice(TITLE_FORMS).format(**values)
        statuses, status_weights = _weighted(STATUSES)
        publishers, publisher_weights = _weighted(PUBLISHERS)
        added = STAMPS_FROM + dt.timedelta(seconds=rng.randrange(3 * 365 * 86_400))
        stamp = added.strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "title": title,
            "type": kind,
            "summary": self._summary(rng, values),
            "date": self._date(rng),
            "publisher": rng.choices(publishers, publisher_weights)[0],
            "status": rng.choices(statuses, status_weights)[0],
            "people": self._people(rng),
            "audiences": rng.sample(AUDIENCES, rng.randrange(0, 4)),
            "tags": sorted(set(rng.choices(self.tags, self.tag_weights, k=rng.randrange(2, 7)))),
            "links": self._links(rng, n, title),
            "created": stamp,
            "updated": stamp,
        }

    def entries(self, count: int) -> Iterator[dict[str, Any]]:
        for n in range(count):
            yield self.entry(n)

    def _values(self, rng: random.Random) -> dict[str, str]:
        topic, topic2 = rng.sample(TOPICS, 2)
        facet = rng.choice(TAG_FACETS)
        return {
            "topic": topic,
            "topic2": topic2,
            "topic_cap": topic[:1].upper() + topic[1:],
            "facet": facet,
            "facet_cap": facet.capitalize(),
            "audience": rng.choice(AUDIENCES),
            "place": rng.choice(PLACES),
            "year": str(START_YEAR + rng.randrange(YEARS)),
            "kind": rng.choice(("report", "brief", "webinar", "toolkit", "study")),
            "person": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            "affiliation": rng.choice(AFFILIATIONS),
        }

    def _summary(self, rng: random.Random, values: dict[str, str]) -> str:
        """300 to 2,000 characters in paragraphs of two to five sentences."""
        target = 300 + int(1700 * rng.random() ** 2)  # most summaries short, a few long
        paragraphs: list[str] = []
        length = 0
        while length < target:
            sentences = []
            for _ in range(rng.randrange(2, 6)):
                fresh = self._values(rng) | {"topic": values["topic"]}
                sentences.append(rng.choice(SENTENCES).format(**fresh))
            paragraph = " ".join(sentences)
            paragraphs.append(paragraph)
            length += len(paragraph) + 2
        if rng.random() < 0.05:
            paragraphs.append(rng.choice(CJK_ABSTRACTS))
        text = "\n\n".join(paragraphs)
        if len(text) > 2000:
            text = text[:2000].rsplit(" ", 1)[0].rstrip(",;:—") + "…"
        return text

    @staticmethod
    def _date(rng: random.Random) -> str:
        year = START_YEAR + rng.randrange(YEARS)
        precision = rng.random()
        if precision < 0.05:
            return str(year)
        month = rng.randrange(1, 13)
        if precision < 0.30:
            return f"{year}-{month:02d}"
        return f"{year}-{month:02d}-{rng.randrange(1, 29):02d}"

    @staticmethod
    def _people(rng: random.Random) -> list[dict[str, str]]:
        return [
            {
                "family": rng.choice(LAST_NAMES),
                "given": rng.choice(FIRST_NAMES),
                "role": rng.choice(ROLES),
                "affiliation": rng.choice(AFFILIATIONS),
            }
            for _ in range(rng.randrange(0, 5))
        ]

    @staticmethod
    def _links(rng: random.Random, n: int, title: str) -> list[dict[str, str]]:
        kinds, weights = _weighted(LINK_KINDS)
        host = f"https://library{n % 7}.example"
        links = []
        for number in range(rng.randrange(1, 5)):
            kind = rng.choices(kinds, weights)[0]
            suffix = ".pdf" if kind in ("pdf", "transcript") else ""
            links.append(
                {
                    "url": f"{host}/resources/{n}/{number}-{kind}{suffix}",
                    "label": f"{title[:60]} ({kind})",
                    "kind": kind,
                }
            )
        return links


def jsonl_bytes(entries: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(entry, option=orjson.OPT_APPEND_NEWLINE) for entry in entries)


def csv_bytes(entries: list[dict[str, Any]]) -> bytes:
    """htcat's CSV: list cells ``;``-separated, a link ``label|url|kind``, a person
    ``Family, Given|role|affiliation`` (generated text holds no ``;``, ``|`` or ``\\``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        cells = dict(entry)
        cells["people"] = ";".join(
            f"{p['family']}, {p['given']}|{p['role']}|{p['affiliation']}" for p in entry["people"]
        )
        cells["links"] = ";".join(f"{k['label']}|{k['url']}|{k['kind']}" for k in entry["links"])
        cells["audiences"] = ";".join(entry["audiences"])
        cells["tags"] = ";".join(entry["tags"])
        writer.writerow([cells[column] for column in CSV_COLUMNS])
    return out.getvalue().encode("utf-8")


def write_files(size: int, folder: Path, seed: int = SEED) -> tuple[Path, Path]:
    """``entries-SIZE.jsonl`` and ``entries-SIZE.csv`` in ``folder``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = list(EntryMaker(seed).entries(size))
    jsonl = folder / f"entries-{size}.jsonl"
    csv_file = folder / f"entries-{size}.csv"
    jsonl.write_bytes(jsonl_bytes(entries))
    csv_file.write_bytes(csv_bytes(entries))
    return jsonl, csv_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("size", type=int, help="number of entries, e.g. 1000, 10000, 100000")
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for the files")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    for path in write_files(args.size, args.out, args.seed):
        print(path)


if __name__ == "__main__":
    main()
