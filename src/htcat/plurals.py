"""Counts in messages: "1 entry", "2 entries", never "1 entries"."""

_PLURALS = {"entry": "entries", "problem": "problems", "link": "links", "result": "results"}


def counted(count: int, noun: str) -> str:
    """``count`` with ``noun`` in the number it calls for, thousands separated."""
    *words, last = noun.split(" ")
    plural = " ".join([*words, _PLURALS.get(last, last + "s")])
    return f"{count:,} {noun if count == 1 else plural}"


def size_in_words(size: int) -> str:
    """``512 bytes``, ``1.5 KB``, ``100 MB``: a size as people read it (1 KB = 1,024 bytes)."""
    if size < 1024:
        return counted(size, "byte")
    value, unit = size / 1024, "KB"
    for bigger in ("MB", "GB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{value:,.1f}".removesuffix(".0") + f" {unit}"
