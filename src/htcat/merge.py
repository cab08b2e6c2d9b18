"""Three-way merge of catalog images, by entry id and field by field.

Git's line merge sees a catalog as text: two new entries get the same document
number and their fields interleave. Here the unit is an entry (matched by id)
and, inside an entry changed on both sides, each field: tags and audiences
merge as sets, links by normalized URL (the newer check result wins), people
by name. Only a field changed two ways, an entry removed on one side and
changed on the other, or one id added twice with different contents is a
conflict; it keeps ours' value and is returned as data for the catalog to
record. Pure: no I/O, so git's driver, tests and benchmarks share it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from htcat.conflicts import CONFLICTS_TABLE, Conflict, conflict_key, conflicts_in, with_conflicts
from htcat.errors import CatalogError, InputError
from htcat.model import Entry, shape_problem
from htcat.store.image import ENTRIES_TABLE, META_TABLE, Image, dump_json
from htcat.urls import normalize_url

SET_FIELDS = ("tags", "audiences")
"""List fields whose items are plain text, merged as sets."""

_K = TypeVar("_K")
_MISSING: Any = object()
"""A field or entry absent from one side (distinct from a JSON null)."""


@dataclass(frozen=True)
class Merged:
    """The merged image (conflicts already recorded in it) and the conflicts this merge found."""

    image: Image
    conflicts: list[Conflict]


class _Conflicted(Exception):
    """Both sides changed one value two ways; carries each side's preferred merge."""

    def __init__(self, ours: Any, theirs: Any) -> None:
        self.ours = ours
        self.theirs = theirs


def person_key(person: Mapping[str, Any]) -> tuple[str, ...]:
    """Who a person is, for set merging: their names, lower-cased, and their role.

    Reads whichever of ``family``/``given``/``literal``/``name`` a person holds,
    so catalogs with either way of storing names merge alike.
    """
    names = (str(person.get(k) or "").strip().lower() for k in ("family", "given", "literal"))
    return (*names, str(person.get("name") or "").strip().lower(), str(person.get("role") or ""))


def link_key(link: Mapping[str, Any]) -> str:
    return normalize_url(str(link.get("url", "")))


def _three_way(base: Any, ours: Any, theirs: Any) -> Any:
    """The one value both sides agree on, or raise `_Conflicted`."""
    if ours == theirs or theirs == base:
        return ours
    if ours == base:
        return theirs
    raise _Conflicted(ours, theirs)


def _newer_check(base: Any, ours: Any, theirs: Any) -> Any:
    """The check result recorded last: a check is an observation, never an edit to undo."""
    if ours == theirs or theirs == base:
        return ours
    if ours == base:
        return theirs

    def when(check: Any) -> tuple[str, bytes]:
        if not isinstance(check, dict):
            return ("", dump_json(check))
        moments = [check.get(key) for key in ("since", "fetched", "changed", "checked")]
        return (max((str(m) for m in moments if m), default=""), dump_json(check))

    return max(ours, theirs, key=when)


def _merge_link(base: Any, ours: dict[str, Any], theirs: dict[str, Any], prefer: str) -> Any:
    if base is _MISSING:
        base = {}
    merged: dict[str, Any] = {}
    for key in _union_keys(ours, theirs, base):
        b, o, t = base.get(key, _MISSING), ours.get(key, _MISSING), theirs.get(key, _MISSING)
        if key == "check":
            value = _newer_check(
                None if b is _MISSING else b,
                None if o is _MISSING else o,
                None if t is _MISSING else t,
            )
        else:
            value = _prefer(b, o, t, prefer)
        if value is not _MISSING:
            merged[key] = value
    return merged


def _prefer(base: Any, ours: Any, theirs: Any, prefer: str) -> Any:
    try:
        return _three_way(base, ours, theirs)
    except _Conflicted as both:
        return both.ours if prefer == "ours" else both.theirs


def _union_keys(*dicts: Mapping[_K, Any]) -> list[_K]:
    return list(dict.fromkeys(k for d in dicts for k in d))


def _merge_items(
    base: list[Any],
    ours: list[Any],
    theirs: list[Any],
    key: Callable[[Any], Hashable],
    prefer: str,
    merge_item: Callable[[Any, Any, Any, str], Any] | None,
) -> list[Any]:
    """Items as sets by ``key``: in when added on either side, out when removed on either.

    Kept items stay in base order; each side's additions follow in that side's
    order, the side whose additions sort first first, so that swapping ours and
    theirs gives the same list.
    """
    b, o, t = (_keyed(items, key) for items in (base, ours, theirs))
    kept = [k for k in b if k in o and k in t]
    added = sorted(
        ([k for k in o if k not in b], [k for k in t if k not in b]),
        key=lambda keys: [str(k) for k in keys],
    )
    order = kept + added[0] + [k for k in added[1] if k not in added[0]]
    merged: list[Any] = []
    for k in order:
        bi, oi, ti = b.get(k, _MISSING), o.get(k, _MISSING), t.get(k, _MISSING)
        if oi is _MISSING:
            merged.append(ti)
        elif ti is _MISSING:
            merged.append(oi)
        elif merge_item is not None:
            merged.append(merge_item(bi, oi, ti, prefer))
        else:
            merged.append(_prefer(bi, oi, ti, prefer))
    return merged


