"""Sources read through the link client: pages, PDFs and DOI records, politely.

Each request is one link of a run as ``check`` makes it: the same client and
User-Agent, the policy of htcat.toml, per-host slots and pace, ``Retry-After``
and back-off (`within_limits`, `refused`, `failed`), redirect rules and
timeouts; the body is read into memory up to ``max_bytes``. A page's meta
refresh and the DOI it names are asked within the same run, so one host's
pace holds across all of a run's requests.
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson

from htcat.intake.config import CSL_JSON, IntakeConfig
from htcat.intake.decoding import PageError
from htcat.intake.findings import Findings
from htcat.intake.page import read_page
from htcat.intake.pdfmeta import PdfError, read_pdf_metadata
from htcat.intake.sources import Source
from htcat.links.client import address_of, build_client, host_key, open_following, read_head
from htcat.links.config import MiB, NetworkSettings
from htcat.links.outcomes import failed, https_required, read_failed, refused
from htcat.links.pacing import HostPace, Hosts, Retry
from htcat.links.results import CheckResult, LinkTarget, Outcome, unanswered
from htcat.links.scheduler import Limiter, Run, run_all, within_limits
from htcat.links.sniff import describe_body, is_pdf, media_type

MAX_SOURCE_BYTES = 50 * MiB
"""The largest document a source may be; a landing page is held to far less (`decoding`)."""


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
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Body:
    url: str
    """Where the body came from, after every redirect: what relative links are read against."""
    link: str
    """What to link: the URL asked, or where it moved for good (permanent redirects)."""
    content_type: str | None
    data: bytes


async def _attempt(
    run: Run, pace: HostPace, target: LinkTarget, accept: str | None, started: float, limit: int
) -> tuple[_Body | CheckResult, Retry | None]:
    """One try at a source: its whole body, or the result saying why not (and whether to retry)."""
    try:
        async with open_following(
            run.client,
            "GET",
            target.url,
            max_redirects=run.settings.max_redirects,
            headers={"Accept": accept} if accept else None,
        ) as followed:
            response = followed.response
            if not response.is_success:
                return refused(target, followed, run.settings, pace, started)
            pace.answered(success=True)
            try:
                data, complete = await read_head(response, limit)
            except httpx.TransportError as exc:
                raise read_failed(exc, followed) from exc
            if not complete:
                return unanswered(target, "too-large", f"larger than {limit:,} bytes"), None
            link = followed.moved_to or target.url
            content_type = response.headers.get("content-type")
            return _Body(str(response.url), link, content_type, data), None
    except Exception as exc:
        return failed(exc, target, run.settings, run.hosts)


async def _get(
    run: Run, url: str, accept: str | None = None, limit: int = MAX_SOURCE_BYTES
) -> _Body:
    """The body at ``url``, or SourceFailed naming the URL and the reason."""
    address = address_of(url)
    problem = address.problem or https_required(url, run.settings)
    if problem or address.url is None:
        raise SourceFailed(f"{url}: {problem or 'not a valid URL'}")
    if run.settings.policy.skips(url):
        raise SourceFailed(f"{url}: skipped by the policy in htcat.toml")
    target = LinkTarget("", url, "other")

    async def attempt(pace: HostPace, started: float) -> tuple[_Body | CheckResult, Retry | None]:
        return await _attempt(run, pace, target, accept, started, limit)

    def unsettled(outcome: Outcome, error: str) -> _Body | CheckResult:
        return unanswered(target, outcome, error)

    got = await within_limits(run, address.host, attempt, unsettled)
    if isinstance(got, CheckResult):
        raise SourceFailed(f"{url}: {got.error or got.outcome}")
    return got


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


async def _gather_one(run: Run, config: IntakeConfig, source: Source, scratch: Path) -> Gathered:
    """Read one source: its page or PDF, then the DOI it names (or is)."""
    got = Gathered(source)
    if source.kind == "pdf":
        path = Path(source.value)
        try:
            got.sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            raise SourceFailed(f"{source.given}: cannot read it: {exc.strerror or exc}") from None
        got.is_pdf = True
        got.findings = await _read_pdf(path, source.given)
    elif source.kind == "url":
        await _read_url(run, got, scratch)
    doi = source.value if source.kind == "doi" else got.findings.doi if got.findings else None
    if doi:
        got.doi = doi
        try:
            body = await _get(run, config.doi_url(doi), CSL_JSON)
            got.csl = _csl_item(body, doi)
        except SourceFailed as exc:
            if source.kind == "doi":
                raise
            got.warnings.append(f"{exc}; the source's own metadata used")
    return got


async def _read_url(run: Run, got: Gathered, scratch: Path) -> None:
    """The page or PDF at the source's URL, following meta refreshes as redirects are."""
    start = got.source.value
    url = start
    seen: set[str] = set()
    while True:
        body = await _get(run, url)
        if is_pdf(body.data[:1024]):
            got.is_pdf, got.url = True, body.link
            got.sha256 = hashlib.sha256(body.data).hexdigest()
            path = scratch / got.sha256
            path.write_bytes(body.data)
            got.findings = await _read_pdf(path, url)
            return
        try:
            found = await asyncio.to_thread(read_page, body.data, body.url, body.content_type)
        except PageError as exc:
            raise SourceFailed(f"{url}: {exc}") from None
        seen.add(url)
        if found.refresh is None:
            got.url, got.findings = body.link, found
            return
        if found.refresh in seen:
            raise SourceFailed(f"{start}: meta refresh loop at {url}")
        if len(seen) > run.settings.max_redirects:
            hops = run.settings.max_redirects
            raise SourceFailed(f"{start}: more than {hops} meta refreshes")
        url = found.refresh


async def _read_pdf(path: Path, where: str) -> Findings:
    """The PDF's metadata, read off the event loop (PDFium takes its time on big files)."""
    try:
        return await asyncio.to_thread(read_pdf_metadata, path)
    except PdfError as exc:
        raise SourceFailed(f"{where}: {exc}") from None


async def gather(
    sources: list[Source],
    settings: NetworkSettings,
    config: IntakeConfig,
    on_done: Callable[[Gathered], None] | None = None,
) -> list[Gathered]:
    """Each source fetched and read, in the sources' order; a failure is kept as ``error``.

    A fetched PDF is written to a scratch folder for PDFium and removed at the
    end: nothing of a source stays on disk, and ``htcat fetch``'s archive is
    not touched.
    """
    found: dict[int, Gathered] = {}
    with tempfile.TemporaryDirectory(prefix="htcat-intake-") as scratch:
        limiter = Limiter(settings.concurrency, settings.per_host, settings.policy)
        hosts = Hosts(settings.retry.max_retry_after)
        async with build_client(settings) as client:
            run = Run(client, limiter, hosts, settings)

            async def work(index: int) -> None:
                source = sources[index]
                try:
                    result = await _gather_one(run, config, source, Path(scratch))
                except SourceFailed as exc:
                    result = Gathered(source, error=str(exc))
                found[index] = result
                if on_done is not None:
                    on_done(result)

            def key(index: int) -> str:
                source = sources[index]
                return host_key(source.value if source.kind == "url" else config.doi_resolver)

            await run_all(range(len(sources)), key, work, settings.concurrency * 4)
    return [found[i] for i in range(len(sources))]


def gather_sources(
    sources: list[Source], settings: NetworkSettings, config: IntakeConfig
) -> list[Gathered]:
    """`gather` for callers without an event loop."""
    return asyncio.run(gather(sources, settings, config))
