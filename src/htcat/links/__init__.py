"""Checking and fetching the documents and pages a catalog links to.

One module per concern:

- ``settings``: the limits, timeouts, retries and stall rule a run obeys;
- ``policy``: the check policy a team keeps in ``htcat.toml`` beside the catalog;
- ``client``: the one HTTP client (httpx on aiohttp's pool), redirects followed
  by hand, failures described for people;
- ``pacing``: retries with back-off, ``Retry-After``, and each host's pace;
- ``scheduler``: the global and per-host limits and the run scaffold;
- ``outcomes``: what an answer or a failure means for a link;
- ``check`` (a ranged GET of each link) and ``fetch`` (documents into an
  archive named by SHA-256); ``sniff``: what a body is;
- ``pdfread``: whether a fetched PDF opens, as PDFium reads it;
- ``recordings``: oEmbed for recordings a platform removed or hid;
- ``archive``: a web archive's newest copy of a failing link (``--suggest``);
- ``results``: the records they produce and how one merges into a link's
  ``check``; ``catalog``: which links a run takes and how results land back;
  ``report``: the report as a table, JSON, JSON Lines, CSV or Markdown.

Importing this package is cheap: httpx, aiohttp and pypdfium2 load only in the
modules that use them.
"""
