"""What a de-identified database copy keeps of its source's schema (SQLite always,
PostgreSQL and MariaDB when up): keys, NOT NULL, unique and plain indexes, checks and
foreign keys where the policy leaves them true; the rest listed with the reason."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import database_url
from tianping.errors import InputError
from tianping.privacy._deid_db import deid_database, deid_database_in_place, deid_database_table
from tianping.privacy._policy import parse_policy

KEY = "0123456789abcdef-schema-test-key"
POLICY = """
columns:
  name: {action: pseudonymise, domain: person}
  orders.buyer: {action: pseudonymise, domain: person}   # joins customers.name
  email: {action: redact}
  orders.buyer_email: {action: redact}
  phone: {action: mask, keep_start: 3, keep_end: 4}
  city: {action: keep}
  note: {action: detect}
types:
  "*": {action: redact}
"""


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIANPING_DEID_KEY", KEY)


@pytest.fixture
def out_url(pi_db_url: str, tmp_path: Path) -> Iterator[str]:
    """A second, empty database of the same kind as the source."""
    kind = pi_db_url.split(":", 1)[0].split("+", 1)[0].replace("mysql", "mariadb")
    (tmp_path / "out").mkdir()
    yield from database_url(kind, tmp_path / "out")


def _shop(url: str, n: int = 40) -> None:
    import sqlalchemy as sa

    meta = sa.MetaData()
    customers = sa.Table(
        "customers",
        meta,
        sa.Column("customer_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(40), nullable=False, unique=True),
        sa.Column("email", sa.String(80), unique=True),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("city", sa.String(20), nullable=False),
        sa.Column("age", sa.Integer),
        sa.Column("prefs", sa.JSON),  # MariaDB: LONGTEXT with its own json_valid check
        sa.CheckConstraint("age >= 0", name="age_ok"),
        sa.CheckConstraint("phone <> ''", name="phone_given"),
        sa.Index("ix_customers_city", "city"),
        sa.Index("ix_customers_phone", "phone", unique=True),
    )
    orders = sa.Table(
        "orders",
        meta,
        sa.Column("order_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column(
            "customer_id",
            sa.Integer,
            sa.ForeignKey("customers.customer_id", ondelete="CASCADE", name="fk_customer"),
            nullable=False,
        ),
        sa.Column("buyer", sa.String(40), sa.ForeignKey("customers.name", name="fk_buyer")),
        sa.Column("buyer_email", sa.String(80), sa.ForeignKey("customers.email", name="fk_email")),
        sa.Column("note", sa.Text),
    )
    engine = sa.create_engine(url)
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            customers.insert(),
            [
                {"customer_id": i, "name": f"王{i:03d}", "email": f"u{i}@shop.cn",
                 "phone": f"1380013{i:04d}", "city": "上海" if i % 2 else "北京", "age": 20 + i,
                 "prefs": {"vip": i % 3 == 0}}
                for i in range(1, n + 1)
            ],
        )  # fmt: skip
        conn.execute(
            orders.insert(),
            [
                {"order_id": 100 + i, "customer_id": i, "buyer": f"王{i:03d}",
                 "buyer_email": f"u{i}@shop.cn", "note": f"送至 1380013{i:04d}"}
                for i in range(1, n + 1)
            ],
        )  # fmt: skip
    engine.dispose()


def _run_sql(url: str, *statements: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement))
    engine.dispose()


def _schema(url: str, table: str) -> dict[str, Any]:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        insp = sa.inspect(engine)
        uniques = {tuple(u["column_names"]) for u in insp.get_unique_constraints(table)}
        indexes = {}
        for ix in insp.get_indexes(table):
            if ix.get("duplicates_constraint"):
                continue
            indexes[tuple(ix["column_names"])] = bool(ix["unique"])
        return {
            "pk": insp.get_pk_constraint(table)["constrained_columns"],
            "not_null": {c["name"] for c in insp.get_columns(table) if not c["nullable"]},
            "unique": uniques | {c for c, u in indexes.items() if u},
            "plain": {c for c, u in indexes.items() if not u},
            "checks": {c.get("name") for c in insp.get_check_constraints(table)},
            "fks": {
                (
                    tuple(f["constrained_columns"]),
                    f["referred_table"],
                    (f.get("options") or {}).get("ondelete"),
                )
                for f in insp.get_foreign_keys(table)
            },
        }
    finally:
        engine.dispose()


def test_copy_keeps_what_the_policy_leaves_true(pi_db_url: str, out_url: str) -> None:
    import sqlalchemy as sa

    _shop(pi_db_url)
    rep = deid_database(pi_db_url, out_url, parse_policy(POLICY))
    files = {f.input.rsplit("#", 1)[1]: f for f in rep.files}
    cust, orders = _schema(out_url, "customers"), _schema(out_url, "orders")
    assert cust["pk"] == ["customer_id"] and orders["pk"] == ["order_id"]
    # NOT NULL where the values are copied as they are; phone is masked
    assert {"city"} <= cust["not_null"] and "phone" not in cust["not_null"]
    assert "customer_id" in orders["not_null"]
    # name stays unique (keyed tokens); email (redacted) and phone (masked) may repeat
    assert ("name",) in cust["unique"]
    assert ("email",) not in cust["unique"] and ("phone",) not in cust["unique"]
    assert ("city",) in cust["plain"]
    # age >= 0 names no changed column; phone <> '' does
    assert "age_ok" in cust["checks"] and "phone_given" not in cust["checks"]
    # references that still find their row: the kept key, and the buyer token joining
    # the name token of one domain; the redacted e-mail cannot reference anything
    assert (("customer_id",), "customers", "CASCADE") in orders["fks"]
    assert any(f[0] == ("buyer",) for f in orders["fks"])
    assert not any(f[0] == ("buyer_email",) for f in orders["fks"])
    dropped = "\n".join(
        files["customers"].constraints_dropped + files["orders"].constraints_dropped
    )
    assert "email (redact)" in dropped and "phone (mask)" in dropped
    assert "phone_given" in dropped and "buyer_email/email are not changed alike" in dropped
    assert "13800" not in dropped  # no value in any message
    # MariaDB's own json_valid check (SQLAlchemy does not reflect it) is no listed loss
    assert "json_valid" not in dropped
    kept = "\n".join(files["orders"].constraints_kept)
    assert "foreign key (customer_id) → customers" in kept and "(buyer) → customers" in kept
    # the copy enforces them: a second customer with a taken name token is refused, and on
    # the servers an order of no customer is too (SQLite checks references only when told)
    engine = sa.create_engine(out_url)
    with engine.connect() as conn:
        token = conn.execute(sa.text("SELECT name FROM customers WHERE customer_id = 1")).scalar()
        assert str(token).startswith("PERSON_")
        joined = conn.execute(
            sa.text("SELECT count(*) FROM orders o JOIN customers c ON o.buyer = c.name")
        ).scalar()
        assert joined == 40
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO customers (customer_id, name, phone, city) VALUES (999, :n, '1', 'x')"
            ),
            {"n": token},
        )
    if engine.dialect.name != "sqlite":
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO orders (order_id, customer_id) VALUES (1, 12345)"))
    engine.dispose()


def test_unique_values_that_collide_are_reported(pi_db_url: str, out_url: str) -> None:
    """Tokens ignore surrounding spaces: two names that differ only so give one token; the
    unique index is then left out and said so, and the copy goes on."""

    _run_sql(
        pi_db_url,
        "CREATE TABLE people (pid INTEGER PRIMARY KEY, name VARCHAR(20))",
        "CREATE UNIQUE INDEX ix_people_name ON people (name)",
        "INSERT INTO people VALUES (1, '李雷'), (2, ' 李雷')",
    )
    pol = parse_policy("columns:\n  name: {action: pseudonymise}\n")
    rep = deid_database_table(pi_db_url, "people", out_url, pol)
    f = rep.files[0]
    assert f.records == 2
    assert any("unique ix_people_name (name): the copied values break it (IntegrityError" in d
               for d in f.constraints_dropped), f.constraints_dropped  # fmt: skip
    assert "李雷" not in "".join(f.constraints_dropped)
    assert _schema(out_url, "people")["unique"] == set()


def test_single_table_into_the_same_database(pi_db_url: str) -> None:
    """Index names are per schema on PostgreSQL: a copy beside its source gets its own; a
    reference to a table the run does not copy is listed, not kept."""
    _shop(pi_db_url, n=5)
    orders_only = "columns:\n  buyer: {action: pseudonymise}\n  buyer_email: {action: redact}\n"
    rep = deid_database_table(
        pi_db_url, "orders", pi_db_url, parse_policy(orders_only), out_table="orders_clean"
    )
    f = rep.files[0]
    assert f.records == 5
    assert sum("customers is not copied in this run" in d for d in f.constraints_dropped) == 3
    got = _schema(pi_db_url, "orders_clean")
    assert got["pk"] == ["order_id"] and got["fks"] == set()
    customers_only = "columns:\n  name: {action: pseudonymise}\n  phone: {action: redact}\n"
    deid_database_table(
        pi_db_url, "customers", pi_db_url, parse_policy(customers_only), out_table="customers_clean"
    )
    got = _schema(pi_db_url, "customers_clean")
    assert ("city",) in got["plain"] and ("name",) in got["unique"]
    assert "age_ok" in got["checks"]  # check names are per table


@pytest.fixture(params=["postgresql", "mariadb"])
def server_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from database_url(request.param, tmp_path)


def test_copy_to_another_kind_of_database(server_db_url: str, tmp_path: Path) -> None:
    """Checks are SQL of one kind of database: listed, not carried; keys and indexes are."""
    _shop(server_db_url, n=5)
    other = f"sqlite:///{tmp_path / 'other.db'}"
    rep = deid_database(server_db_url, other, parse_policy(POLICY))
    cust = next(f for f in rep.files if f.input.endswith("#customers"))
    assert any(d.startswith("check age_ok: SQL of another kind") for d in cust.constraints_dropped)
    assert not any("json_valid" in d for d in cust.constraints_dropped)
    got = _schema(other, "customers")
    assert got["pk"] == ["customer_id"] and ("city",) in got["plain"]
    assert ("name",) in got["unique"]
    assert _schema(other, "orders")["fks"] >= {(("customer_id",), "customers", "CASCADE")}


def test_cli_lists_what_a_copy_does_not_keep(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tianping.cli import app

    src, out = f"sqlite:///{tmp_path / 'shop.db'}", f"sqlite:///{tmp_path / 'clean.db'}"
    _shop(src, n=3)
    policy = tmp_path / "p.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    res = CliRunner().invoke(app, ["deid", src, out, "-p", str(policy)])
    assert res.exit_code == 0, res.output
    assert "not kept: unique (email): values of email (redact) change" in res.output
    assert "not kept: check phone_given" in res.output
    assert "ix_customers_city" not in res.output  # kept: not listed


def test_self_and_composite_references(pi_db_url: str, out_url: str) -> None:
    """A table that references itself, and a two-column reference, come through."""
    import sqlalchemy as sa

    meta = sa.MetaData()
    sa.Table(
        "staff",
        meta,
        sa.Column("sid", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(30)),
        sa.Column("boss", sa.Integer, sa.ForeignKey("staff.sid", name="fk_boss")),
    )
    sa.Table(
        "shifts",
        meta,
        sa.Column("site", sa.String(10), primary_key=True),
        sa.Column("day", sa.Integer, primary_key=True, autoincrement=False),
    )
    sa.Table(
        "rota",
        meta,
        sa.Column("rid", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("site", sa.String(10)),
        sa.Column("day", sa.Integer),
        sa.ForeignKeyConstraint(["site", "day"], ["shifts.site", "shifts.day"], name="fk_shift"),
    )
    engine = sa.create_engine(pi_db_url)
    meta.create_all(engine)
    engine.dispose()
    _run_sql(
        pi_db_url,
        "INSERT INTO staff VALUES (1, '张伟', NULL), (2, '李娜', 1)",
        "INSERT INTO shifts VALUES ('A', 1), ('A', 2)",
        "INSERT INTO rota VALUES (1, 'A', 2)",
    )
    pol = parse_policy("columns:\n  name: {action: pseudonymise, domain: person}\n")
    rep = deid_database(pi_db_url, out_url, pol)
    assert all(not f.constraints_dropped for f in rep.files), [
        f.constraints_dropped for f in rep.files
    ]
    assert _schema(out_url, "staff")["fks"] == {(("boss",), "staff", None)}
    assert _schema(out_url, "rota")["fks"] == {(("site", "day"), "shifts", None)}
    assert _schema(out_url, "shifts")["pk"] == ["site", "day"]


# what each kind of database writes for an auto-numbered key, defaults and a trigger
TICKETS = {
    "sqlite": [
        "CREATE TABLE tickets (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL, "
        "status VARCHAR(10) NOT NULL DEFAULT 'new', score INTEGER DEFAULT 0, "
        "created TIMESTAMP DEFAULT CURRENT_TIMESTAMP, label TEXT DEFAULT (lower('A')))",
        "CREATE TRIGGER tr_score AFTER INSERT ON tickets BEGIN "
        "UPDATE tickets SET score = score + 1 WHERE id = NEW.id; END",
    ],
    "postgresql": [
        "CREATE TABLE tickets (id SERIAL PRIMARY KEY, name VARCHAR(20) NOT NULL, "
        "status VARCHAR(10) NOT NULL DEFAULT 'new', score INTEGER DEFAULT 0, "
        "created TIMESTAMP DEFAULT now(), label TEXT DEFAULT lower('A'))",
        "CREATE FUNCTION bump() RETURNS trigger AS $$ BEGIN NEW.score := NEW.score + 1; "
        "RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER tr_score BEFORE INSERT ON tickets FOR EACH ROW EXECUTE FUNCTION bump()",
    ],
    "mysql": [
        "CREATE TABLE tickets (id INTEGER AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20) NOT NULL, "
        "status VARCHAR(10) NOT NULL DEFAULT 'new', score INTEGER DEFAULT 0, "
        "created TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP, label VARCHAR(5) DEFAULT (lower('A')))",
        "CREATE TRIGGER tr_score BEFORE INSERT ON tickets FOR EACH ROW "
        "SET NEW.score = NEW.score + 1",
    ],
}


def _tickets(url: str, n: int = 5) -> None:
    kind = url.split(":", 1)[0].split("+", 1)[0]
    _run_sql(
        url,
        *TICKETS[kind],
        *(f"INSERT INTO tickets (name) VALUES ('王{i:02d}')" for i in range(n)),
    )


def _new_ticket(url: str, columns: str) -> Any:
    """A new row of the copy's tickets, given only a name: what defaults and numbering
    made of the rest."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO tickets (name) VALUES ('x')"))
        row = conn.execute(sa.text(f"SELECT {columns} FROM tickets WHERE name = 'x'")).one()
    engine.dispose()
    return row


