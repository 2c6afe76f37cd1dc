"""A workbook's pivot caches: Excel keeps a full copy of a pivot table's source rows in the
package (`xl/pivotCache/pivotCacheDefinitionN.xml` names the fields and holds their
shared values; `pivotCacheRecordsN.xml` holds the rows), so PI removed from the sheet is
still there until the cache is rewritten too.

Scans read each cache as a table (`pivotCache1!手机`, a record a row: values inline or by
index into the field's shared items). De-identification rewrites the values as bytes: a
string (`<s v="…"/>`) takes its replacement; a number holding PI (`<n v="13812345678"/>`)
becomes a missing value (`<m/>`, the field marked as containing blanks) because a cache
cannot hold text there; a field's `minValue`/`maxValue`, which would repeat such a
number, are dropped.
"""

from __future__ import annotations

import html
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from xml.etree import ElementTree

from tianping.errors import InputError

__all__ = ["PIVOT_PARTS", "cache_values", "pivot_tables", "rewrite_pivot_caches"]

_S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
PIVOT_PARTS = re.compile(r"xl/pivotCache/pivotCache(Definition|Records)(\d+)\.xml")
_ITEM_TAGS = {f"{_S}{t}": t for t in ("s", "n", "b", "e", "d", "m", "x")}


def pivot_tables(path: Path) -> Iterator[tuple[str, dict[str, list[str | None]]]]:
    """(`pivotCacheN`, {`pivotCacheN!field`: its value in each record}) for each pivot
    cache of a workbook; a cache without records gives its fields' shared values instead.
    InputError for a workbook whose caches cannot be read."""
    from tianping.privacy._office import _checked

    try:
        with zipfile.ZipFile(path) as zf:
            yield from _tables(zf, lambda name: zf.read(_checked(zf, name, path)))
    except (zipfile.BadZipFile, ElementTree.ParseError, KeyError, EOFError) as exc:
        raise InputError(f"{path}: pivot cache not readable ({type(exc).__name__})") from None


def _tables(zf: zipfile.ZipFile, read: Callable[[str], bytes]) -> Iterator[
    tuple[str, dict[str, list[str | None]]]
]:  # fmt: skip
    caches: dict[int, dict[str, str]] = {}
    for name in zf.namelist():
        if m := PIVOT_PARTS.fullmatch(name):
            caches.setdefault(int(m.group(2)), {})[m.group(1)] = name
    for k in sorted(caches):
        members = caches[k]
        if "Definition" not in members:
            continue
        fields, shared = _fields(read(members["Definition"]))
        if not fields:
            continue
        columns: dict[str, list[str | None]] = {
            _unique(f, fields[:i]): [] for i, f in enumerate(fields)
        }
        names = list(columns)
        if "Records" in members:
            for record in _records(read(members["Records"])):
                for i, name in enumerate(names):
                    kind, value = record[i] if i < len(record) else ("m", None)
                    if kind == "x" and value is not None and value.isdigit():
                        items = shared[i]
                        value = items[int(value)] if int(value) < len(items) else None
                    columns[name].append(value)
        else:
            longest = max(len(s) for s in shared)
            for i, name in enumerate(names):
                columns[name] = shared[i] + [None] * (longest - len(shared[i]))
        yield f"pivotCache{k}", {f"pivotCache{k}!{n}": v for n, v in columns.items()}


def _unique(name: str, before: list[str]) -> str:
    return name if name not in before else f"{name}.{before.count(name) + 1}"


def _fields(xml: bytes) -> tuple[list[str], list[list[str | None]]]:
    """The field names of a cache definition and each field's shared values."""
    root = ElementTree.fromstring(xml)
    names: list[str] = []
    shared: list[list[str | None]] = []
    for field in root.iter(f"{_S}cacheField"):
        names.append(field.get("name") or f"field{len(names) + 1}")
        items = field.find(f"{_S}sharedItems")
        shared.append(
            [] if items is None else [el.get("v") for el in items if el.tag in _ITEM_TAGS]
        )
    return names, shared


def _records(xml: bytes) -> Iterator[list[tuple[str, str | None]]]:
    """Each record's values as (kind, value): `x` values are indexes into shared items."""
    import io

    for _, el in ElementTree.iterparse(io.BytesIO(xml), events=("end",)):
        if el.tag == f"{_S}r":
            yield [(_ITEM_TAGS[c.tag], c.get("v")) for c in el if c.tag in _ITEM_TAGS]
            el.clear()


