"""The text of BibTeX values: LaTeX for what htcat writes, plain text from what it reads.

Writing, `escape` makes any text a value that prints unchanged and cannot
unbalance its record. Reading, `resolve_value` joins a value's ``#`` parts and
``@string`` macros and refuses one whose braces or commas do not add up, and
`unescape` reads its LaTeX with pylatexenc, as a person reads it.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "$": r"\$",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
"""Text-mode commands, which every BibTeX reader decodes (LaTeX takes their glyphs from T1
fonts when the document's encoding has none)."""


def _paired_braces(text: str) -> set[int]:
    """The positions of the braces in ``text`` that close or are closed by another."""
    paired: set[int] = set()
    open_at: list[int] = []
    for position, char in enumerate(text):
        if char == "{":
            open_at.append(position)
        elif char == "}" and open_at:
            paired.update((open_at.pop(), position))
    return paired


_ACCENT_COMMANDS = {
    "\u0301": "'",
    "\u0300": "`",
    "\u0302": "^",
    "\u0308": '"',
    "\u0303": "~",
    "\u0304": "=",
    "\u0307": ".",
    "\u0327": "c",
    "\u030c": "v",
    "\u0306": "u",
    "\u030b": "H",
    "\u0328": "k",
    "\u030a": "r",
}
"""Combining accent → the LaTeX command that puts it on a letter."""
_LETTER_COMMANDS = {
    "ø": "o",
    "Ø": "O",
    "ł": "l",
    "Ł": "L",
    "æ": "ae",
    "Æ": "AE",
    "œ": "oe",
    "Œ": "OE",
    "ð": "dh",
    "Ð": "DH",
    "þ": "th",
    "Þ": "TH",
    "\u0131": "i",
}
"""Letters LaTeX writes as a command of their own."""
TEXT_MACROS = {
    "textbar": "|",
    "textless": "<",
    "textgreater": ">",
    "textasciicircum": "^",
    "textasciitilde": "~",
    "textbraceleft": "{",
    "textbraceright": "}",
    "textbackslash": "\\",
    "textunderscore": "_",
    "textdollar": "$",
    "textquotesingle": "'",
    "textquotedbl": '"',
    "dh": "ð",
    "DH": "Ð",
    "th": "þ",
    "TH": "Þ",
    "relax": "",
}
"""Text commands pylatexenc's table leaves out or reads otherwise (``\\textasciicircum`` as a
modifier letter): what LaTeX prints for them, so that what htcat writes reads back as it was."""
_LIGATURE_RE = re.compile(r"([-'`,])(?=\1)|([!?])(?=`)")
"""Pairs LaTeX fonts join into one glyph (``--`` a dash, ``''`` a quote): kept apart."""


def initial(letter: str) -> str | None:
    """A given name's first letter outside ASCII as a BibTeX special character, or None.

    BibTeX takes ``{\\'E}`` whole for an initial where it would cut ``É`` in half,
    and every reader decodes it. A letter LaTeX has no command for (Greek, Cyrillic,
    Han) is written as it is: ``{\\relax Γ}`` would keep BibTeX 0.99's initials whole,
    but pybtex, citation-js and Zotero would show the ``\\relax``, and pdfLaTeX, the
    one engine BibTeX 0.99 serves, prints such letters only with fonts set up for them.
    """
    if letter in _LETTER_COMMANDS:
        return "{\\" + _LETTER_COMMANDS[letter] + "}"
    decomposed = unicodedata.normalize("NFD", letter)
    base, marks = decomposed[0], decomposed[1:]
    if not (base.isascii() and base.isalpha() and marks):
        return None
    if not all(mark in _ACCENT_COMMANDS for mark in marks):
        return None
    text = base
    for mark in marks:
        command = _ACCENT_COMMANDS[mark]
        text = f"\\{command}{{{text}}}" if command.isalpha() else f"\\{command}{text}"
    return "{" + text + "}"


def escape(text: str) -> str:
    """``text`` as LaTeX that prints it unchanged; line breaks become spaces.

    Braces that pair up are ``\\{`` and ``\\}``, which every LaTeX reader
    knows (pandoc's too); a brace left without a partner is
    ``\\textbraceleft{}`` or ``\\textbraceright{}``, as BibTeX and Biber count
    ``\\{`` as a brace and one alone would unbalance the record. ``--`` and ``''``
    are kept from becoming a dash and a quote mark (``-{}-``).
    """
    text = " ".join(text.split())
    if "{" not in text and "}" not in text:
        escaped = "".join(LATEX_SPECIALS.get(c, c) for c in text)
    else:
        paired = _paired_braces(text)
        escaped = "".join(
            "\\" + c if n in paired else LATEX_SPECIALS.get(c, c) for n, c in enumerate(text)
        )
    return _LIGATURE_RE.sub(lambda m: m[0] + "{}", escaped)


@functools.cache
def latex_decoder() -> Any:
    """pylatexenc's LaTeX-to-text reader with htcat's additions (`TEXT_MACROS`, ``~``)."""
    from pylatexenc import latex2text

    context = latex2text.get_default_latex_context_db()
    context.add_context_category(
        "htcat",
        prepend=True,
        macros=[latex2text.MacroTextSpec(name, text) for name, text in TEXT_MACROS.items()],
        specials=[latex2text.SpecialsTextSpec("~", " ")],
    )
    return latex2text.LatexNodes2Text(
        latex_context=context, math_mode="text", strict_latex_spaces=True
    )


@functools.lru_cache(maxsize=4096)
def _decoded(text: str) -> str:
    """``text`` read by pylatexenc; a journal or publisher met again is read once."""
    from pylatexenc import latexwalker

    walker = latexwalker.LatexWalker(
        _BARE_PERCENT_RE.sub(r"\\%", text), latex_context=_walker_context()
    )
    decoded: str = latex_decoder().nodelist_to_text(walker.get_latex_nodes()[0])
    return decoded


@functools.cache
def _walker_context() -> Any:
    """How pylatexenc's parser reads macros' arguments, built once rather than per value."""
    from pylatexenc import latexwalker

    return latexwalker.get_default_latex_context_db()


_BARE_PERCENT_RE = re.compile(r"(?<!\\)%")
_PARAGRAPH_RE = re.compile(r"\n\s*\n")
_LATEX_HINT_RE = re.compile(r"[\\~$]|--|''|``|!`|\?`")
"""What text must hold for LaTeX to read it otherwise than as it is written."""


def unescape(text: str) -> str:
    """LaTeX as BibTeX files hold it (this module's, Zotero's, biblatex's) as plain text.

    pylatexenc reads every accent and text command LaTeX and biblatex define; a
    command it does not know leaves its argument's text. A bare ``%`` is text
    here, not a comment. Line breaks and runs of spaces become one space; a blank line
    stays, between paragraphs.
    """
    if _LATEX_HINT_RE.search(text):
        text = _decoded(text)
    elif "{" in text or "}" in text:
        text = text.replace("{", "").replace("}", "")  # braces that only group or protect
    paragraphs = (" ".join(p.split()) for p in _PARAGRAPH_RE.split(text))
    return "\n\n".join(p for p in paragraphs if p)


def escape_paragraphs(text: str) -> str:
    """Like `escape`, keeping blank lines between paragraphs (a LaTeX paragraph break)."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(escape(p) for p in paragraphs if p.strip())


_MONTH_MACROS = dict(zip(MONTHS, range(1, 13), strict=True))
"""BibTeX's own ``@string`` macros: ``month = mar``."""
_VALUE_TOKEN_RE = re.compile(r'\s*(?:(\{)|(")|(\d+)|([^\s#{}",=]+))')


class MalformedRecord(ValueError):
    """A record whose braces, quotes or commas do not add up."""


def _closing(text: str, start: int, quote: bool) -> int:
    """The position just past the ``}`` (or ``"``) that closes the group opening at ``start``."""
    depth = 0
    for position in range(start, len(text)):
        char = text[position]
        if char == "\\":
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0 and not quote:
                return position + 1
            if depth < 0:
                break
        elif char == '"' and quote and depth == 0 and position > start:
            return position + 1
    raise MalformedRecord("its braces do not add up")


def resolve_value(field: str, value: str, macros: Mapping[str, str], warnings: list[str]) -> str:
    """A field's value as written (``unodc # { (Vienna)}``) with its parts joined.

    Braced and quoted parts, numbers and ``@string`` macros are joined where ``#``
    says; anything else after a part is a record whose commas do not add up, such
    as a missing comma that would pull the next field into this one.
    """
    parts, position = [], 0
    while True:
        match = _VALUE_TOKEN_RE.match(value, position)
        if match is None:
            rest = value[position:].strip()
            raise MalformedRecord(f"field {field}: cannot read {rest[:30]!r}")
        if match[1] or match[2]:
            end = _closing(value, match.start(1) if match[1] else match.start(2), bool(match[2]))
            parts.append(value[match.end() : end - 1])
            position = end
        elif match[3]:
            parts.append(match[3])
            position = match.end()
        else:
            name = match[4].lower()
            if name in macros:
                parts.append(macros[name])
            elif name in _MONTH_MACROS:
                parts.append(str(_MONTH_MACROS[name]))
            else:
                parts.append(match[4])
                warnings.append(f"field {field}: @string {match[4]!r} is not defined; kept as text")
            position = match.end()
        rest = value[position:].lstrip()
        if not rest:
            return "".join(parts)
        if not rest.startswith("#"):
            shown = " ".join(rest.split())[:30]
            raise MalformedRecord(
                f"field {field}: {shown!r} follows its value (a comma missing before it?)"
            )
        position = len(value) - len(rest) + 1
