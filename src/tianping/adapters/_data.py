"""Dataset readers: CSV (and whitespace-delimited text), Parquet, Arrow/Feather, JSONL.

Everything comes back as a pandas DataFrame with the surrounding whitespace of string
cells removed and the dataset's missing-value markers as NaN.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from tianping.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from tianping.systems._profile import Dataset


def as_pandas(obj: Any) -> pd.DataFrame:
    """A pandas DataFrame from pandas, polars, a pyarrow Table/RecordBatch or a dict of columns."""
    import pandas as pd

    if isinstance(obj, pd.DataFrame):
        return obj
    module = type(obj).__module__
    if module.startswith("polars") and hasattr(obj, "to_pandas"):
        if type(obj).__name__ == "LazyFrame":
            obj = obj.collect()
        frame: pd.DataFrame = obj.to_pandas()
        return frame
    if module.startswith("pyarrow") and hasattr(obj, "to_pandas"):
        frame = obj.to_pandas()
        return frame
    if isinstance(obj, pd.Series):
        return obj.to_frame()
    if isinstance(obj, dict):
        return pd.DataFrame(obj)
    raise InputError(
        f"cannot use a {type(obj).__name__} as a table: give a pandas or polars DataFrame, "
        "a pyarrow Table or a dict of columns"
    )


def _strip_strings(frame: pd.DataFrame, na_values: list[str]) -> pd.DataFrame:
    import pandas as pd

    na = set(na_values)
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_string_dtype(s.dtype) or s.dtype == object:
            stripped = s.str.strip() if pd.api.types.is_string_dtype(s.dtype) else s
            if s.dtype == object:
                stripped = s.map(lambda v: v.strip() if isinstance(v, str) else v)
            if na:
                stripped = stripped.mask(stripped.isin(na))
            frame[col] = stripped
    return frame


def _read_csv(path: Path, ds: Dataset) -> pd.DataFrame:
    import pandas as pd

    whitespace = ds.delimiter is not None and ds.delimiter.isspace() and ds.delimiter != "\t"
    kwargs: dict[str, Any] = {
        "header": 0 if ds.has_header else None,
        "skiprows": ds.skip_rows or None,
        "na_values": ds.na_values,
        "keep_default_na": False,
        "skip_blank_lines": True,
    }
    if whitespace:
        kwargs["sep"] = r"\s+"
    else:
        kwargs["sep"] = ds.delimiter or ","
        kwargs["skipinitialspace"] = True
    if ds.columns:
        kwargs["names"] = ds.columns
        if ds.has_header:
            kwargs["header"] = 0
    elif not ds.has_header:
        raise InputError(
            f"dataset '{ds.id}' ({path.name}) has no header and no 'columns' in the profile"
        )
    try:
        frame: pd.DataFrame = pd.read_csv(path, **kwargs)
    except pd.errors.ParserError as exc:
        raise InputError(f"dataset '{ds.id}' ({path.name}): cannot parse: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"dataset '{ds.id}' ({path.name}) is not UTF-8 text") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def load_table(dataset: Dataset, base_dir: Path) -> pd.DataFrame:
    """Read a profile dataset into pandas (paths resolve against the profile's folder)."""
    import pandas as pd

    path = Path(dataset.path)
    path = path if path.is_absolute() else base_dir / path
    if not path.is_file():
        raise InputError(f"dataset '{dataset.id}': file not found: {path}")
    fmt = dataset.format
    suffix = path.suffix.lower()
    try:
        if fmt == "parquet" or suffix == ".parquet":
            frame = pd.read_parquet(path)
        elif fmt == "arrow" or suffix in (".arrow", ".feather", ".ipc"):
            frame = _read_arrow(path)
        elif fmt == "jsonl" or suffix in (".jsonl", ".ndjson"):
            frame = pd.read_json(path, lines=True, dtype=False)
        else:
            frame = _read_csv(path, dataset)
    except InputError:
        raise
    except (OSError, ValueError) as exc:
        raise InputError(
            f"dataset '{dataset.id}' ({path.name}): cannot read as {fmt}: {str(exc)[:200]}"
        ) from exc
    if len(set(frame.columns)) != len(frame.columns):
        dup = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
        raise InputError(f"dataset '{dataset.id}' ({path.name}) repeats column(s) {dup}")
    return _strip_strings(frame, dataset.na_values)


def _read_arrow(path: Path) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.feather as feather

    try:
        frame: pd.DataFrame = feather.read_table(path).to_pandas()
        return frame
    except pa.ArrowInvalid:
        with pa.OSFile(str(path), "rb") as fh:
            frame = pa.ipc.open_stream(fh).read_all().to_pandas()
        return frame
