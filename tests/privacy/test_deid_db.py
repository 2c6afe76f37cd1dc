"""De-identified extracts of real database tables (SQLite always, PostgreSQL when up)."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from tianping.cli import app
from tianping.errors import InputError
from tianping.privacy._deid_db import deid_database_in_place, deid_database_table
from tianping.privacy._policy import parse_policy
from tianping.privacy._scan import scan_paths
from tianping.privacy._scan_db import reflect_table, scan_database

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
    with pytest.raises(InputError, match=r"no table\(s\) \[.orders.\]; tables are"):
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
    # without --table every table is de-identified: into a folder or a database, not a file
    res = runner.invoke(app, ["deid", url, str(out), "-p", str(policy)])
    assert isinstance(res.exception, InputError)  # main() turns it into exit code 2
    assert "several tables go to a folder" in str(res.exception)


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


# --- into a new table, and in place ---------------------------------------------------------

IN_PLACE = """
columns:
  name: {action: pseudonymise, domain: person}
  id_number: {action: generalise, to: region_prefix}
  note: {action: detect}
types:
  cn_mobile: {action: mask, keep_start: 3, keep_end: 4}
  email: {action: redact}
  "*": {action: redact}
"""


def _rows(url: str, table: str) -> dict[str, dict[str, object]]:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            got = conn.execute(sa.text(f"SELECT * FROM {table}")).mappings().all()
        return {str(r["customer_id"]): dict(r) for r in got}
    finally:
        engine.dispose()


def _profile(value: object) -> dict[str, object]:
    return json.loads(value) if isinstance(value, str) else value  # type: ignore[return-value]


def _check_deidentified(
    got: dict[str, dict[str, object]],
    rows: list[dict[str, str]],
    before: dict[str, dict[str, object]],
    phone_masked: bool = False,
) -> None:
    assert sorted(got) == sorted(before)
    for src in rows:
        new, old = got[src["customer_id"]], before[src["customer_id"]]
        assert str(new["name"]).startswith("PERSON_") and src["name"] not in str(new["name"])
        assert new["id_number"] == src["id_number"][:6]
        if phone_masked:  # a BIGINT column under a mask: text in the new table
            assert new["phone"] == src["phone"][:3] + "****" + src["phone"][-4:]
        else:  # a number column the policy leaves
            assert str(new["phone"]) == str(old["phone"])
        assert Decimal(str(new["amount"])) == Decimal(str(old["amount"]))  # SQLite: 1.5 for 1.50
        assert _profile(new["profile"])["email"] == "[EMAIL]"  # JSON stays JSON
        assert _profile(new["profile"])["vip"] == _profile(old["profile"])["vip"]
        assert src["id_number"] not in str(new["note"])


def test_table_into_a_new_table(
    customer_db: tuple[str, list[dict[str, str]]], tmp_path: Path
) -> None:
    import sqlalchemy as sa

    url, rows = customer_db
    before = _rows(url, "customers")
    pol = parse_policy(POLICY)
    rep = deid_database_table(url, "customers", url, pol, out_table="customers_deid", batch_rows=40)
    f = rep.files[0]
    assert f.records == len(rows) and f.output.endswith("#customers_deid")
    assert f.replaced["name"] == len(rows)
    _check_deidentified(_rows(url, "customers_deid"), rows, before, phone_masked=True)
    assert _rows(url, "customers") == before  # the source is only read
    engine = sa.create_engine(url)
    insp = sa.inspect(engine)
    assert insp.get_pk_constraint("customers_deid")["constrained_columns"] == ["customer_id"]
    copy = reflect_table(engine, "customers_deid", None, "copy")
    assert isinstance(copy.columns["profile"].type, sa.JSON)  # MariaDB's LONGTEXT + check too
    engine.dispose()
    # a rescan of the new table finds no identifier left
    rescan = scan_database(url, tables=["customers_deid"])
    leftover = {t for t in rescan.counts if t not in ("address_zh", "person_name_zh")}
    assert not leftover, rescan.counts
    # into another database, of another kind where the source is PostgreSQL
    other = f"sqlite:///{tmp_path / 'extract.db'}"  # a new file: an output may be created
    deid_database_table(url, "customers", other, pol, batch_rows=50)
    _check_deidentified(_rows(other, "customers"), rows, before, phone_masked=True)


def test_new_table_refusals_and_rollback(
    customer_db: tuple[str, list[dict[str, str]]],
) -> None:
    import sqlalchemy as sa

    url, _ = customer_db
    pol = parse_policy(IN_PLACE)
    with pytest.raises(InputError, match="the output table is the input"):
        deid_database_table(url, "customers", url, pol)
    with pytest.raises(InputError, match="exists already"):
        deid_database_table(url, "customers", url, pol, out_table="blobs")
    engine = sa.create_engine(url)

    # a run stopped after its first batch (here by the caller) leaves no table behind
    def stop(n: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        deid_database_table(
            url, "customers", url, pol, out_table="half", batch_rows=30, on_rows=stop
        )
    assert not sa.inspect(engine).has_table("half")
    # a rule that breaks a JSON column fails on the first row (MariaDB's JSON included)
    bad = parse_policy(
        IN_PLACE.replace(
            "columns:\n", "columns:\n  profile: {action: mask, keep_start: 3, keep_end: 0}\n"
        )
    )
    with pytest.raises(
        InputError, match=r"row 1, column profile: the de-identified value is not JSON"
    ):
        deid_database_table(url, "customers", url, bad, out_table="half")
    assert not sa.inspect(engine).has_table("half")
    engine.dispose()


def test_table_in_place(customer_db: tuple[str, list[dict[str, str]]]) -> None:
    url, rows = customer_db
    before = _rows(url, "customers")
    rep = deid_database_in_place(url, "customers", parse_policy(IN_PLACE), batch_rows=25)
    f = rep.files[0]
    assert f.records == len(rows) and f"{len(rows)} rows updated" in str(f.output)
    got = _rows(url, "customers")
    _check_deidentified(got, rows, before)
    blob = json.dumps([list(map(str, r.values())) for r in got.values()], ensure_ascii=False)
    assert not [r["id_number"] for r in rows if r["id_number"] in blob]
    assert not [r["email"] for r in rows if r["email"] in blob]


def test_in_place_refusals_change_nothing(customer_db: tuple[str, list[dict[str, str]]]) -> None:
    url, _ = customer_db
    before = _rows(url, "customers")
    with pytest.raises(InputError, match=r"turns phone \(BIGINT(\(20\))?\) into text"):
        deid_database_in_place(url, "customers", parse_policy(POLICY))  # phone: mask
    keyed = IN_PLACE.replace("columns:\n", "columns:\n  customer_id: {action: redact}\n")
    with pytest.raises(InputError, match=r"changes key column\(s\) \['customer_id'\]"):
        deid_database_in_place(url, "customers", parse_policy(keyed))
    with pytest.raises(InputError, match="no primary key"):
        deid_database_in_place(url, "callbook", parse_policy("types:\n  email: {action: redact}\n"))
    assert _rows(url, "customers") == before


def test_in_place_error_in_a_later_batch_rolls_back(pi_db_url: str) -> None:
    """Two batches are updated, the third holds a value the column cannot take: the table
    is left exactly as it was, and the error names the row and column, not the value."""
    import sqlalchemy as sa

    engine = sa.create_engine(pi_db_url)
    meta = sa.MetaData()
    t = sa.Table(
        "notes",
        meta,
        sa.Column("customer_id", sa.Integer, primary_key=True),
        sa.Column("note", sa.String(14)),
    )
    meta.create_all(engine)
    values = [f"mail x{i}@a.cn" for i in range(4)] + ["13912345678"]
    with engine.begin() as conn:
        conn.execute(t.insert(), [{"customer_id": i, "note": v} for i, v in enumerate(values, 1)])
    engine.dispose()
    pol = parse_policy("types:\n  email: {action: redact}\n  cn_mobile: {action: pseudonymise}\n")
    before = _rows(pi_db_url, "notes")
    with pytest.raises(InputError, match=r"row 5, column note: .* holds 14") as err:
        deid_database_in_place(pi_db_url, "notes", pol, batch_rows=2)
    assert "13912345678" not in str(err.value)
    assert _rows(pi_db_url, "notes") == before


def test_in_place_key_holding_pi_is_refused(pi_db_url: str) -> None:
    """A key column is checked by detection like any text column, but never rewritten: a
    key that holds PI stops the run (rows are found by their key) and nothing changes."""
    import sqlalchemy as sa

    engine = sa.create_engine(pi_db_url)
    meta = sa.MetaData()
    t = sa.Table(
        "by_phone",
        meta,
        sa.Column("customer_id", sa.String(20), primary_key=True),
        sa.Column("note", sa.Text),
    )
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            t.insert(),
            [{"customer_id": "C1", "note": "x1@a.cn"}, {"customer_id": "13912345678", "note": "-"}],
        )
    engine.dispose()
    pol = parse_policy("types:\n  email: {action: redact}\n  cn_mobile: {action: redact}\n")
    before = _rows(pi_db_url, "by_phone")
    with pytest.raises(InputError, match=r"row 1, column customer_id: the key holds personal"):
        deid_database_in_place(pi_db_url, "by_phone", pol)
    assert _rows(pi_db_url, "by_phone") == before


AUDIT = {
    "sqlite": [
        "CREATE TRIGGER tr_audit AFTER UPDATE OF note ON notes BEGIN "
        "INSERT INTO audit VALUES (OLD.note); END",
        "CREATE TRIGGER tr_new AFTER INSERT ON notes BEGIN SELECT 1; END",
    ],
    "postgresql": [
        "CREATE FUNCTION keep_old() RETURNS trigger AS $$ BEGIN "
        "INSERT INTO audit VALUES (OLD.note); RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER tr_audit AFTER UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION keep_old()",
        "CREATE FUNCTION noop() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER tr_new AFTER INSERT ON notes FOR EACH ROW EXECUTE FUNCTION noop()",
    ],
    "mysql": [
        "CREATE TRIGGER tr_audit AFTER UPDATE ON notes FOR EACH ROW "
        "INSERT INTO audit VALUES (OLD.note)",
        "CREATE TRIGGER tr_new AFTER INSERT ON notes FOR EACH ROW SET @x = 1",
    ],
}


def test_in_place_warns_of_update_triggers(pi_db_url: str, tmp_path: Path) -> None:
    """An UPDATE trigger runs for every changed row; here it writes the old value into an
    audit table the run did not touch. The report names the trigger (and only UPDATE
    triggers), never a value."""
    import sqlalchemy as sa

    kind = pi_db_url.split(":", 1)[0].split("+", 1)[0]
    engine = sa.create_engine(pi_db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE notes (id INTEGER PRIMARY KEY, note VARCHAR(40))"))
        conn.execute(sa.text("CREATE TABLE audit (old_note VARCHAR(40))"))
        for statement in AUDIT[kind]:
            conn.execute(sa.text(statement))
        conn.execute(sa.text("INSERT INTO notes VALUES (1, '电话 13912345678'), (2, '无')"))
    pol = parse_policy("types:\n  cn_mobile: {action: redact}\n")
    f = deid_database_in_place(pi_db_url, "notes", pol).files[0]
    assert len(f.warnings) == 1 and f.warnings[0].startswith("trigger tr_audit fires on UPDATE")
    assert "13912345678" not in f.warnings[0]
    # the CLI says it too, when it updates rows (here: the other mobile's row)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO notes VALUES (3, '13812345678')"))
    policy = tmp_path / "p.yaml"
    policy.write_text("types:\n  cn_mobile: {action: redact}\n", encoding="utf-8")
    args = ["deid", pi_db_url, "-p", str(policy), "--table", "notes", "--in-place"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0 and "warning: trigger tr_audit fires on UPDATE" in res.output
    assert "13812345678" not in res.output
    with engine.connect() as conn:
        audit = conn.execute(sa.text("SELECT old_note FROM audit")).scalars().all()
    engine.dispose()
    assert sorted(audit) == ["13812345678", "电话 13912345678"]  # what the warning is about


def test_integers_with_pi_are_reported_in_every_database_output(
    pi_db_url: str, tmp_path: Path
) -> None:
    """Integers under detection are checked in database runs too (the scan reports them):
    an extract, a copy and an in-place run all list the phones stored as numbers as left,
    and leave the integers as they are."""
    import sqlalchemy as sa

    engine = sa.create_engine(pi_db_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("CREATE TABLE calls (id INTEGER PRIMARY KEY, phone BIGINT, note VARCHAR(40))")
        )
        conn.execute(
            sa.text("INSERT INTO calls VALUES (1, 13812345678, '手机13712345678'), (2, 7, 'x')")
        )
    engine.dispose()
    pol = parse_policy("types:\n  '*': {action: redact}\n")
    want = {"phone": {"cn_mobile": 1}}
    extract = deid_database_table(pi_db_url, "calls", tmp_path / "calls.parquet", pol)
    assert extract.files[0].left == want and extract.files[0].replaced == {"cn_mobile": 1}
    copy_url = f"sqlite:///{tmp_path / 'copy.db'}"
    assert deid_database_table(pi_db_url, "calls", copy_url, pol).files[0].left == want
    in_place = deid_database_in_place(pi_db_url, "calls", pol)
    assert in_place.files[0].left == want
    engine = sa.create_engine(pi_db_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT phone, note FROM calls ORDER BY id")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [(13812345678, "手机[CN_MOBILE]"), (7, "x")]


def test_cli_into_a_table_and_in_place(
    customer_db: tuple[str, list[dict[str, str]]], tmp_path: Path
) -> None:
    url, rows = customer_db
    policy = tmp_path / "p.yaml"
    policy.write_text(IN_PLACE, encoding="utf-8")
    runner = CliRunner()
    args = ["deid", url, url, "-p", str(policy), "--table", "customers"]
    res = runner.invoke(app, [*args, "--out-table", "c2"])
    # the phones stored as integers are found, not rewritten: listed, and the exit says so
    assert res.exit_code == 1, res.output
    assert "#c2" in res.output and f"{len(rows)} records" in res.output
    assert "left: phone: cn_mobile" in res.output
    res = runner.invoke(app, ["deid", url, "-p", str(policy), "--table", "customers", "--in-place"])
    assert res.exit_code == 1, res.output
    assert "rows updated" in res.output
    res = runner.invoke(app, ["deid", url, "-p", str(policy), "--table", "customers"])
    assert res.exit_code == 2 and "--in-place" in res.output
    plain = tmp_path / "notes.txt"
    plain.write_text("tel 13912345678\n", encoding="utf-8")
    res = runner.invoke(app, ["deid", str(plain), "-p", str(policy), "--in-place"])
    assert res.exit_code == 2 and "never overwritten" in res.output
    assert plain.read_text(encoding="utf-8") == "tel 13912345678\n"


def test_sqlite_number_in_a_text_column(tmp_path: Path) -> None:
    """SQLite keeps what it is given: an integer in a TEXT column is read as its text."""
    db = tmp_path / "mixed.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE mixed (id INTEGER PRIMARY KEY, note TEXT)")
        conn.executemany("INSERT INTO mixed VALUES (?, ?)", [(1, 13912345678), (2, "x1@a.cn")])
    found = scan_database(f"sqlite:///{db}").counts
    assert found == {"cn_mobile": 1, "email": 1}
    pol = parse_policy(
        "types:\n  cn_mobile: {action: mask, keep_start: 3, keep_end: 4}\n"
        "  email: {action: redact}\n"
    )
    deid_database_in_place(f"sqlite:///{db}", "mixed", pol)
    with sqlite3.connect(db) as conn:
        got = conn.execute("SELECT note FROM mixed ORDER BY id").fetchall()
    assert got == [("139****5678",), ("[EMAIL]",)]


def test_sqlite_columns_of_no_type_or_loose_type(tmp_path: Path) -> None:
    """SQLite keeps any value in any column: a column of no type and one of NUMERIC
    affinity (`string`) hold PI as text and are scanned and de-identified (they were
    skipped, and text in a NUMERIC column crashed a copy with a TypeError); values that
    stay keep their kind (42 stays an integer); a value an extract cannot type is a
    located error."""
    db = tmp_path / "app.db"
    with sqlite3.connect(db) as conn:
        conn.execute(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a, b string, price numeric(10, 2), "
            "seen datetime)"
        )
        conn.executemany(
            "INSERT INTO t VALUES (?, ?, ?, ?, ?)",
            [
                (1, "手机13912345678", "x@y.cn", 12.5, "2024-01-02 10:00:00"),
                (2, 42, "plain", "n/a", "yesterday"),
            ],
        )
    url = f"sqlite:///{db}"
    rep = scan_database(url)
    assert rep.counts == {"cn_mobile": 1, "email": 1}
    assert {c.column: c.types for c in rep.files[0].columns}["a"] == {"cn_mobile": 1}
    pol = parse_policy("types:\n  '*': {action: redact}\n")
    want = [
        (1, "手机[CN_MOBILE]", "[EMAIL]", 12.5, "2024-01-02 10:00:00"),
        (2, 42, "plain", "n/a", "yesterday"),
    ]
    copy = f"sqlite:///{tmp_path / 'copy.db'}"
    assert deid_database_table(url, "t", copy, pol).files[0].replaced == {
        "cn_mobile": 1,
        "email": 1,
    }
    with sqlite3.connect(tmp_path / "copy.db") as conn:
        got = conn.execute("SELECT id, a, b, price, substr(seen, 1, 19) FROM t").fetchall()
        declared = conn.execute("SELECT sql FROM sqlite_master WHERE name = 't'").fetchone()[0]
    assert got == want
    assert "\ta , \n" in declared  # a column of no type, as in the source
    with pytest.raises(InputError, match=r"#t, row 2, column seen: a value of type str"):
        deid_database_table(url, "t", tmp_path / "t.parquet", pol)
    assert not (tmp_path / "t.parquet").exists()
    rep = deid_database_in_place(url, "t", pol)
    assert "1 rows updated" in str(rep.files[0].output)  # 42 is not rewritten as '42'
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT * FROM t ORDER BY id").fetchall() == want


def test_rows_done_add_up(customer_db: tuple[str, list[dict[str, str]]]) -> None:
    url, rows = customer_db
    copied: list[int] = []
    deid_database_table(
        url, "customers", url, parse_policy(IN_PLACE), out_table="c3", batch_rows=50,
        on_rows=copied.append,
    )  # fmt: skip
    updated: list[int] = []
    deid_database_in_place(
        url, "customers", parse_policy(IN_PLACE), batch_rows=50, on_rows=updated.append
    )
    assert copied == updated == [50, 50, 20] and sum(copied) == len(rows)


WHOLE = """
columns:
  name: {action: pseudonymise, domain: person}       # customers.name
  orders.buyer: {action: pseudonymise, domain: person}  # the same people, joined by name
  id_number: {action: generalise, to: region_prefix}
  orders.note: {action: redact, replacement: "[NOTE]"}  # this table's note only
  note: {action: detect}
