"""Checking and fetching the documents and pages a catalog links to (spec §4).

``check`` probes links cheaply (HEAD, or the first kilobyte of a GET);
``fetch`` downloads documents into an archive named by SHA-256; ``results``
holds the records both produce and how they merge into a link's ``check``.
Importing this package is cheap: httpx and pypdf load only in the modules
that use them.
"""
