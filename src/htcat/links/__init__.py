"""Checking and fetching the documents and pages a catalog links to.

One module per concern, each importing only those above it in this list:

- ``config``: plain data, importing nothing else from here: the limits,
  timeouts, retries and stall rule a run obeys, the check policy, the video
  platforms and the web archive;
- ``policy``: reading the check policy a team keeps in ``htcat.toml`` beside
  the catalog, and the options that add to it, into ``config``'s objects;
- ``sniff``: what a body is; ``results``: the records runs produce and how one
  merges into a link's ``check``;
- ``client``: the one HTTP client (httpx on aiohttp's pool), redirects followed
  by hand, failures described for people;
- ``pacing``: retries with back-off, ``Retry-After``, and each host's pace;
- ``scheduler``: the global and per-host limits and the run scaffold;
- ``outcomes``: what an answer or a failure means for a link;
- ``recordings``: oEmbed for recordings a platform removed or hid;
- ``archive``: a web archive's newest copy of a failing link (``--suggest``);
- ``pdfread``: whether a fetched PDF opens, as PDFium reads it;
- ``check`` (a ranged GET of each link) and ``fetch`` (documents into an
  archive named by SHA-256);
- ``catalog``: which links a run takes and how results land back.

The library returns results; ``htcat.formats.linkreport`` renders them.

Importing this package is cheap: httpx, aiohttp and pypdfium2 load only in the
modules that use them.
"""
