"""Entries proposed from the web: a landing page, a DOI or a PDF read for its metadata.

A source is fetched through the link client (same User-Agent, policy, pacing
and limits as ``check``), its metadata read in a fixed order of trust, and an
entry proposed with the place each value came from. Parsing is pure
(`page`, `pdfmeta`, `propose`); only `fetching` touches the network.
"""
