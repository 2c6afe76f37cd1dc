"""De-identified extracts of real database tables (SQLite always, PostgreSQL when up)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from tianping.cli import app
from tianping.errors import InputError
from tianping.privacy._deid_db import deid_database_table
from tianping.privacy._policy import parse_policy
from tianping.privacy._scan import scan_paths

KEY = "0123456789abcdef-db-test-key"
POLICY = """
columns:
  name: {action: pseudonymise, domain: person}
  id_number: {action: generalise, to: region_prefix}
  phone: {action: mask, keep_start: 3, keep_end: 4}
  customer_id: {action: keep}
  note: {action: detect}
types:
  cn_mobile: {action: mask, keep_start: 3, keep_end: 4}
  cn_resident_id: {action: generalise, to: region_prefix}
  email: {action: redact}
  "*": {action: redact}
"""


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIANPING_DEID_KEY", KEY)


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_table_extract_follows_the_policy(
    customer_db: tuple[str, list[dict[str, str]]], tmp_path: Path, suffix: str
) -> None:
    url, rows = customer_db
    out = tmp_path / f"customers{suffix}"
    rep = deid_database_table(url, "customers", out, parse_policy(POLICY), batch_rows=40)
    f = rep.files[0]
    assert f.records == len(rows) and f.input.endswith("#customers") and f.output == str(out)
    assert f.replaced["name"] == f.replaced["id_number"] == len(rows)
    df = pl.read_parquet(out) if suffix == ".parquet" else pl.read_csv(out, infer_schema=False)
    assert df.columns == ["customer_id", "name", "id_number", "phone", "amount", "note", "profile"]
    by_id = {r["customer_id"]: r for r in rows}
    for got in df.iter_rows(named=True):
        src = by_id[got["customer_id"]]  # kept, so rows can be matched
        assert got["name"].startswith("PERSON_") and src["name"] not in got["name"]
        assert got["id_number"] == src["id_number"][:6]
        assert got["phone"] == src["phone"][:3] + "****" + src["phone"][-4:]
        assert json.loads(got["profile"])["email"] == "[EMAIL]"  # JSON text, detected
    # what is left after the extract: no identifier a rescan can find
    rescan = scan_paths([out])
    leftover = {t for t in rescan.counts if t not in ("address_zh", "person_name_zh")}
    assert not leftover, rescan.counts
    cells = "\n".join(str(v) for row in df.iter_rows() for v in row)
    assert not [r["id_number"] for r in rows if r["id_number"] in cells]


def test_errors_leave_nothing_behind(
    customer_db: tuple[str, list[dict[str, str]]], tmp_path: Path
) -> None:
    url, _ = customer_db
    pol = parse_policy(POLICY)
    with pytest.raises(InputError, match="no such table"):
        deid_database_table(url, "orders", tmp_path / "o.parquet", pol)
    with pytest.raises(InputError, match=r"policy column\(s\) \['name'"):
        deid_database_table(url, "blobs", tmp_path / "b.parquet", pol)
    with pytest.raises(InputError, match=r"\.parquet or \.csv"):
        deid_database_table(url, "customers", tmp_path / "c.xlsx", pol)
    assert not list(tmp_path.glob("[!t]*"))  # only the SQLite database itself (tianping.db)


def test_cli_extract(customer_db: tuple[str, list[dict[str, str]]], tmp_path: Path) -> None:
    url, rows = customer_db
    policy = tmp_path / "p.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    out = tmp_path / "x.csv"
    runner = CliRunner()
    res = runner.invoke(app, ["deid", url, str(out), "-p", str(policy), "--table", "customers"])
    assert res.exit_code == 0, res.output
    assert f"{len(rows)} records" in res.output and out.is_file()
    res = runner.invoke(app, ["deid", url, str(out), "-p", str(policy)])
    assert res.exit_code == 2 and "--table" in res.output


def test_anonymity_of_a_table_reads_only_its_columns(
    customer_db: tuple[str, list[dict[str, str]]], tmp_path: Path
) -> None:
    from tianping.privacy import measure
    from tianping.privacy._anonymity import load_database_table

    url, rows = customer_db
    df = load_database_table(url, "customers", ["amount", "name"])
    assert df.columns == ["amount", "name"] and df.height == len(rows)
    # the same values measured from the database and from memory agree
    local = pl.DataFrame({"name": [r["name"] for r in rows], "amount": [r["amount"] for r in rows]})
    assert measure(df, ["name"]).k == measure(local, ["name"]).k
    with pytest.raises(InputError, match=r"no column\(s\) \['age'\]"):
        load_database_table(url, "customers", ["age"])
    res = CliRunner().invoke(
        app,
        ["anonymity", url, "--table", "customers", "--qi", "name", "--sensitive", "note",
         "-f", "json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)["input"]
    assert data["rows"] == len(rows) and data["k"] == measure(local, ["name"]).k
