"""Session fixtures: a generated, labelled zh/en corpus written to real files once."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import database_url


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "ray: needs ray[data]; runs Ray in local mode")


@dataclass
class CorpusFiles:
    root: Path
    records: list  # list[CorpusRecord]
    table: list[dict[str, str]]
    raw: set[str]


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> CorpusFiles:
    import polars as pl

    from tianping.privacy._corpus import generate, raw_values, table_rows, write_jsonl

    root = tmp_path_factory.mktemp("pi_corpus")
    records = list(generate(3000, seed=11))
    data = root / "data"
    data.mkdir()
    write_jsonl(records[:1000], data / "records.jsonl")
    (data / "notes.txt").write_text(
        "\n".join(r.text for r in records[1000:2000]) + "\n", encoding="utf-8"
    )
    (data / "legacy_gbk.txt").write_bytes(
        "\n".join(r.text for r in records[2000:2300]).encode("gb18030")
    )
    (data / "export_utf16.txt").write_text(
        "\n".join(r.text for r in records[2300:2500]), encoding="utf-16"
    )
    table = table_rows(400, seed=5)
    with (data / "customers.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(table[0]))
        w.writeheader()
        w.writerows(table)
    pl.DataFrame(table).write_parquet(data / "customers.parquet")
    # bad inputs: each must be reported and skipped while the run goes on
    bad = root / "data" / "bad"
    bad.mkdir()
    (bad / "empty.csv").write_bytes(b"")
    (bad / "image.bin").write_bytes(bytes(range(256)) * 64)
    (bad / "broken.parquet").write_bytes(b"PAR1 this is not parquet")
    (bad / "ragged.csv").write_text(
        "name,phone\n王伟,13812345678\n李娜,13912345678,extra,13700000000\n张敏,13612345678\n",
        encoding="utf-8",
    )
    (bad / "mixed.jsonl").write_text(
        json.dumps({"user": {"phone": "13812345679"}}, ensure_ascii=False) + "\n{not json\n",
        encoding="utf-8",
    )
    (bad / "huge_line.txt").write_text("x" * 2_500_000 + " 手机13512345678\n", encoding="utf-8")
    raw = raw_values(records[:2500]) | {
        v
        for row in table
        for k, v in row.items()
        if k in ("name", "id_number", "phone", "email", "card")
    }
    return CorpusFiles(root=root, records=records, table=table, raw=raw)


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def pi_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database for the scans of production databases: SQLite always, PostgreSQL
    and MariaDB (the MySQL family, common in production) when their servers are up."""
    yield from database_url(request.param, tmp_path)


@pytest.fixture
def customer_db(pi_db_url: str) -> tuple[str, list[dict[str, str]]]:
    """Customers with PI in text, integer and JSON columns; a table of bytes only; a view."""
    import sqlalchemy as sa

    from tianping.privacy import table_rows

    rows = table_rows(120, seed=21)
    engine = sa.create_engine(pi_db_url)
    meta = sa.MetaData()
    customers = sa.Table(
        "customers",
        meta,
        sa.Column("customer_id", sa.String(20), primary_key=True),
        sa.Column("name", sa.String(40)),
        sa.Column("id_number", sa.String(18)),
        sa.Column("phone", sa.BigInteger),  # stored as a number
        sa.Column("amount", sa.Numeric(12, 2)),  # not read: no PI in decimals
        sa.Column("note", sa.Text),
        sa.Column("profile", sa.JSON),
    )
    blobs = sa.Table("blobs", meta, sa.Column("data", sa.LargeBinary))
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            customers.insert(),
            [
                {
                    "customer_id": r["customer_id"],
                    "name": r["name"],
                    "id_number": r["id_number"],
                    "phone": int(r["phone"]),
                    "amount": r["amount"],
                    "note": r["note"],
                    "profile": {"email": r["email"], "vip": i % 2 == 0},
                }
                for i, r in enumerate(rows)
            ],
        )
        conn.execute(blobs.insert(), [{"data": b"\x00\x01"}])
        # what a call-centre application reads: a view, holding no rows of its own
        conn.execute(sa.text("CREATE VIEW callbook AS SELECT name, phone, note FROM customers"))
    engine.dispose()
    return pi_db_url, rows


OCR_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


@pytest.fixture(scope="session")
def tesseract() -> str:
    """Tesseract with its Chinese data and a CJK font, installed from Debian if missing."""
    have = shutil.which("tesseract") and OCR_FONT.exists()
    if not have and shutil.which("apt-get") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for args in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q",
                     "tesseract-ocr", "tesseract-ocr-chi-sim", "fonts-wqy-microhei"]):  # fmt: skip
            subprocess.run(args, env=env, capture_output=True, timeout=600, check=False)
    binary = shutil.which("tesseract")
    if binary is None or not OCR_FONT.exists():
        pytest.skip("Tesseract OCR (tesseract-ocr, tesseract-ocr-chi-sim) could not be installed")
    langs = subprocess.run([binary, "--list-langs"], capture_output=True, text=True).stdout
    if "chi_sim" not in langs:
        pytest.skip("Tesseract's Chinese data (tesseract-ocr-chi-sim) is not installed")
    return binary


@pytest.fixture(scope="session")
def soffice() -> str:
    """LibreOffice (headless), installed from Debian if missing: the writer of the Word,
    PowerPoint and Excel 97-2003 files the legacy-format tests read."""
    found = shutil.which("soffice")
    if found is None and shutil.which("apt-get") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for args in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q",
                     "--no-install-recommends", "libreoffice-writer-nogui",
                     "libreoffice-impress-nogui", "libreoffice-calc-nogui"]):  # fmt: skip
            subprocess.run(args, env=env, capture_output=True, timeout=900, check=False)
        found = shutil.which("soffice")
    if found is None:
        pytest.skip("LibreOffice (libreoffice-writer-nogui) could not be installed")
    return found


def convert_with_soffice(soffice: str, src: Path, suffix: str) -> Path:
    """`src` saved by LibreOffice as `suffix` (doc, ppt; or `dot:MS Word 97 Vorlage`, a
    suffix and the filter that writes it) beside it."""
    profile = src.parent / ".lo-profile"  # its own profile: parallel runs do not collide
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
         suffix, "--outdir", str(src.parent), str(src)],
        capture_output=True, timeout=180, check=True,
    )  # fmt: skip
    out = src.with_suffix(f".{suffix.split(':')[0]}")
    assert out.exists(), f"LibreOffice did not write {out.name}"
    return out