# one value of a cache, self-closing (`<s v="王伟"/>`, `<n v="1"/>`, with a prefix or not)
_VALUE = re.compile(rb'<((?:\w+:)?)(s|n)(\s[^>]*?)?\sv="([^"]*)"([^>]*?)/>')
_FIELD = re.compile(rb"<((?:\w+:)?)cacheField[\s>].*?</\1cacheField>", re.S)
_SHARED = re.compile(rb"<(?:\w+:)?sharedItems(?=[\s/>])[^>]*?/?>")
_RECORD = re.compile(rb"<((?:\w+:)?)r>(.*?)</\1r>", re.S)
_RECORD_VALUE = re.compile(
    rb"<(?:\w+:)?(s|n|b|e|d|m|x)(?=[\s/>])[^>]*?(?:/>|>.*?</(?:\w+:)?\1>)", re.S
)
_MIN_MAX = re.compile(rb'\s(?:minValue|maxValue)="[^"]*"')
_BLANK = re.compile(rb'\scontainsBlank="[^"]*"')


def cache_values(members: dict[str, bytes]) -> Iterator[str]:
    """Every string and number value of the pivot cache members, as `replace` will see
    them (for one batched detection first)."""
    for data in members.values():
        for m in _VALUE.finditer(data):
            yield html.unescape(m.group(4).decode("utf-8"))


def rewrite_pivot_caches(
    members: dict[str, bytes], replace: Callable[[str], str | None]
) -> dict[str, bytes]:
    """The pivot cache members of a workbook (`members`: name -> bytes) with their values
    rewritten: `replace(value)` gives a value's new text, or None where it holds no PI.
    Returns only the members that changed."""
    caches: dict[str, dict[str, str]] = {}
    for name in members:
        if m := PIVOT_PARTS.fullmatch(name):
            caches.setdefault(m.group(2), {})[m.group(1)] = name
    out: dict[str, bytes] = {}
    for cache in caches.values():
        blanked: set[int] = set()  # fields where a number became a missing value
        if "Records" in cache:
            name = cache["Records"]
            new = _rewrite_records(members[name], replace, blanked)
            if new != members[name]:
                out[name] = new
        if "Definition" in cache:
            name = cache["Definition"]
            new = _rewrite_definition(members[name], replace, blanked)
            if new != members[name]:
                out[name] = new
    return out


def _value_edit(replace: Callable[[str], str | None], hit: list[bytes]) -> Callable[
    [re.Match[bytes]], bytes
]:  # fmt: skip
    """A substitution for `_VALUE` matches; `hit` collects the kinds it changed."""

    def one(m: re.Match[bytes]) -> bytes:
        value = html.unescape(m.group(4).decode("utf-8"))
        new = replace(value)
        if new is None:
            return m.group(0)
        hit.append(m.group(2))
        if m.group(2) == b"n":  # a number cannot hold text: the value goes missing
            return b"<%sm/>" % m.group(1)
        from tianping.privacy._office_deid import _attr  # escaped as other attributes

        return (
            m.group(0)[: m.start(4) - m.start()] + _attr(new) + m.group(0)[m.end(4) - m.start() :]
        )

    return one


def _rewrite_records(xml: bytes, replace: Callable[[str], str | None], blanked: set[int]) -> bytes:
    def record(m: re.Match[bytes]) -> bytes:
        values = list(_RECORD_VALUE.finditer(m.group(2)))
        body = m.group(2)
        parts, pos = [], 0
        for i, v in enumerate(values):
            hit: list[bytes] = []
            new = _VALUE.sub(_value_edit(replace, hit), v.group(0))
            if hit:
                if b"n" in hit:
                    blanked.add(i)
                parts += [body[pos : v.start()], new]
                pos = v.end()
        if not parts:
            return m.group(0)
        parts.append(body[pos:])
        return (
            m.group(0)[: m.start(2) - m.start()]
            + b"".join(parts)
            + m.group(0)[m.end(2) - m.start() :]
        )

    return _RECORD.sub(record, xml)


def _rewrite_definition(
    xml: bytes, replace: Callable[[str], str | None], blanked: set[int]
) -> bytes:
    fields = list(_FIELD.finditer(xml))
    parts, pos = [], 0
    for i, f in enumerate(fields):
        hit: list[bytes] = []
        body = _VALUE.sub(_value_edit(replace, hit), f.group(0))
        if i in blanked or b"n" in hit:  # min/max would repeat the number; blanks now occur
            body = _SHARED.sub(lambda s: _mark_blank(s.group(0)), body, count=1)
        if body != f.group(0):
            parts += [xml[pos : f.start()], body]
            pos = f.end()
    if not parts:
        return xml
    parts.append(xml[pos:])
    return b"".join(parts)


def _mark_blank(tag: bytes) -> bytes:
    tag = _BLANK.sub(b"", _MIN_MAX.sub(b"", tag))
    end = -2 if tag.endswith(b"/>") else -1
    return tag[:end] + b' containsBlank="1"' + tag[end:]
