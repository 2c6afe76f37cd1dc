"""The same batch functions on Ray Data (`--engine ray`, extra `tianping[ray]`).

`detect_dataset` maps `detect_batch` over the Arrow batches of a Ray Dataset column;
`scan_paths_ray` spreads files over Ray tasks with the local `scan_file`. Ray is imported
lazily: without it a clear InputError says which extra to install.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tianping.errors import InputError
from tianping.privacy._scan import FileReport, Finding, ScanOptions, ScanReport, iter_files


def _ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError:
        raise InputError(
            "--engine ray needs Ray Data: pip install 'tianping[ray]' / 需要安装 tianping[ray]"
        ) from None
    if not ray.is_initialized():
        ray.init(include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    return ray


def detect_dataset(ds: Any, column: str, *, min_confidence: float = 0.5) -> Any:
    """Findings of a Ray Dataset's string column, as a Ray Dataset (masked previews only).

    Rows carry the batch-relative `row` plus `batch_start` so callers can locate them.
    """
    _ray()

    def fn(batch: Any) -> Any:
        from tianping.privacy._detect import detect_batch

        return detect_batch(batch.column(column), min_confidence=min_confidence).to_arrow()

    return ds.map_batches(fn, batch_format="pyarrow")


def scan_paths_ray(paths: Iterable[str | Path], opts: ScanOptions | None = None) -> ScanReport:
    """Like `scan_paths`, with one Ray task per file."""
    opts = opts or ScanOptions()
    files = [str(p) for p in iter_files(paths, opts.include_hidden)]
    report = ScanReport()
    if not files:
        return report
    ray = _ray()
    import time

    t0 = time.perf_counter()

    def one_file(path: str, o: ScanOptions) -> list[tuple[str, list[str]]]:
        from tianping.privacy._scan import scan_one

        return [
            (rep.model_dump_json(), [e.model_dump_json() for e in ex])
            for rep, ex in scan_one(Path(path), o)  # a zip: a report per member
        ]

    one = ray.remote(one_file)

    for results in ray.get([one.remote(f, opts) for f in files]):
        for rep_json, ex_json in results:
            rep = FileReport.model_validate_json(rep_json)
            report.add(rep, [Finding.model_validate_json(e) for e in ex_json])
    report.seconds = time.perf_counter() - t0
    return report
