"""Compressed text, CSV and JSON Lines (.gz, .bz2, .xz, .zst): scanned through a streaming
decompressor with the report the plain file gives, and de-identified into the same
compression with the bytes the plain file gives."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
from pathlib import Path

import pytest

from tianping.privacy._compressed import open_binary
from tianping.privacy._deid import deid_path
from tianping.privacy._policy import parse_policy
from tianping.privacy._scan import ScanOptions, scan_file

CODECS = [".gz", ".bz2", ".xz", ".zst"]
POLICY = "types:\n  cn_mobile: {action: mask, keep_start: 3}\n  '*': {action: redact}\n"


def _compress(data: bytes, suffix: str) -> bytes:
    if suffix == ".gz":
        return gzip.compress(data)
    if suffix == ".bz2":
        return bz2.compress(data)
    if suffix == ".xz":
        return lzma.compress(data)
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.CompressedOutputStream(sink, "zstd") as out:
        out.write(data)
    return bytes(sink.getvalue().to_pybytes())


def _files(tmp_path: Path) -> dict[str, bytes]:
    text = "".join(
        f"第{i}行 手机1381234{i:04d} 邮箱u{i}@example.com\n" if i % 3 == 0 else f"普通的一行 {i}\n"
        for i in range(900)
    )
    jsonl = "".join(
        json.dumps({"id": i, "p": f"1391234{i:04d}", "tags": ["a", f"1371234{i:04d}"]}) + "\n"
        for i in range(600)
    )
    csv = "id,phone,note\n" + "".join(f"{i},1361234{i:04d},备注{i}\n" for i in range(600))
    long_line = "x" * 9000 + " 13812345678\n"  # past 4 * max_line_chars: the per-line path
    return {
        "notes.txt": text.encode(),
        "events.jsonl": (jsonl + json.dumps({"k": long_line}) + "\n" + jsonl).encode(),
        "people.csv": csv.encode(),
        "gbk.txt": text.encode("gbk"),
        "bom.txt": b"\xef\xbb\xbf" + text.encode(),
    }


def _summary(path: Path, opts: ScanOptions) -> tuple[object, ...]:
    sizes: list[int] = []
    rep, found = scan_file(path, opts, on_bytes=sizes.append)
    assert sum(sizes) == path.stat().st_size  # progress in bytes on disk
    cols = sorted((c.column, c.values_scanned, c.types) for c in rep.columns)
    spans = sorted((f.row, f.column or "", f.start, f.end, f.pi_type) for f in found)
    return rep.status, rep.format, rep.encoding, rep.rows, rep.counts, cols, spans


@pytest.mark.parametrize("suffix", CODECS)
def test_compressed_files_scan_as_the_plain_ones(tmp_path: Path, suffix: str) -> None:
    opts = ScanOptions(batch_chars=4096, max_line_chars=1000, max_examples=10_000)
    for name, data in _files(tmp_path).items():
        plain, packed = tmp_path / name, tmp_path / (name + suffix)
        plain.write_bytes(data)
        packed.write_bytes(_compress(data, suffix))
        want = _summary(plain, opts)
        assert want[0] == "ok" and want[4], name
        assert _summary(packed, opts) == want, name


@pytest.mark.parametrize("suffix", CODECS)
def test_compressed_files_deid_into_the_same_compression(tmp_path: Path, suffix: str) -> None:
    pol = parse_policy(POLICY)
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for name, data in _files(tmp_path).items():
        if name == "gbk.txt":
            continue  # de-identification asks for the encoding of non-UTF-8 text
        (src / name).write_bytes(data)
        (src / (name + suffix)).write_bytes(_compress(data, suffix))
    rep = deid_path(src, out, pol)
    assert not rep.skipped
    reports = {Path(f.input).name: f for f in rep.files}
    for name in ("notes.txt", "events.jsonl", "people.csv", "bom.txt"):
        packed = reports[name + suffix]
        assert packed.replaced == reports[name].replaced and packed.replaced
        assert packed.records == reports[name].records
        with open_binary(out / (name + suffix)) as fh:
            assert fh.read() == (out / name).read_bytes()
    assert not list(out.glob(".tianping-*"))  # no temporary files left behind
    # into a plain file: written uncompressed
    deid_path(src / ("people.csv" + suffix), tmp_path / "plain.csv", pol)
    assert (tmp_path / "plain.csv").read_bytes() == (out / "people.csv").read_bytes()


def test_corrupt_and_unsupported_compressed_files(tmp_path: Path) -> None:
    bad = tmp_path / "broken.jsonl.gz"
    bad.write_bytes(gzip.compress(b'{"p": "13812345678"}\n' * 100)[:-30])  # cut short
    rep, _ = scan_file(bad)
    assert rep.status == "error" and "13812345678" not in str(rep.message)
    out = tmp_path / "out"
    with pytest.raises(Exception, match="cannot decompress as gzip"):
        deid_path(bad, out / "x.jsonl.gz", parse_policy(POLICY))
    assert not out.exists() or not list(out.iterdir())  # nothing partial, no temporary files
    pq = tmp_path / "t.parquet.gz"
    pq.write_bytes(gzip.compress(b"PAR1"))
    rep, _ = scan_file(pq)
    assert rep.status == "skipped" and "decompress it first" in str(rep.message)
    gbk = tmp_path / "gbk.txt.gz"
    gbk.write_bytes(gzip.compress("手机13812345678\n".encode("gbk")))
    with pytest.raises(Exception, match=r"gbk\.txt\.gz: not valid utf-8") as err:
        deid_path(gbk, tmp_path / "g.txt.gz", parse_policy(POLICY))
    assert ".tianping-" not in str(err.value)  # named by the user's file


@pytest.mark.parametrize("suffix", CODECS)
def test_anonymity_reads_compressed_tables(tmp_path: Path, suffix: str) -> None:
    """`tianping anonymity` measures a compressed CSV or JSON Lines table as the plain one."""
    from tianping.privacy._anonymity import load_table, measure

    csv = "age,zip,disease\n" + "".join(
        f"{20 + i % 7},{100 + i % 3},{'flu' if i % 2 else 'cold'}\n" for i in range(90)
    )
    jsonl = "".join(
        json.dumps({"age": 20 + i % 7, "zip": 100 + i % 3, "disease": "flu"}) + "\n"
        for i in range(90)
    )
    for name, data in (("t.csv", csv), ("t.jsonl", jsonl)):
        plain, packed = tmp_path / name, tmp_path / (name + suffix)
        plain.write_text(data, encoding="utf-8")
        packed.write_bytes(_compress(data.encode(), suffix))
        want = measure(load_table(plain), ["age", "zip"], ["disease"])
        got = measure(load_table(packed), ["age", "zip"], ["disease"])
        assert got.model_dump() == want.model_dump() and want.k > 1
