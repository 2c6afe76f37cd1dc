"""The text inside dictionary, view and nested Arrow columns: listed with the row each
value belongs to, and replaced with type, nulls and nesting kept."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from tianping.privacy._arrow_text import holds_text, map_text, text_leaves

ENTRY = pa.struct([("a", pa.string()), ("b", pa.list_(pa.string())), ("n", pa.int64())])


def _columns() -> dict[str, pa.Array]:
    return {
        "plain": pa.array(["x1", None, "", "x4"]),
        "dict": pa.array(["d", "e", None, "d"]).dictionary_encode(),
        "view": pa.array(["v1", None, "v3", "v4"]).cast(pa.string_view()),
        "list": pa.array([["l1", None], None, [], ["l4"]], pa.list_(pa.string())),
        "large": pa.array([["g1"], ["g2", "g3"], None, []], pa.large_list(pa.large_string())),
        "fixed": pa.array(
            [["f1", "f2"], None, ["f5", None], ["f7", "f8"]], pa.list_(pa.string(), 2)
        ),
        "struct": pa.array(
            [{"a": "s1", "n": 1}, None, {"a": None, "n": 3}, {"a": "s4", "n": 4}],
            pa.struct([("a", pa.string()), ("n", pa.int64())]),
        ),
        "map": pa.array(
            [[("k1", "m1"), ("k2", "m2")], None, [], [("k4", None)]],
            pa.map_(pa.string(), pa.string()),
        ),
        "deep": pa.array(
            [
                [{"a": "e1", "b": ["e2", "e3"], "n": 1}],
                [None],
                None,
                [{"a": None, "b": None, "n": 0}],
            ],
            pa.list_(ENTRY),
        ),
        "utf8_bytes": pa.array([b"b1", None, "电话b3".encode(), b"b4"], pa.binary()),
        "bytes_in_struct": pa.array(
            [{"raw": b"r1"}, {"raw": None}, None, {"raw": b"r4"}],
            pa.struct([("raw", pa.large_binary())]),
        ),
        "dict_in_list": pa.array([["q"], ["r", "q"], None, None], pa.list_(pa.string())).cast(
            pa.list_(pa.dictionary(pa.int8(), pa.string()))
        ),
    }


def _upper(_: str, values: Any) -> Any:
    return pc.utf8_upper(values)


@pytest.mark.parametrize("name", list(_columns()))
@pytest.mark.parametrize("cut", ["whole", "sliced", "chunked"])
def test_map_text_keeps_type_nulls_and_nesting(name: str, cut: str) -> None:
    arr = _columns()[name]
    if cut == "sliced":
        arr = arr.slice(1, 3)
    elif cut == "chunked":
        arr = pa.chunked_array([arr.slice(0, 1), arr.slice(1)])
    assert holds_text(arr.type)
    same = map_text(arr, name, lambda _, v: v)
    assert same.type == arr.type and same.to_pylist() == arr.to_pylist()
    up = map_text(arr, name, _upper)
    assert up.type == arr.type
    if isinstance(up, pa.Array):
        up.validate(full=True)
    assert up.to_pylist() == _py_upper(arr.to_pylist())


def _py_upper(v: Any) -> Any:
    if isinstance(v, str):
        return v.upper()
    if isinstance(v, bytes):
        return v.upper()
    if isinstance(v, list):
        return [(x[0], _py_upper(x[1])) if isinstance(x, tuple) else _py_upper(x) for x in v]
    if isinstance(v, dict):
        return {k: _py_upper(x) for k, x in v.items()}
    return v


def test_text_leaves_give_paths_values_and_rows() -> None:
    cols = _columns()
    got = {
        path: (vals.to_pylist(), rows.tolist())
        for name, arr in cols.items()
        for path, vals, rows in text_leaves(arr.slice(0), name)
    }
    assert got["list[]"] == (["l1", None, "l4"], [0, 0, 3])
    assert got["struct.a"] == (["s1", None, None, "s4"], [0, 1, 2, 3])  # null struct: null
    assert got["map{}"] == (["m1", "m2", None], [0, 0, 3])  # values only: keys are names
    assert got["deep[].a"] == (["e1", None, None], [0, 1, 3])
    assert got["deep[].b[]"] == (["e2", "e3"], [0, 0])
    assert got["dict"] == (["d", "e", None, "d"], [0, 1, 2, 3])
    assert got["dict_in_list[]"] == (["q", "r", "q"], [0, 1, 1])
    # a slice keeps its own rows
    ((path, vals, rows),) = text_leaves(cols["large"].slice(1), "large")
    assert (path, vals.to_pylist(), rows.tolist()) == ("large[]", ["g2", "g3"], [0, 0])


def test_binary_that_is_not_text_is_left_alone() -> None:
    blobs = pa.array([b"\xff\xfe\x00", b"ok"], pa.binary())
    assert list(text_leaves(blobs, "blob")) == []
    assert map_text(blobs, "blob", _upper).equals(blobs)
    got = {p: v.to_pylist() for p, v, _ in text_leaves(_columns()["utf8_bytes"], "u")}
    assert got == {"u": ["b1", None, "电话b3", "b4"]}


def test_holds_text() -> None:
    assert not holds_text(pa.int64())
    assert not holds_text(pa.list_(pa.int64()))
    assert not holds_text(pa.struct([("n", pa.int64())]))
    assert not holds_text(pa.map_(pa.string(), pa.int64()))  # map keys are not searched
    assert holds_text(pa.struct([("n", pa.int64()), ("s", pa.large_string())]))
