"""data.profile: schema, rows, missingness and group coverage of sensitive attributes."""

from __future__ import annotations

import bisect
import csv
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tianping.checks._contract import (
    Check,
    CheckContext,
    CheckResult,
    EvidenceArtefact,
)
from tianping.checks._registry import register
from tianping.errors import InputError
from tianping.i18n import I18nText
from tianping.systems._profile import Dataset

_LABEL_MAX = 40


def _rows_csv(path: Path, ds: Dataset) -> tuple[list[str], Iterator[list[str]]]:
    fh = path.open("r", encoding="utf-8", newline="")
    if ds.delimiter == " ":

        def split_ws() -> Iterator[list[str]]:
            with fh:
                for line in fh:
                    if line.strip():
                        yield line.split()

        rows = split_ws()
    else:

        def split_csv() -> Iterator[list[str]]:
            with fh:
                reader = csv.reader(fh, delimiter=ds.delimiter or ",", skipinitialspace=True)
                for row in reader:
                    if row and any(cell.strip() for cell in row):
                        yield row

        rows = split_csv()
    header = next(rows, None) if ds.has_header else None
    columns = ds.columns or header
    if not columns:
        raise InputError(f"Dataset '{ds.id}' has no header and no 'columns' in the profile")
    return [c.strip() for c in columns], rows


def _rows_parquet(path: Path) -> tuple[list[str], Iterator[list[str]]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(
            "Reading Parquet needs the 'parquet' extra: pip install 'tianping[parquet]'"
        ) from None
    pf = pq.ParquetFile(path)

    def gen() -> Iterator[list[str]]:
        for batch in pf.iter_batches(batch_size=65536):
            cols = [c.to_pylist() for c in batch.columns]
            for row in zip(*cols, strict=True):
                yield ["" if v is None else str(v) for v in row]

    return list(pf.schema_arrow.names), gen()


def _label(value: str, edges: list[float] | None) -> str:
    if edges:
        try:
            x = float(value)
        except ValueError:
            return "(non-numeric)"
        i = bisect.bisect_right(edges, x)
        lo = edges[i - 1] if i > 0 else None
        hi = edges[i] if i < len(edges) else None
        return (
            f"[{lo:g}, {hi:g})"
            if lo is not None and hi is not None
            else (f"< {hi:g}" if lo is None else f">= {lo:g}")
        )
    return value[:_LABEL_MAX]


@register
class DatasetProfile(Check):
    id = "data.profile"
    title = I18nText(zh="数据集概况与群体覆盖", en="Dataset profile and group coverage")
    family = "data"
    needs = frozenset({"dataset"})

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        dataset: str | None = Field(None, description="Dataset id; default: the first dataset")
        min_group_size: int = Field(30, ge=1)

    def run(self, ctx: CheckContext, params: Any) -> CheckResult:
        datasets = ctx.profile.datasets
        if not datasets:
            return self.skipped(ctx, I18nText(zh="档案未声明数据集", en="no dataset declared"))
        ds = (
            next((d for d in datasets if d.id == params.dataset), None)
            if params.dataset
            else datasets[0]
        )
        if ds is None:
            raise InputError(f"dataset '{params.dataset}' is not declared in the profile")
        path = ctx.resolve(ds.path)
        if not path.is_file():
            return self.error(
                ctx,
                I18nText(
                    zh=f"数据集文件不存在：{ds.path}", en=f"dataset file not found: {ds.path}"
                ),
            )
        columns, rows = _rows_parquet(path) if ds.format == "parquet" else _rows_csv(path, ds)
        unknown = [a for a in ds.sensitive_attributes if a not in columns]
        if unknown:
            raise InputError(
                f"dataset '{ds.id}': sensitive attribute(s) {unknown} are not "
                f"columns; columns are {columns}"
            )
        na = set(ds.na_values)
        missing = [0] * len(columns)
        groups = {a: Counter[str]() for a in ds.sensitive_attributes}
        idx = {a: columns.index(a) for a in ds.sensitive_attributes}
        n = bad_width = 0
        for row in rows:
            n += 1
            if len(row) != len(columns):
                bad_width += 1
                continue
            for i, cell in enumerate(row):
                if cell.strip() in na:
                    missing[i] += 1
            for a, i in idx.items():
                groups[a][_label(row[i].strip(), ds.bins.get(a))] += 1
        miss_ratio = {c: (m / n if n else 0.0) for c, m in zip(columns, missing, strict=True)}
        smallest = min((c for g in groups.values() for c in g.values()), default=None)
        below = sum(1 for g in groups.values() for c in g.values() if c < params.min_group_size)
        metrics: dict[str, Any] = {
            "rows": n,
            "columns": len(columns),
            "malformed_rows": bad_width,
            "max_missing_ratio": round(max(miss_ratio.values(), default=0.0), 6),
            "sensitive_attributes": len(groups),
            "min_group_count": smallest,
            "min_group_share": round(smallest / n, 6) if smallest is not None and n else None,
            "groups_below_min_size": below,
        }
        evidence = [
            EvidenceArtefact(
                kind="table",
                title=I18nText(zh="各列缺失率", en="Missingness by column"),
                data=[{"column": c, "missing_ratio": round(r, 6)} for c, r in miss_ratio.items()],
            ),
            EvidenceArtefact(
                kind="table",
                title=I18nText(zh="敏感属性群体计数", en="Group counts by sensitive attribute"),
                data=[
                    {"attribute": a, "group": g, "count": c}
                    for a, cnt in groups.items()
                    for g, c in sorted(cnt.items())
                ],
            ),
        ]
        msg = I18nText(
            zh=f"{n} 行、{len(columns)} 列；最大缺失率 {metrics['max_missing_ratio']:.2%}；"
            f"少于 {params.min_group_size} 条的群体 {below} 个",
            en=f"{n} rows, {len(columns)} columns; max missingness "
            f"{metrics['max_missing_ratio']:.2%}; {below} group(s) under "
            f"{params.min_group_size} rows",
        )
        return self.result(ctx, metrics, msg, evidence=evidence)
