"""A derived SQLite index beside a large catalog, so that selecting is fast at any size.

The JSON file stays the one source of truth; the index is built from what
the store reads and trusted only while it can prove it holds the very bytes
on disk. It records the file's stat (size, modification and change times,
inode, device) and when it knew the bytes; a change time no user command can
set back decides alone, except within a clock tick of that moment, where a
digest of the bytes decides (git's "racy" files). Otherwise it is brought up to
date from the file — after a ``git pull`` or a hand edit, entry by entry, or
afresh when much changed; htcat's own writes update it in place. It also
records where each entry's bytes lie in a file of canonical form, so that a
change of one entry can copy the rest (`htcat.store.layout`). Deleting it is always
safe, and any trouble with it (a read-only folder, a damaged file) falls back
to reading the JSON. Small catalogs never get one: reading them whole is faster
than opening SQLite.

``database`` is the SQLite file, ``freshness`` the proof that it holds the
file's bytes, ``rows`` an entry's rows, ``build`` the catch-up and the fresh
build, ``spans`` where entries lie for a splice, ``queries`` the answers in SQL.
The index depends on the store, never the reverse.
"""
