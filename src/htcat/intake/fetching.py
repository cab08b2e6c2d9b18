"""Sources read through the link client: pages, PDFs and DOI records, politely.

Every request goes through `fetch_link`, the path ``htcat fetch`` takes: the
same client and User-Agent, the policy of htcat.toml, per-host slots and
pace, ``Retry-After``, redirect rules, timeouts and the size limit. A page's
meta refresh and the DOI it names are fetched within the same run, so one
host's pace holds across all of a run's requests.
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import orjson

from htcat.intake.config import CSL_JSON, IntakeConfig
from htcat.intake.findings import Findings
from htcat.intake.page import PageError, read_page
from htcat.intake.pdfmeta import PdfError, read_pdf_metadata
from htcat.intake.sources import Source
from htcat.links.client import build_client, host_key
from htcat.links.fetch import FetchTarget, fetch_link
from htcat.links.pacing import Hosts
from htcat.links.scheduler import Limiter, Run, run_all
from htcat.links.settings import FetchSettings
from htcat.links.sniff import describe_body, is_pdf, media_type


class SourceFailed(Exception):
    """A source that proposes nothing: ``str()`` names the URL or file and the reason."""


@dataclass
class Gathered:
    """What one source gave: its metadata layers, the DOI record, the document's hash.

    ``url`` is the address to link (after permanent redirects and meta
    refreshes), None for a local file; ``csl`` is the DOI's CSL-JSON item.
    """

    source: Source
    url: str | None = None
    is_pdf: bool = False
    findings: Findings | None = None
    csl: dict[str, object] | None = None
    doi: str | None = None
    sha256: str | None = None
    error: str | None = None
    warnings: list[str] | None = None


@dataclass(frozen=True)
class _Body:
    url: str
    """Where the body came from, after every redirect: what relative links are read against."""
    link: str
    """What to link: the URL asked, or where it moved for good (permanent redirects)."""
    content_type: str | None
    data: bytes
    sha256: str
    path: Path


async def _get(run: Run, settings: FetchSettings, url: str, accept: str | None = None) -> _Body:
    """The body at ``url`` (read from the run's scratch archive), or SourceFailed saying why."""
    result = await fetch_link(run, FetchTarget("", url, "other", accept=accept), settings)
    if result.archive_path is None or result.sha256 is None:
        status = f"HTTP {result.status}: " if result.status and result.status >= 400 else ""
        raise SourceFailed(f"{url}: {status}{result.error or result.outcome}")
    path = settings.archive / result.archive_path
    data = path.read_bytes()
    final = result.final_url or url
    return _Body(final, result.moved_to or url, result.content_type, data, result.sha256, path)


def _csl_item(body: _Body, doi: str) -> dict[str, object]:
    """The CSL-JSON item a resolver answered, or SourceFailed saying what came instead."""
    kind = media_type(body.content_type) or "no content type"
    try:
        item = orjson.loads(body.data)
    except orjson.JSONDecodeError:
        got = describe_body(body.data[:1024], body.content_type)
        raise SourceFailed(f"DOI {doi}: the resolver answered {got}, not CSL-JSON") from None
    if isinstance(item, list) and len(item) == 1:
        item = item[0]
    if not isinstance(item, dict) or not item.get("title"):
        raise SourceFailed(f"DOI {doi}: the resolver's {kind} answer is no CSL-JSON item")
    return item


async def _gather_one(
    run: Run, settings: FetchSettings, config: IntakeConfig, source: Source
) -> Gathered:
    got = Gathered(source, warnings=[])
    assert got.warnings is not None
    doi = source.value if source.kind == "doi" else None
    if source.kind == "pdf":
        path = Path(source.value)
        got.sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
        got.is_pdf = True
        got.findings = _read_pdf(path, source.given)
    elif source.kind == "url":
        seen = set()
        url = source.value
        while True:
            body = await _get(run, settings, url)
            if is_pdf(body.data[:1024]):
                got.is_pdf, got.url, got.sha256 = True, body.link, body.sha256
                got.findings = _read_pdf(body.path, url)
                break
            try:
                found = read_page(body.data, body.url, body.content_type)
            except PageError as exc:
                raise SourceFailed(f"{url}: {exc}") from None
            seen.add(url)
            if found.refresh and found.refresh not in seen:
                if len(seen) > settings.max_redirects:
                    raise SourceFailed(
                        f"{source.value}: more than {settings.max_redirects} meta refreshes"
                    )
                url = found.refresh
                continue
            if found.refresh:
                raise SourceFailed(f"{source.value}: meta refresh loop at {url}")
            got.url, got.findings = body.link, found
            break
        doi = got.findings.doi if got.findings else None
    if doi:
        got.doi = doi
        try:
            body = await _get(run, settings, config.doi_url(doi), CSL_JSON)
            got.csl = _csl_item(body, doi)
        except SourceFailed as exc:
            if source.kind == "doi":
                raise
            got.warnings.append(f"{exc}; the page's own metadata used")
    return got


def _read_pdf(path: Path, where: str) -> Findings:
    try:
        return read_pdf_metadata(path)
    except PdfError as exc:
        raise SourceFailed(f"{where}: {exc}") from None


async def gather(
    sources: list[Source],
    settings: FetchSettings,
    config: IntakeConfig,
    on_done: Callable[[Gathered], None] | None = None,
) -> list[Gathered]:
    """Each source fetched and read, in the sources' order; a failure is kept as ``error``.

    Bodies land in a scratch folder that is removed at the end: nothing of a
    source stays on disk, and the archive of ``htcat fetch`` is not touched.
    """
    found: dict[int, Gathered] = {}
    with tempfile.TemporaryDirectory(prefix="htcat-intake-") as scratch:
        scratch_settings = replace(settings, archive=Path(scratch))
        limiter = Limiter(settings.concurrency, settings.per_host, settings.policy)
        hosts = Hosts(settings.retry.max_retry_after)
        async with build_client(settings) as client:
            run = Run(client, limiter, hosts, scratch_settings)

            async def work(index: int) -> None:
                source = sources[index]
                try:
                    result = await _gather_one(run, scratch_settings, config, source)
                except SourceFailed as exc:
                    result = Gathered(source, error=str(exc), warnings=[])
                found[index] = result
                if on_done is not None:
                    on_done(result)

            def key(index: int) -> str:
                source = sources[index]
                return host_key(source.value if source.kind == "url" else config.doi_resolver)

            await run_all(range(len(sources)), key, work, settings.concurrency * 4)
    return [found[i] for i in range(len(sources))]


def gather_sources(
    sources: list[Source], settings: FetchSettings, config: IntakeConfig
) -> list[Gathered]:
    """`gather` for callers without an event loop."""
    return asyncio.run(gather(sources, settings, config))
