"""Counts in messages: "1 entry", "2 entries", never "1 entries"."""

_PLURALS = {"entry": "entries", "problem": "problems", "link": "links", "result": "results"}


def counted(count: int, noun: str) -> str:
    """``count`` with ``noun`` in the number it calls for, thousands separated."""
    *words, last = noun.split(" ")
    plural = " ".join([*words, _PLURALS.get(last, last + "s")])
    return f"{count:,} {noun if count == 1 else plural}"
