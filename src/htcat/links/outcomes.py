"""What an attempt's answer or failure means for a link, the same for check and fetch.

A status that is not a success, a redirect refused, a request that got no
answer, a host that gave no turn: each becomes a result and, when it is
worth it, a request to try again. A 429 or 503 also slows the whole host;
a refused connection counts towards giving the host up.
"""

from __future__ import annotations

import httpx

from htcat.links.client import (
    Followed,
    RedirectRefused,
    RequestFailed,
    describe_failure,
    status_error,
)
from htcat.links.config import NetworkSettings
from htcat.links.pacing import (
    SLOW_DOWN_STATUSES,
    HostPace,
    Hosts,
    NoTurn,
    Retry,
    retry_after,
    retry_for,
)
from htcat.links.results import CheckResult, LinkTarget, Outcome, unanswered
from htcat.links.sniff import media_type
from htcat.model import now_stamp

Settled = tuple[CheckResult, Retry | None]


def answered(
    target: LinkTarget,
    followed: Followed,
    outcome: Outcome,
    *,
    error: str | None = None,
    warning: str | None = None,
    size: int | None = None,
) -> CheckResult:
    """The result for a link whose request got an HTTP answer (after redirects).

    The status is the one a plain GET gets: a 206 answering htcat's own Range
    request is stored as the 200 a reader sees.
    """
    response = followed.response
    status = response.status_code
    if status == 206 and "range" in response.request.headers:
        status = 200
    return CheckResult(
        entry_id=target.entry_id,
        url=target.url,
        kind=target.kind,
        outcome=outcome,
        status=status,
        final_url=str(response.url),
        redirects=followed.redirects,
        moved_to=followed.moved_to,
        content_type=media_type(response.headers.get("content-type")),
        size=size,
        error=error,
        warning=warning if warning is not None else followed.downgrade,
        checked=now_stamp(),
    )


def failed(exc: Exception, target: LinkTarget, settings: NetworkSettings, hosts: Hosts) -> Settled:
    """The result of an attempt that raised ``exc`` instead of getting an answer.

    Failures that will not change within a run (a certificate, a name that
    does not resolve) are not retried; a failure at a redirect target keeps
    the chain and names the target's host.
    """
    if isinstance(exc, NoTurn):
        return unanswered(target, exc.outcome, str(exc)), None
    if isinstance(exc, RedirectRefused):
        return unanswered(target, exc.outcome, str(exc), redirects=exc.hops), None
    if isinstance(exc, RequestFailed):
        failure = describe_failure(exc.cause, settings.timeouts)
        if failure.host_down:
            hosts.of(exc.host).unreachable(failure.error)
        error = f"{exc.host}: {failure.error}"
        final_url = str(exc.url) if exc.hops else None
        result = unanswered(target, failure.outcome, error, redirects=exc.hops, final_url=final_url)
        return result, Retry() if failure.retryable else None
    failure = describe_failure(exc, settings.timeouts)
    return unanswered(
        target, failure.outcome, failure.error
    ), Retry() if failure.retryable else None


def refused(
    target: LinkTarget,
    followed: Followed,
    settings: NetworkSettings,
    pace: HostPace,
    started: float,
    size: int | None = None,
) -> Settled:
    """The result of an answer that is not a success, and whether to ask again.

    A status the policy accepts for this URL is ``ok`` with a warning. A 429
    or 503 slows the host and is tried again at its pace, for as long as the
    link's time limit allows; a link the host keeps refusing that way is
    ``throttled``. A 503 without ``Retry-After`` is an outage: it slows the
    host too, but has only the usual retries, and is ``broken``. A
    ``Retry-After`` longer than the policy allows ends the tries at once. A
    URL refusing alone (see HostPace.refused_alone) no longer slows its host:
    it has the usual retries, each after what it asked.
    """
    response = followed.response
    status = response.status_code
    error = status_error(response)
    if status == 403:
        error += (
            " (the server may refuse programs that are not browsers: "
            "name the catalog's team in [links] user_agent in htcat.toml)"
        )
    url = str(response.url)
    if settings.policy.accepts(url, status) or settings.policy.accepts(target.url, status):
        warning = f"{error}, accepted by the policy"
        return answered(target, followed, "ok", warning=warning, size=size), None
    pace.answered(success=False)
    after = retry_after(response)
    if status in SLOW_DOWN_STATUSES:
        outcome: Outcome = "throttled" if status == 429 or after is not None else "broken"
        if pace.refused_alone(target.url):
            error = f"{error} (only this URL of {pace.name} keeps refusing: paced on its own)"
            return answered(target, followed, outcome, error=error, size=size), Retry(after)
        wait = pace.slow_down(started, after)
        limit = settings.retry.max_retry_after
        if after is not None and after > limit:
            error = f"{error} (asked to wait {after:.0f} s, more than the {limit:g} s allowed)"
            return answered(target, followed, outcome, error=error, size=size), None
        paced = Retry(wait, paced=outcome == "throttled")
        return answered(target, followed, outcome, error=error, size=size), paced
    return answered(target, followed, "broken", error=error, size=size), retry_for(status, after)


def read_failed(exc: httpx.TransportError, followed: Followed) -> RequestFailed:
    """A failure while reading a body, as a failure of the chain's last request."""
    return RequestFailed(exc, followed.response.url, followed.redirects)


def https_required(url: str, settings: NetworkSettings) -> str | None:
    """Why ``url`` fails a policy that requires https, or None."""
    if settings.policy.require_https and url[:5].lower() == "http:":
        return f"not https, which the policy requires: {url}"
    return None
