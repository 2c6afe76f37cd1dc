"""`--engine ray`: the same batch functions on Ray Data, in local mode."""

from __future__ import annotations

import importlib.util

import pytest

from tianping.privacy._scan import scan_paths

pytestmark = pytest.mark.ray
HAS_RAY = importlib.util.find_spec("ray") is not None


@pytest.mark.skipif(not HAS_RAY, reason="ray[data] is not installed (extra tianping[ray])")
def test_ray_engine_matches_local(corpus, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import zipfile

    import ray

    from tianping.privacy._detect import detect_batch
    from tianping.privacy._ray import detect_dataset, scan_paths_ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    try:
        paths = [corpus.root / "data" / "customers.csv", corpus.root / "data" / "notes.txt"]
        packed = tmp_path / "both.zip"  # an archive: a report per member there too
        with zipfile.ZipFile(packed, "w") as zf:
            for p in paths:
                zf.write(p, arcname=p.name)
        local = scan_paths([*paths, packed])
        remote = scan_paths_ray([*paths, packed])
        assert remote.counts == local.counts
        assert sorted(f.path for f in remote.files) == sorted(f.path for f in local.files)
        assert len(remote.files) == 4
        texts = [r.text for r in corpus.records[:500]]
        ds = ray.data.from_items([{"text": t} for t in texts])
        found = detect_dataset(ds, "text").to_pandas()
        assert len(found) == detect_batch(texts).height
        assert set(found["pi_type"]) >= {"cn_resident_id", "cn_mobile", "email"}
    finally:
        ray.shutdown()


@pytest.mark.skipif(HAS_RAY, reason="checks the message shown when ray is missing")
def test_missing_ray_is_a_clear_input_error(corpus) -> None:  # type: ignore[no-untyped-def]
    from tianping.errors import InputError
    from tianping.privacy._ray import scan_paths_ray

    with pytest.raises(InputError, match=r"tianping\[ray\]"):
        scan_paths_ray([corpus.root / "data" / "notes.txt"])