def _keyed(items: list[Any], key: Callable[[Any], Hashable]) -> dict[Hashable, Any]:
    """Items by key; a key met again is counted (the same URL twice), so none is lost."""
    keyed: dict[Hashable, Any] = {}
    seen: dict[Hashable, int] = {}
    for item in items:
        k = key(item)
        seen[k] = seen.get(k, 0) + 1
        keyed[(k, seen[k])] = item
    return keyed


def _merge_field(field: str, base: Any, ours: Any, theirs: Any) -> Any:
    """One field of an entry changed on both sides; raises `_Conflicted` when they disagree."""
    if ours == theirs or theirs == base:
        return ours
    if ours == base:
        return theirs
    lists = all(isinstance(v, list) for v in (ours, theirs)) and (
        base is _MISSING or isinstance(base, list)
    )
    if not lists or field not in (*SET_FIELDS, "links", "people"):
        raise _Conflicted(ours, theirs)
    base_items = [] if base is _MISSING else base
    key: Callable[[Any], Hashable]
    item: Callable[[Any, Any, Any, str], Any] | None = None
    if field == "links":
        key, item = link_key, _merge_link
    elif field == "people":
        key = person_key
    else:
        key = str
    as_ours = _merge_items(base_items, ours, theirs, key, "ours", item)
    as_theirs = _merge_items(base_items, ours, theirs, key, "theirs", item)
    if field == "tags":
        as_ours, as_theirs = sorted(as_ours), sorted(as_theirs)
    if as_ours != as_theirs:
        raise _Conflicted(as_ours, as_theirs)
    return as_ours


def _merge_entry(
    ident: str, base: Entry, ours: Entry, theirs: Entry
) -> tuple[Entry, list[Conflict]]:
    merged: Entry = {}
    found: list[Conflict] = []
    for field in _union_keys(ours, theirs, base):
        b, o, t = base.get(field, _MISSING), ours.get(field, _MISSING), theirs.get(field, _MISSING)
        if field in ("updated", "created") and o is not _MISSING and t is not _MISSING:
            pick = max if field == "updated" else min
            merged[field] = pick(o, t)
            continue
        try:
            value = _merge_field(field, b, o, t)
        except _Conflicted as both:
            found.append(_conflict(ident, field, b, both.ours, both.theirs))
            value = both.ours
        if value is not _MISSING:
            merged[field] = value
    return merged, found


def _conflict(ident: str, field: str | None, base: Any, ours: Any, theirs: Any) -> Conflict:
    def shown(value: Any) -> Any:
        return None if value is _MISSING else value

    return {
        "id": ident,
        "field": field,
        "base": shown(base),
        "ours": shown(ours),
        "theirs": shown(theirs),
    }


def _by_id(image: Image, side: str) -> dict[str, tuple[int, Entry]]:
    """Each entry by id with its document number; an id used twice cannot be merged."""
    table = image.get(ENTRIES_TABLE, {})
    found: dict[str, tuple[int, Entry]] = {}
    for doc_id, entry in table.items():
        ident = entry.get("id") if isinstance(entry, dict) else None
        if not doc_id.isdigit() or type(ident) is not str:
            raise CatalogError(f"{side}: entry {doc_id!r} is not an entry with an id; not merged")
        found[ident] = (int(doc_id), entry)
    if len(found) < len(table):
        counts = Counter(e["id"] for e in table.values())
        twice = next(ident for ident, count in counts.items() if count > 1)
        raise InputError(f"{side}: entry id {twice!r} is used twice; see 'htcat doctor'")
    return found


def refuse_unusable(image: Image, where: str) -> None:
    """Refuse to write a merge holding an entry no htcat command could read."""
    for entry in image[ENTRIES_TABLE].values():
        problem = shape_problem(entry)
        if problem:
            shown = entry.get("id") or "(no id)"
            raise CatalogError(f"{where}: entry {shown!r} {problem}; fix it by hand — not merged")


def shared_with(base: Image, side: Image) -> Image:
    """``side`` with each entry that base holds unchanged replaced by base's own object.

    Read one after the other, three 100,000-entry catalogs would each be held
    whole; sharing what did not change frees a side's copy as soon as it is read.
    """
    before = base.get(ENTRIES_TABLE, {})
    table = side.get(ENTRIES_TABLE, {})
    for number, entry in table.items():
        same = before.get(number)
        if same is not None and same == entry:
            table[number] = same
    return side