def test_copy_keeps_defaults_and_numbers_new_rows_after_the_copied_ones(
    pi_db_url: str, out_url: str
) -> None:
    """A copy used as a test database takes new rows as its source did: the defaults are
    there and the key's numbering goes on after the copied keys (a PostgreSQL SERIAL's
    sequence would otherwise start at 1 again and collide). A trigger is code of the
    source: listed, not copied."""

    _tickets(pi_db_url)
    pol = parse_policy("columns:\n  name: {action: pseudonymise}\n")
    f = deid_database_table(pi_db_url, "tickets", out_url, pol).files[0]
    assert f.records == 5
    kept = "\n".join(f.constraints_kept)
    assert "auto-numbering (id): new rows are numbered after the copied ones" in kept
    assert "defaults (status, score, created, label)" in kept, kept
    assert f.constraints_dropped == [
        "trigger tr_score: not copied, it runs code of the source database / 触发器未复制"
    ]
    row = _new_ticket(out_url, "id, status, score, created, label")
    # the source's trigger made every score 1; the copy has no trigger: 0
    assert (row.id, row.status, row.score, row.label) == (6, "new", 0, "a")
    assert row.created is not None


def test_postgresql_identity_sequences_partial_and_expression_indexes(tmp_path: Path) -> None:
    """PostgreSQL to PostgreSQL: an identity stays GENERATED ALWAYS and goes on after the
    copied keys; a default drawing on a sequence of the source is listed; a partial index
    keeps its condition and an expression index its expression, unless the policy changes
    what they cover or compare."""
    import sqlalchemy as sa

    urls = [database_url("postgresql", tmp_path / n) for n in ("a", "b")]
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    src, out = (next(u) for u in urls)
    try:
        _run_sql(
            src,
            "CREATE SEQUENCE ticket_no START 1000",
            "CREATE TABLE events (eid BIGINT GENERATED ALWAYS AS IDENTITY (START WITH 100) "
            "PRIMARY KEY, email TEXT, city TEXT, name TEXT, state TEXT DEFAULT 'open', "
            "ticket INTEGER DEFAULT nextval('ticket_no'))",
            "CREATE UNIQUE INDEX uq_open_email ON events (email) WHERE state = 'open'",
            "CREATE UNIQUE INDEX uq_open_name ON events (name) WHERE state = 'open'",
            "CREATE INDEX ix_name_open ON events (city) WHERE name IS NOT NULL",
            "CREATE INDEX ix_city_lower ON events (lower(city))",
            "CREATE UNIQUE INDEX uq_name_lower ON events (lower(name))",
            "INSERT INTO events (email, city, name, state) VALUES "
            "('a@x.cn', '上海', '李雷', 'open'), ('a@x.cn', '北京', '韩梅梅', 'closed')",
        )
        pol = parse_policy("columns:\n  name: {action: pseudonymise}\n")
        f = deid_database_table(src, "events", out, pol).files[0]
        kept, dropped = "\n".join(f.constraints_kept), "\n".join(f.constraints_dropped)
        assert "auto-numbering (eid)" in kept and "defaults (state)" in kept
        assert "unique partial index uq_open_email" in kept
        assert "expression index ix_city_lower" in kept
        assert "default of ticket: draws from a sequence of the source database" in dropped
        # the name becomes a token: a unique index over an expression of it may repeat
        assert "unique expression index uq_name_lower: values of name change" in dropped
        # the condition names the changed column: the index would cover other rows
        assert "partial index ix_name_open: its condition names column(s) name" in dropped
        # a unique index over tokens alone stays unique, condition and all
        assert "unique partial index uq_open_name" in kept
        assert "李雷" not in dropped + kept
        engine = sa.create_engine(out)
        with engine.connect() as conn:
            defs = dict(
                conn.execute(
                    sa.text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'events'")
                ).all()
            )
        assert "WHERE" in defs["uq_open_email"] and "lower(city)" in defs["ix_city_lower"]
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO events (email, state) VALUES ('a@x.cn', 'closed')"))
            eid = conn.execute(sa.text("SELECT max(eid) FROM events")).scalar()
        assert eid == 102  # after the copied 100 and 101
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:  # condition kept
            conn.execute(sa.text("INSERT INTO events (email) VALUES ('a@x.cn')"))
        with pytest.raises(sa.exc.DBAPIError, match="GENERATED ALWAYS"), engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO events (eid) VALUES (7)"))
        engine.dispose()
    finally:
        for u in urls:
            next(u, None)


