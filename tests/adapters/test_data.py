"""Dataset readers on the real UCI files and the same data in every supported format."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pytest

from tianping.adapters import as_pandas, load_table
from tianping.errors import InputError
from tianping.systems._profile import Dataset

from .conftest import REPO, train_module

ADULT = REPO / "examples" / "data" / "adult"
GERMAN = REPO / "examples" / "data" / "german-credit" / "german.data"


def _ds(**kw: object) -> Dataset:
    return Dataset.model_validate({"id": "d", **kw})


def test_adult_test_file() -> None:
    cols = train_module().ADULT_COLUMNS
    frame = load_table(
        _ds(path=str(ADULT / "adult.test"), has_header=False, skip_rows=1, columns=cols), REPO
    )
    assert frame.shape == (16281, 15)
    assert frame["workclass"].isna().sum() > 0  # ' ?' after stripping is missing
    assert not frame["sex"].str.startswith(" ").any()
    assert set(frame["income"]) == {"<=50K.", ">50K."}
    assert pd.api.types.is_integer_dtype(frame["age"])


def test_german_whitespace_delimited() -> None:
    cols = train_module().GERMAN_COLUMNS
    frame = load_table(_ds(path=str(GERMAN), has_header=False, delimiter=" ", columns=cols), REPO)
    assert frame.shape == (1000, 21)
    assert frame["personal_status_sex"].iloc[0] == "A93"
    assert frame["credit_amount"].dtype.kind == "i"


def test_no_header_needs_columns() -> None:
    with pytest.raises(InputError, match="no header and no 'columns'"):
        load_table(_ds(path=str(GERMAN), has_header=False, delimiter=" "), REPO)


def test_every_format_reads_the_same(tmp_path: Path) -> None:
    tm = train_module()
    base = tm.load_german()
    base.to_csv(tmp_path / "g.csv", index=False, sep=";")
    base.to_parquet(tmp_path / "g.parquet")
    feather.write_feather(pa.Table.from_pandas(base), tmp_path / "g.arrow")
    base.to_json(tmp_path / "g.jsonl", orient="records", lines=True)
    frames = {
        "csv": load_table(_ds(path="g.csv", delimiter=";"), tmp_path),
        "parquet": load_table(_ds(path="g.parquet", format="parquet"), tmp_path),
        "arrow": load_table(_ds(path="g.arrow", format="arrow"), tmp_path),
        "jsonl": load_table(_ds(path="g.jsonl", format="jsonl"), tmp_path),
    }
    for name, frame in frames.items():
        assert list(frame.columns) == list(base.columns), name
        assert frame["credit_amount"].tolist() == base["credit_amount"].tolist(), name
        assert frame["purpose"].astype(str).tolist() == base["purpose"].tolist(), name


def test_na_values_and_missing_file(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("a,b\n1, x \n2,N/A\n3,?\n", encoding="utf-8")
    frame = load_table(_ds(path="d.csv"), tmp_path)
    assert frame["b"].tolist()[0] == "x" and frame["b"].isna().sum() == 2
    with pytest.raises(InputError, match="file not found"):
        load_table(_ds(path="nope.csv"), tmp_path)
    shutil.copy(tmp_path / "d.csv", tmp_path / "bad.parquet")
    with pytest.raises(InputError, match="cannot read as parquet"):
        load_table(_ds(path="bad.parquet", format="parquet"), tmp_path)


def test_as_pandas() -> None:
    import polars as pl

    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    assert as_pandas(frame) is frame
    assert as_pandas(pl.DataFrame({"a": [1, 2], "b": ["x", "y"]}))["b"].tolist() == ["x", "y"]
    assert as_pandas(pa.table({"a": [1, 2]}))["a"].tolist() == [1, 2]
    assert as_pandas({"a": [3]})["a"].tolist() == [3]
    with pytest.raises(InputError, match="cannot use a int"):
        as_pandas(5)
