"""The shipped catalog's webinar transcript, as if ``htcat fetch`` had stored it.

The seed catalog's links point at the internet, which tests never reach; a
PDF with known text stands in for the transcript: archived under its SHA-256
beside the catalog, recorded on the link as a fetch records it, its text put
in the store by a rebuild from the archive.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from helpers.texdocs import latex_pdf
from htcat.docsearch import rebuild_store
from htcat.links.config import DocumentLimits
from htcat.store.file import change_catalog

WEBINAR = "labor-trafficking-among-foreign-nationals-and-migrant-workers-new-tools-and"
TRANSCRIPT_PAGES = [
    "Welcome to the webinar on labor trafficking among foreign nationals.",
    "Workers in agriculture told us about debt bondage: recruitment fees they could never repay.",
]


def fetch_seed_transcript(db: Path) -> str:
    """Store a stand-in for the seed webinar's transcript; its SHA-256."""
    pdf = latex_pdf(db.parent / "typeset", TRANSCRIPT_PAGES, name="transcript").read_bytes()
    sha256 = hashlib.sha256(pdf).hexdigest()
    where = f"{sha256[:2]}/{sha256}.pdf"
    archive = db.parent / "archive"
    (archive / where).parent.mkdir(parents=True, exist_ok=True)
    (archive / where).write_bytes(pdf)
    with change_catalog(db) as catalog:
        entry = catalog.get(WEBINAR)
        for link in entry["links"]:
            if link["kind"] == "transcript":
                link["check"] = {"outcome": "ok", "sha256": sha256, "archive_path": where}
        catalog.replace(entry)
    rebuild_store(db, archive, DocumentLimits())
    return sha256