def test_sqlite_expression_index_is_listed_without_a_warning(tmp_path: Path) -> None:
    """SQLAlchemy skips SQLite's expression indexes with a warning: the copy lists them as
    not copied instead; a partial index is copied with its condition."""
    import warnings

    import sqlalchemy as sa

    src, out = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    _run_sql(
        src,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT, state TEXT)",
        "CREATE INDEX ix_lower ON t (lower(email))",
        "CREATE UNIQUE INDEX uq_open ON t (email) WHERE state = 'open'",
        "INSERT INTO t (email, state) VALUES ('a@x.cn', 'open'), ('a@x.cn', 'closed')",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pol = parse_policy("columns:\n  state: {action: keep}\n")
        f = deid_database_table(src, "t", out, pol).files[0]
    assert "index ix_lower: an expression index is not copied / 表达式索引未复制" in (
        f.constraints_dropped
    )
    assert "unique partial index uq_open" in f.constraints_kept
    engine = sa.create_engine(out)
    with engine.connect() as conn:
        sql = conn.execute(sa.text("SELECT sql FROM sqlite_master WHERE name = 'uq_open'")).scalar()
    engine.dispose()
    assert "WHERE state = 'open'" in str(sql)


def test_defaults_across_kinds_of_database(server_db_url: str, tmp_path: Path) -> None:
    """Into SQLite from a server: numbers, strings and the current time carry over, other
    SQL is listed; new rows are numbered after the copied ones there too."""

    _tickets(server_db_url, n=3)
    other = f"sqlite:///{tmp_path / 'other.db'}"
    pol = parse_policy("columns:\n  name: {action: pseudonymise}\n")
    f = deid_database_table(server_db_url, "tickets", other, pol).files[0]
    assert "defaults (status, score, created)" in f.constraints_kept
    assert "default of label: SQL of another kind of database / 不同数据库默认值" in (
        f.constraints_dropped
    )
    row = _new_ticket(other, "id, status, score, created")
    assert (row.id, row.status, row.score) == (4, "new", 0) and row.created is not None


