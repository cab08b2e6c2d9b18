"""Generated catalogs for the browser tests, screenshots and the 10,000-entry measurement.

Entries look like the shipped ones (types, dated summaries in paragraphs,
people with roles, PDF and webinar links, a few broken) and pass htcat's
validation; accented words make the keyword folding matter. Deterministic
for a seed.
"""

from __future__ import annotations

import random
from typing import Any

from htcat.model import validate_entry

TOPICS = [
    "Labor Trafficking",
    "Sex Trafficking",
    "Forced Labor",
    "Supply Chains",
    "Child Welfare",
    "Health Care Responses",
    "Survivor Leadership",
    "Data Collection",
    "Prevention Education",
    "Migrant Workers",
    "Tribal Communities",
    "Runaway and Homeless Youth",
    "Domestic Servitude",
    "Agricultural Work",
    "Online Exploitation",
    "Trauma-Informed Care",
    "Housing Services",
]
FORMS = {
    "report": ["Report", "Annual Report", "Recommendations Report", "Evaluation Report"],
    "information-memorandum": ["Information Memorandum", "Policy Memorandum"],
    "research": ["Research Brief", "Literature Review", "Study"],
    "webinar": ["Webinar", "Webinar Series", "Virtual Roundtable"],
    "fact-sheet": ["Fact Sheet", "At a Glance"],
    "toolkit": ["Toolkit", "Resource Guide"],
    "training": ["Training Module", "Online Course"],
    "guidance": ["Guidance", "Promising Practices"],
    "data": ["Data Snapshot", "Dataset"],
    "other": ["Resource", "Directory"],
}
TYPE_WEIGHTS = {
    "report": 5,
    "information-memorandum": 3,
    "research": 4,
    "webinar": 5,
    "fact-sheet": 3,
    "toolkit": 2,
    "training": 2,
    "guidance": 2,
    "data": 1,
    "other": 1,
}
PLACES = ["São Paulo", "Bogotá", "México", "Québec", "Zürich", "Malmö", "Kraków", "Ciudad Juárez"]
WORDS = [
    "agencies",
    "service",
    "providers",
    "survivors",
    "communities",
    "identify",
    "respond",
    "prevent",
    "screening",
    "outreach",
    "partnerships",
    "federal",
    "state",
    "local",
    "tribal",
    "grantees",
    "evidence",
    "practices",
    "policy",
    "victims",
    "assistance",
    "shelter",
    "legal",
    "immigration",
    "employment",
    "health",
    "education",
    "youth",
    "families",
    "risk",
    "factors",
    "indicators",
    "referral",
    "coordination",
    "training",
    "capacity",
    "evaluation",
    "outcomes",
    "program",
    "collaboration",
    "resilience",
    "trauma-informed",
    "person-centered",
    "culturally",
    "responsive",
    "résumé",
    "naïve",
    "café",
    "coöperation",
    "façade",
    "protégé",
    "rôle",
    "élite",
]
PEOPLE = [
    "Jenna Novak",
    "Gonzalo Martinez de Vedia",
    "Makini Chisolm-Straker",
    "Julissa Ponce",
    "Amara Okafor",
    "José Álvarez",
    "Mei-Ling Chen",
    "Siobhán O'Connor",
    "Ravi Shankar",
    "Ingrid Sørensen",
    "Kwame Mensah",
    "Noor Haddad",
]
ORGS = [
    "HHS Office on Trafficking in Persons",
    "National Human Trafficking Training and Technical Assistance Center",
    "Administration for Children and Families",
    "Office on Women's Health",
]
TAGS = [
    "labor-trafficking",
    "sex-trafficking",
    "forced-labor",
    "supply-chains",
    "health-care",
    "child-welfare",
    "survivor-leaders",
    "prevention",
    "data",
    "research",
    "migrant-workers",
    "youth",
    "housing",
    "screening",
    "identification",
    "outreach",
    "policy",
    "evaluation",
    "tribal-communities",
    "online-exploitation",
    "trauma-informed",
    "education",
    "webinar",
    "training",
    "legal-services",
    "immigration",
    "agriculture",
    "domestic-work",
    "technology",
    "partnerships",
    "public-awareness",
    "victim-services",
    "case-management",
    "mental-health",
]


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
    if rng.random() < 0.3:
        words.insert(rng.randrange(len(words)), "in " + rng.choice(PLACES))
    return " ".join(words).capitalize() + "."


def _summary(rng: random.Random) -> str:
    paragraphs = [" ".join(_sentence(rng) for _ in range(rng.randint(2, 4))) for _ in range(2)]
    if rng.random() < 0.2:
        paragraphs.append("\n".join(f"- {_sentence(rng)}" for _ in range(3)))
    return "\n\n".join(paragraphs)


def _date(rng: random.Random) -> str:
    year = rng.randint(2005, 2026)
    return rng.choice(
        [
            f"{year}",
            f"{year}-{rng.randint(1, 12):02d}",
            f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        ]
    )


def _links(rng: random.Random, n: int, kind: str) -> list[dict[str, Any]]:
    base = f"https://www.example.gov/otip/resource-{n}"
    links: list[dict[str, Any]] = [{"url": base, "label": "Resource page", "kind": "page"}]
    if kind == "webinar":
        links += [
            {"url": f"{base}/qa.pdf", "label": "Q&A Responses (PDF)", "kind": "pdf"},
            {"url": f"{base}/transcript.pdf", "label": "Webinar Transcript", "kind": "transcript"},
            {"url": f"{base}/watch", "label": "View Webinar", "kind": "webinar"},
        ]
    else:
        links.append({"url": f"{base}/document.pdf", "label": "Full document", "kind": "pdf"})
    for link in links[1:]:
        if rng.random() < 0.04:
            link["check"] = {"outcome": "broken", "status": 404, "checked": "2026-11-20T02:00:00Z"}
    return links


def synthetic_entries(count: int, seed: int = 8) -> list[dict[str, Any]]:
    """``count`` valid entries with distinct ids."""
    rng = random.Random(seed)
    kinds = list(TYPE_WEIGHTS)
    weights = list(TYPE_WEIGHTS.values())
    entries = []
    for n in range(count):
        kind = rng.choices(kinds, weights)[0]
        title = f"{rng.choice(TOPICS)}: {rng.choice(FORMS[kind])} {n + 1}"
        people = []
        if kind == "webinar":
            people = [{"name": rng.choice(PEOPLE), "role": "moderator"}]
            people += [
                {"name": p, "role": "speaker", "affiliation": rng.choice(ORGS)}
                for p in rng.sample(PEOPLE, rng.randint(1, 3))
            ]
        elif rng.random() < 0.4:
            people = [{"name": p, "role": "author"} for p in rng.sample(PEOPLE, rng.randint(1, 2))]
        raw = {
            "id": f"resource-{n + 1}",
            "title": title,
            "type": kind,
            "summary": _summary(rng),
            "date": _date(rng),
            "publisher": rng.choice(ORGS),
            "people": people,
            "audiences": rng.sample(
                [
                    "service providers",
                    "health professionals",
                    "researchers",
                    "policymakers",
                    "educators",
                ],
                rng.randint(1, 3),
            ),
            "tags": rng.sample(TAGS, rng.randint(2, 6)),
            "links": _links(rng, n + 1, kind),
        }
        entries.append(validate_entry(raw))
    return entries
