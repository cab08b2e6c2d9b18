"""The catalog file and nothing of the index.

``paths`` finds it, ``fs`` writes files safely and holds the lock, ``image``
parses and migrates its schema and gives its one canonical form, ``layout``
knows where each entry's bytes lie in that form, ``ids`` resolves ids,
``memory`` holds the entries of a command's change, and ``file`` reads,
creates and changes the file whole.
"""