@pytest.mark.parametrize(
    ("sql", "portable"),
    [
        ("'new'::text", "'new'"),
        ("('x'::text)::character varying", "'x'"),
        ("'-1'::integer", "'-1'"),
        ("(0)", "0"),
        ("-2.5", "-2.5"),
        ("'it''s'", "'it''s'"),
        ("true", "TRUE"),
        ("now()", "CURRENT_TIMESTAMP"),
        ("current_timestamp()", "CURRENT_TIMESTAMP"),
        ("curdate()", "CURRENT_DATE"),
        ("lower('A')", None),
        ("nextval('s'::regclass)", None),
        ("(1) + (2)", None),
        ("'a' || 'b'", None),
    ],
)
def test_portable_default(sql: str, portable: str | None) -> None:
    from tianping.privacy._deid_db_schema import default_clause, portable_default

    assert portable_default(sql) == portable
    if portable is not None:
        assert default_clause(portable) == portable  # literals go into DDL as they are
    assert default_clause("lower('A')") == "(lower('A'))"


def test_postgresql_types_arrays_enums_domains(tmp_path: Path) -> None:
    """PostgreSQL's own types: phones inside a text array are found and redacted (in a
    copy, in SQLite as JSON text, and in place); an enum and a domain (with its check) are
    made in another database for the two tables that share them; an address type becomes
    its text where the copy's database has none."""
    import sqlalchemy as sa

    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    urls = [database_url("postgresql", tmp_path / n) for n in ("a", "b")]
    src, out = (next(u) for u in urls)
    try:
        _run_sql(
            src,
            "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
            "CREATE DOMAIN posint AS integer CHECK (VALUE > 0)",
            "CREATE TABLE people (id integer PRIMARY KEY, m mood DEFAULT 'ok', n posint, "
            "phones varchar(20)[], grid text[][], ip inet)",
            "CREATE TABLE visits (id integer PRIMARY KEY, m mood, n posint)",
            "INSERT INTO people VALUES (1, 'happy', 5, '{13912345678,备用}', "
            "'{{a,13812345678},{\"x, y\",NULL}}', '10.1.2.3'), (2, 'sad', 7, '{}', NULL, NULL)",
            "INSERT INTO visits VALUES (1, 'ok', 3)",
        )
        pol = parse_policy(
            "columns:\n  m: {action: keep}\n  ip: {action: keep}\n"
            "types:\n  cn_mobile: {action: redact}\n"
        )
        rep = deid_database(src, out, pol)
        people = next(f for f in rep.files if f.input.endswith("#people"))
        assert people.replaced == {"cn_mobile": 2}
        assert "defaults (m)" in people.constraints_kept
        engine = sa.create_engine(out)
        with engine.connect() as conn:
            row = conn.execute(sa.text("SELECT m, n, phones, grid FROM people WHERE id = 1")).one()
            assert tuple(row) == (
                "happy", 5, ["[CN_MOBILE]", "备用"], [["a", "[CN_MOBILE]"], ["x, y", None]]
            )  # fmt: skip
            assert conn.execute(sa.text("SELECT m FROM visits")).scalar() == "ok"
        with pytest.raises(sa.exc.IntegrityError, match="posint"), engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO visits (id, n) VALUES (2, 0)"))  # the domain
        with pytest.raises(sa.exc.DataError), engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO visits (id, m) VALUES (3, 'angry')"))  # the enum
        engine.dispose()

        lite = f"sqlite:///{tmp_path / 'lite.db'}"
        deid_database(src, lite, pol)
        engine = sa.create_engine(lite)
        with engine.connect() as conn:
            row = conn.execute(sa.text("SELECT n, phones, grid, ip FROM people WHERE id = 1")).one()
        engine.dispose()
        assert row.n == 5 and row.ip == "10.1.2.3"
        assert row.phones == '["[CN_MOBILE]", "备用"]'
        assert "13812345678" not in row.grid

        rep = deid_database_in_place(src, "people", pol)
        assert rep.files[0].replaced == {"cn_mobile": 2}
        engine = sa.create_engine(src)
        with engine.connect() as conn:
            phones = conn.execute(sa.text("SELECT phones FROM people WHERE id = 1")).scalar()
        engine.dispose()
        assert phones == ["[CN_MOBILE]", "备用"]
        # a rule that does not keep the array cannot be written back into one
        masked = parse_policy("columns:\n  phones: {action: mask, keep_start: 1}\n")
        with pytest.raises(InputError, match=r"row 1, column phones: .* not an array of text"):
            deid_database_in_place(src, "people", masked)
    finally:
        for u in urls:
            next(u, None)
