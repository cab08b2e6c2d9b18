"""Checking and fetching the documents and pages a catalog links to (spec §4).

``check`` probes links cheaply (HEAD, or the first kilobyte of a GET);
``fetch`` downloads documents into an archive named by SHA-256; both share
``client`` (limits, redirects, retries) and ``sniff`` (what a body is).
``results`` holds the records they produce and how one merges into a link's
``check``; ``catalog`` picks a catalog's links and merges results back in.
Importing this package is cheap: httpx and pypdfium2 load only in the modules
that use them.
"""