types:
  cn_mobile: {action: mask, keep_start: 3, keep_end: 4}
  email: {action: redact}
  "*": {action: redact}
"""


@pytest.fixture
def shop_db(
    customer_db: tuple[str, list[dict[str, str]]],
) -> tuple[str, list[dict[str, str]]]:
    """customer_db plus orders that name their buyer, with a key and free text."""
    import sqlalchemy as sa

    url, rows = customer_db
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    orders = sa.Table(
        "orders",
        meta,
        sa.Column("order_id", sa.Integer, primary_key=True),
        sa.Column("buyer", sa.String(40)),
        sa.Column("note", sa.Text),
    )
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            orders.insert(),
            [
                {"order_id": i, "buyer": r["name"], "note": f"送至 {r['phone']}"}
                for i, r in enumerate(rows[:50], 1)
            ],
        )
    engine.dispose()
    return url, rows


def test_whole_database_into_another(
    shop_db: tuple[str, list[dict[str, str]]], tmp_path: Path
) -> None:
    import sqlalchemy as sa

    from tianping.privacy._deid_db import deid_database

    url, rows = shop_db
    before = _rows(url, "customers")
    out = f"sqlite:///{tmp_path / 'clean.db'}"
    rep = deid_database(url, out, parse_policy(WHOLE), batch_rows=30)
    assert [f.input.rsplit("#", 1)[1] for f in rep.files] == sorted(
        ["blobs", "customers", "orders"]
    )
    engine = sa.create_engine(out)
    assert sorted(sa.inspect(engine).get_table_names()) == ["blobs", "customers", "orders"]
    engine.dispose()  # views are not copied unless named
    customers = _rows(out, "customers")
    _check_deidentified(customers, rows, before, phone_masked=False)
    with sa.create_engine(out).connect() as conn:
        got = conn.execute(sa.text("SELECT order_id, buyer, note FROM orders")).all()
    assert len(got) == 50 and {n for _, _, n in got} == {"[NOTE]"}  # orders.note: redacted
    # keyed pseudonyms agree across tables: every order still joins its customer by name
    names = {str(c["name"]) for c in customers.values()}
    assert all(b in names for _, b, _ in got)
    by_name = {r["name"]: r for r in rows}
    assert not [b for _, b, _ in got if b in by_name]
    # customers.note went through detection (the plain `note` key), not the orders rule
    assert not [c for c in customers.values() if c["note"] == "[NOTE]"]
    # the input database is only read
    assert _rows(url, "customers") == before


def test_whole_database_refusals_and_rollback(
    shop_db: tuple[str, list[dict[str, str]]], tmp_path: Path
) -> None:
    import sqlalchemy as sa

    from tianping.privacy._deid_db import deid_database

    url, _ = shop_db
    pol = parse_policy(WHOLE)
    with pytest.raises(InputError, match="the output database is the input"):
        deid_database(url, url, pol)
    out = f"sqlite:///{tmp_path / 'clean.db'}"
    with pytest.raises(InputError, match=r"policy column\(s\) \['nickname', 'nope.name'\]"):
        bad = WHOLE.replace(
            "columns:\n", "columns:\n  nickname: {action: redact}\n  nope.name: {action: redact}\n"
        )
        deid_database(url, out, parse_policy(bad))
    # a table.column key of a table left out of the run is not an error
    rep = deid_database(url, out, pol, tables=["customers"])
    assert len(rep.files) == 1
    # a table that exists in the output is refused before anything is written
    with pytest.raises(InputError, match=r"table\(s\) \['customers'\] exist already"):
        deid_database(url, out, pol)
    engine = sa.create_engine(out)
    assert sa.inspect(engine).get_table_names() == ["customers"]
    engine.dispose()
    # stopped in its second table: the first one made by the run is dropped again
    out2 = f"sqlite:///{tmp_path / 'half.db'}"
    seen: list[int] = []

    def stop_later(n: int) -> None:
        seen.append(n)
        if len(seen) > 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        deid_database(url, out2, pol, tables=["orders", "customers"], batch_rows=100,
                      on_rows=stop_later)  # fmt: skip
    engine = sa.create_engine(out2)
    assert sa.inspect(engine).get_table_names() == []
    engine.dispose()


def test_whole_database_to_a_folder(
    shop_db: tuple[str, list[dict[str, str]]], tmp_path: Path
) -> None:
    from tianping.privacy._deid_db import deid_database

    url, rows = shop_db
    folder = tmp_path / "extracts"
    rep = deid_database(url, folder, parse_policy(WHOLE), out_format="csv")
    assert sorted(p.name for p in folder.iterdir()) == ["blobs.csv", "customers.csv", "orders.csv"]
    orders = pl.read_csv(folder / "orders.csv", infer_schema=False)
    assert orders["note"].unique().to_list() == ["[NOTE]"] and orders.height == 50
    assert sum(f.records for f in rep.files) == len(rows) + 50 + 1
    with pytest.raises(InputError, match="several tables go to a folder"):
        deid_database(url, tmp_path / "all.parquet", parse_policy(WHOLE))


def test_whole_database_in_place_is_one_transaction(
    shop_db: tuple[str, list[dict[str, str]]],
) -> None:
    """Every table in one transaction: a value that fails in the last table leaves the
    tables before it untouched too; tables the policy leaves alone need no key."""
    import sqlalchemy as sa

    from tianping.privacy._deid_db import deid_database

    url, rows = shop_db
    before = _rows(url, "customers")
    engine = sa.create_engine(url)

    def orders() -> list[tuple[object, ...]]:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text("SELECT * FROM orders ORDER BY 1"))]

    orders_before = orders()
    with engine.begin() as conn:  # too narrow for the "[EMAIL]" its note gets
        conn.execute(sa.text("CREATE TABLE tiny (k INTEGER PRIMARY KEY, note VARCHAR(6))"))
        conn.execute(sa.text("INSERT INTO tiny VALUES (1, 'x@a.cn')"))
    with pytest.raises(InputError, match=r"#tiny, row 1, column note: .* holds 6"):
        deid_database(url, None, parse_policy(WHOLE), tables=["customers", "orders", "tiny"])
    assert _rows(url, "customers") == before and orders() == orders_before
    rep = deid_database(url, None, parse_policy(WHOLE), tables=["customers", "orders", "blobs"])
    assert [f.input.rsplit("#", 1)[1] for f in rep.files] == ["customers", "orders"]
    _check_deidentified(_rows(url, "customers"), rows, before)
    assert {r[2] for r in orders()} == {"[NOTE]"}
    engine.dispose()


def test_cli_whole_database(shop_db: tuple[str, list[dict[str, str]]], tmp_path: Path) -> None:
    url, _ = shop_db
    policy = tmp_path / "p.yaml"
    policy.write_text(WHOLE, encoding="utf-8")
    runner = CliRunner()
    out = f"sqlite:///{tmp_path / 'clean.db'}"
    res = runner.invoke(app, ["deid", url, out, "-p", str(policy), "--tables", "customers,orders"])
    assert res.exit_code == 1, res.output  # customers.phone holds mobiles as integers
    assert "#customers" in res.output and "#orders" in res.output and "50 records" in res.output
    assert "left: phone: cn_mobile" in res.output
    res = runner.invoke(app, ["deid", url, "-p", str(policy), "--in-place"])
    assert res.exit_code == 1, res.output
    assert "rows updated" in res.output
    res = runner.invoke(app, ["deid", url, out, "-p", str(policy), "--out-table", "x"])
    assert res.exit_code == 2 and "--out-table" in res.output


def test_in_place_policy_that_changes_nothing_is_refused(
    shop_db: tuple[str, list[dict[str, str]]],
) -> None:
    from tianping.privacy._deid_db import deid_database

    url, _ = shop_db
    before = _rows(url, "customers")
    only_orders = parse_policy("columns:\n  orders.note: {action: redact}\n")
    with pytest.raises(InputError, match=r"#customers: the policy changes no column"):
        deid_database_in_place(url, "customers", only_orders)
    with pytest.raises(InputError, match=r"^[^#]*: the policy changes no column"):  # the URL
        deid_database(url, None, only_orders, tables=["customers", "blobs"])
    assert _rows(url, "customers") == before