def merge_images(base: Image, ours: Image, theirs: Image, untouched_top: int = 0) -> Merged:
    """The three-way merge of three parsed catalogs (see the module's docstring).

    ``untouched_top`` is the highest document number of the entries left out of
    all three images because no side changed them, so that an entry given a new
    number goes above it as it would in a merge of the whole catalogs.
    """
    b, o, t = _by_id(base, "base"), _by_id(ours, "ours"), _by_id(theirs, "theirs")
    kept: dict[str, tuple[int, bool, Entry]] = {}
    """id → (document number it asks for, whether base had it, the merged entry)."""
    found: list[Conflict] = []
    for ident in _union_keys(o, t, b):
        bi, oi, ti = b.get(ident), o.get(ident), t.get(ident)
        entry: Entry | None
        if oi is not None and ti is not None and oi[1] == ti[1]:
            entry = oi[1]
        elif bi is None:
            if oi is None or ti is None:
                entry = (oi or ti or (0, None))[1]
            else:
                found.append(_conflict(ident, None, None, oi[1], ti[1]))
                entry = oi[1]
        elif oi is None or ti is None:
            other = ti if oi is None else oi
            if other is None or other[1] == bi[1]:
                entry = None
            else:
                found.append(
                    _conflict(ident, None, bi[1], oi[1] if oi else None, ti[1] if ti else None)
                )
                entry = oi[1] if oi else None
        elif oi[1] == bi[1]:
            entry = ti[1]
        elif ti[1] == bi[1]:
            entry = oi[1]
        else:
            entry, in_entry = _merge_entry(ident, bi[1], oi[1], ti[1])
            found.extend(in_entry)
        if entry is not None:
            numbers = [side[0] for side in (bi, oi, ti) if side is not None]
            wanted = bi[0] if bi is not None else min(numbers)
            kept[ident] = (wanted, bi is not None, entry)
    image: Image = {}
    for name in _union_keys(ours, theirs, base):
        if name not in (META_TABLE, ENTRIES_TABLE, CONFLICTS_TABLE):
            table = _merge_table(name, base.get(name, {}), ours.get(name, {}), theirs.get(name, {}))
            if table:
                image[name] = table
    image[META_TABLE] = ours[META_TABLE]
    image[ENTRIES_TABLE] = _numbered(kept, untouched_top)
    earlier = _merge_recorded(base, ours, theirs)
    return Merged(with_conflicts(image, [*earlier, *found]), found)


def _merge_table(name: str, base: Any, ours: Any, theirs: Any) -> dict[str, Any]:
    """A table htcat does not know, document by document; one changed two ways is refused.

    Its fields mean nothing to htcat, so it cannot record a conflict inside
    one; refusing leaves git to report the file conflicted, with ours intact.
    """
    merged = {}
    for number in _union_keys(ours, theirs, base):
        b, o, t = (table.get(number, _MISSING) for table in (base, ours, theirs))
        try:
            document = _three_way(b, o, t)
        except _Conflicted:
            raise InputError(
                f"table {name!r}, document {number}: changed on both sides; not merged"
            ) from None
        if document is not _MISSING:
            merged[number] = document
    return merged


def _merge_recorded(base: Image, ours: Image, theirs: Image) -> list[Conflict]:
    """Conflicts an earlier merge left unresolved, kept unless one side settled them."""
    b, o, t = ({conflict_key(c): c for c in conflicts_in(i)} for i in (base, ours, theirs))
    keys = [k for k in _union_keys(o, t) if (k in o and k in t) or k not in b]
    return [o.get(k) or t[k] for k in keys]


def _numbered(kept: dict[str, tuple[int, bool, Entry]], top: int) -> dict[str, Entry]:
    """Document numbers for the merged entries, clashes settled the same whichever side is ours.

    An entry keeps its number unless another asks for it too; then an entry
    from base, else the smallest id, keeps it, and the others get new numbers
    above every number in use, in order of id.
    """
    claims: dict[int, list[tuple[bool, str]]] = {}
    for ident, (wanted, from_base, _) in kept.items():
        claims.setdefault(wanted, []).append((not from_base, ident))
    numbers: dict[str, int] = {}
    moved: list[str] = []
    for wanted, claimants in claims.items():
        first, *others = sorted(claimants)
        numbers[first[1]] = wanted
        moved.extend(ident for _, ident in others)
    top = max([top, *numbers.values()])
    for offset, ident in enumerate(sorted(moved), 1):
        numbers[ident] = top + offset
    return {str(n): kept[i][2] for i, n in sorted(numbers.items(), key=lambda item: item[1])}
