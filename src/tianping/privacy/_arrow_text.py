"""The text inside Arrow columns that are not plain strings: dictionary-encoded strings,
string views, binary values that are UTF-8 text, and strings nested in lists, structs and
maps (Parquet's nested columns).

`text_leaves` lists a column's text for scanning: each leaf path (`tags[]`, `addr.city`,
`attrs{}` for a map's values; map keys are names, as JSON keys are, and are left out),
its values, and the row of the column each value belongs to. `map_text` rebuilds a column
with every string leaf replaced, keeping its type, nulls and nesting exactly, so a
de-identified Parquet file keeps the input's schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

__all__ = ["holds_text", "is_plain_text", "map_text", "text_leaves"]

# what `map_text` calls for each leaf: (path, values as large_string) -> new values
LeafFn = Callable[[str, Any], Any]


def is_plain_text(t: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_string(t) or pa.types.is_large_string(t))


def _is_view(t: Any) -> bool:
    import pyarrow as pa

    view = getattr(pa.types, "is_string_view", None)  # pyarrow >= 16
    return bool(view and view(t))


def _is_binary(t: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_binary(t) or pa.types.is_large_binary(t))


def _utf8(arr: Any) -> Any:
    """A binary array as large_string when every value is UTF-8 (Parquet written without
    the UTF8 annotation, as Impala and older Hive do), else None: real bytes stay bytes."""
    import pyarrow as pa

    try:
        return arr.cast(pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None


def holds_text(t: Any) -> bool:
    """Whether a column of type `t` may hold text anywhere: strings of any layout, binary
    values that turn out to be UTF-8, or either within lists, structs and maps (map
    values; keys are not searched)."""
    import pyarrow as pa

    if is_plain_text(t) or _is_view(t) or _is_binary(t):
        return True
    if pa.types.is_dictionary(t):
        return holds_text(t.value_type)
    if pa.types.is_map(t):
        return holds_text(t.item_type)
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return holds_text(t.value_type)
    if pa.types.is_struct(t):
        return any(holds_text(t.field(i).type) for i in range(t.num_fields))
    return False


def text_leaves(arr: Any, name: str) -> Iterator[tuple[str, Any, Any]]:
    """(path, values, rows): each string leaf of `arr` (one Arrow array, not chunked) as a
    large_string array, with the index in `arr` of the row each value belongs to. Values
    under a null list, struct or map are not listed."""
    yield from _leaves(_plain(arr), name, np.arange(len(arr), dtype=np.int64))


def _plain(arr: Any) -> Any:
    """An array that starts at offset 0 with its children (slices made whole)."""
    import pyarrow as pa

    return pa.concat_arrays([arr]) if arr.offset else arr


def _leaves(arr: Any, path: str, rows: Any) -> Iterator[tuple[str, Any, Any]]:
    import pyarrow as pa
    import pyarrow.compute as pc

    t = arr.type
    if _is_binary(t):
        text = _utf8(arr)
        if text is not None:
            yield path, text, rows
    elif pa.types.is_dictionary(t):
        yield from _leaves(arr.dictionary_decode(), path, rows)
    elif is_plain_text(t) or _is_view(t):
        yield path, arr.cast(pa.large_string()), rows
    elif pa.types.is_map(t):
        entries = arr.cast(pa.list_(pa.struct([t.key_field, t.item_field])))
        parents = pc.list_parent_indices(entries).to_numpy()
        items = entries.flatten().field(1)
        yield from _leaves(_plain(items), path + "{}", rows[parents])
    elif pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        parents = pc.list_parent_indices(arr).to_numpy()
        yield from _leaves(_plain(arr.flatten()), path + "[]", rows[parents])
    elif pa.types.is_struct(t):
        for field, child in zip(t, arr.flatten(), strict=True):  # nulls of the struct merged
            if holds_text(field.type):
                yield from _leaves(_plain(child), f"{path}.{field.name}", rows)


def map_text(arr: Any, path: str, fn: LeafFn) -> Any:
    """`arr` (an Array or ChunkedArray) with each string leaf replaced by `fn(path,
    values)`, where `values` is the leaf as large_string and the result has as many values;
    same type, nulls and nesting. A dictionary column is encoded again after its values
    change."""
    import pyarrow as pa

    if isinstance(arr, pa.ChunkedArray):
        return pa.chunked_array([map_text(c, path, fn) for c in arr.chunks], type=arr.type)
    return _map(_plain(arr), path, fn)


def _map(arr: Any, path: str, fn: LeafFn) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    t = arr.type
    if _is_binary(t):
        text = _utf8(arr)
        return arr if text is None else fn(path, text).cast(t)
    if is_plain_text(t) or _is_view(t):
        return fn(path, arr.cast(pa.large_string())).cast(t)
    if pa.types.is_dictionary(t):
        return pc.dictionary_encode(_map(arr.dictionary_decode(), path, fn)).cast(t)
    own = arr.buffers()[: 1 if pa.types.is_struct(t) or pa.types.is_fixed_size_list(t) else 2]
    if pa.types.is_map(t):
        entries = arr.values  # struct<key, value>, whole: the offsets index into it
        item = _map(_plain(entries.field(1)), path + "{}", fn)
        children = [_struct(entries, [entries.field(0), item])]
    elif pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        children = [_map(_plain(arr.values), path + "[]", fn)]
    elif pa.types.is_struct(t):
        children = [
            _map(_plain(arr.field(i)), f"{path}.{t.field(i).name}", fn)
            if holds_text(t.field(i).type)
            else arr.field(i)
            for i in range(t.num_fields)
        ]
    else:
        return arr
    return pa.Array.from_buffers(t, len(arr), own, null_count=arr.null_count, children=children)


def _struct(like: Any, children: list[Any]) -> Any:
    import pyarrow as pa

    return pa.Array.from_buffers(
        like.type, len(like), like.buffers()[:1], null_count=like.null_count, children=children
    )
