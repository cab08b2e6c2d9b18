"""A fake web archive, and the site it archives, for the suggestion tests."""

from __future__ import annotations

import orjson

from .fake_service import Answer, Request

COPIES = "https://web.archive.example"
"""Where the fake archive says its copies are (never requested)."""

TIMEMAP = """<{link}>; rel="original",
<{copies}/timemap/link/{link}>; rel="self"; type="application/link-format";
  from="Tue, 20 Jun 2000 18:02:59 GMT"; until="Sat, 03 Feb 2024 10:00:00 GMT",
<{copies}/web/20000620180259/{link}>; rel="first memento"; datetime="Tue, 20 Jun 2000 18:02:59 GMT",
<{copies}/web/20240203100000/{link}>; rel="last memento"; datetime="Sat, 03 Feb 2024 10:00:00 GMT",
<{copies}/web/20110101000000/{link}>; rel="memento"; datetime="Sat, 01 Jan 2011 00:00:00 GMT"
"""


def snapshot(link: str, status: str = "200") -> dict[str, object]:
    """An availability API answer whose closest copy is of 2024-02-03 and answered ``status``."""
    closest = {
        "status": status,
        "available": True,
        "url": f"{COPIES}/web/20240203100000/{link}",
        "timestamp": "20240203100000",
    }
    return {"url": link, "archived_snapshots": {"closest": closest}}


def fake_archive(request: Request) -> Answer:
    """A site whose /gone/* pages are 404 and /ok is 200, and an archive of its pages.

    The Wayback availability API is at /wayback/available, TimeMaps at
    /timemap/link/<url>; /gone/never-archived has no copy, /gone/archived-404
    only a copy of an error page; /busy/... answers 503.
    """
    if request.path == "/ok":
        return Answer(200, b"<html>here</html>", "text/html")
    if request.path == "/wayback/available":
        link = request.query["url"]
        if link.endswith("never-archived"):
            return Answer(200, orjson.dumps({"url": link, "archived_snapshots": {}}))
        return Answer(200, orjson.dumps(snapshot(link, "404" if "archived-404" in link else "200")))
    if request.path.startswith("/timemap/link/"):
        link = request.path.removeprefix("/timemap/link/")
        if link.endswith("never-archived"):
            return Answer(404, b"no mementos", "text/plain")
        body = TIMEMAP.format(copies=COPIES, link=link).encode()
        return Answer(200, body, "application/link-format")
    if request.path.startswith("/busy"):
        return Answer(503, b"try later", "text/plain")
    return Answer(404, b"<html>not found</html>", "text/html")
