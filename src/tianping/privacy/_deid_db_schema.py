"""What a de-identified database copy keeps of its source's schema beyond columns and types:
NOT NULL, unique constraints and indexes (partial and expression ones too), plain indexes,
checks, foreign keys, column defaults and auto-numbering.

A constraint is carried only where the policy leaves it true of the copied values:
- NOT NULL on columns whose values are copied as they are;
- uniqueness where every column is copied as it is or pseudonymised as a token (keyed
  HMAC tokens of 64 bits or more: equal values give equal tokens, different values
  different ones), and the copy's values turn out unique when the index is built (a value
  that differs only in surrounding spaces gives its twin's token);
- checks on the same kind of database, naming no column whose values change;
- foreign keys between tables of one run whose column pairs change alike: both copied as
  they are, or both pseudonymised with the same domain, prefix and length (so a reference
  still finds its row);
- column defaults (only numbers, strings, TRUE/FALSE and the current date or time across
  kinds of database), and auto-numbering of a single-column integer key copied as it is:
  new rows of the copy are numbered after the copied ones;
- partial and expression indexes on the same kind of database, where their rows and
  values stay what they were.
Anything else (triggers included) is listed in the report with the reason, never dropped
silently.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from typing import Any

from tianping.privacy._policy import Keep, Policy, Pseudonymise
from tianping.privacy._scan import _safe_message

__all__ = [
    "IndexPlan",
    "SchemaPlan",
    "plan_schema",
    "portable_default",
    "triggers",
    "value_change",
]


@dataclass
class IndexPlan:
    """One index of the copy: on columns, or (same kind of database) on expressions; a
    partial index keeps its predicate."""

    name: str
    columns: list[str]  # the columns it indexes, or those its expressions name
    unique: bool
    label: str
    expressions: list[str] | None = None
    where: str | None = None


@dataclass
class SchemaPlan:
    """One copied table's constraints: those declared with the table, those added after
    its rows (indexes; on servers, checks), the foreign keys added once every table of the
    run is there, and what was left out and why."""

    table: str  # in the output database
    not_null: set[str] = field(default_factory=set)
    checks: list[tuple[str | None, str, str]] = field(default_factory=list)  # name, SQL, label
    indexes: list[IndexPlan] = field(default_factory=list)
    foreign_keys: list[dict[str, Any]] = field(default_factory=list)
    defaults: dict[str, str] = field(default_factory=dict)  # column: SQL the target takes
    # auto-numbered columns: the source's Identity (same kind of database) or None
    numbering: dict[str, Any] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


def value_change(column: Any, policy: Policy, rewritten: set[str]) -> tuple[str, ...]:
    """How the copy's values of `column` relate to the source's: ("same",); ("token",
    domain, prefix, length) for a keyed token pseudonym (one-to-one); ("changed", action)."""
    if column.name not in rewritten:
        return ("same",)
    rule = policy.columns.get(column.name)
    if isinstance(rule, Keep):
        return ("same",)
    if isinstance(rule, Pseudonymise) and rule.style == "token":
        domain = rule.domain or column.name
        return ("token", domain, (rule.prefix or domain).upper(), str(rule.length))
    return ("changed", getattr(rule, "action", "detect"))


def _why(changes: dict[str, tuple[str, ...]], cols: list[str]) -> str | None:
    """Why values of `cols` may repeat in the copy where they did not; None if they cannot."""
    bad = [f"{c} ({changes[c][1]})" for c in cols if changes[c][0] == "changed"]
    return f"values of {', '.join(bad)} change and may repeat" if bad else None


def _index_name(name: str | None, out_table: str, cols: list[str], unique: bool, keep: bool) -> str:
    """The source's name when the copy goes to another database (names are per schema on
    PostgreSQL, so in the same database they would clash), else one made from the table."""
    if name and keep:
        return name
    made = f"{'uq' if unique else 'ix'}_{out_table}_{'_'.join(cols)}"
    return made[:60]


def plan_schema(
    insp: Any,
    table: str,
    schema: str | None,
    out_table: str,
    columns: list[Any],
    changes: dict[str, tuple[str, ...]],
    *,
    same_dialect: bool,
    same_database: bool,
    run_tables: dict[str, tuple[str, dict[str, tuple[str, ...]]]],
    retyped: frozenset[str] = frozenset(),
) -> SchemaPlan:
    """The plan for one table. `changes`: `value_change` of each column; `run_tables`: the
    tables of the run (source name → output name and its columns' changes), for foreign
    keys; `retyped`: columns whose type the copy changes (text where a token may be
    longer), whose defaults must then be plain values."""
    with warnings.catch_warnings():  # SQLite: expression indexes, reported below instead
        warnings.filterwarnings("ignore", "Skipped unsupported reflection")
        return _plan(insp, table, schema, out_table, columns, changes, same_dialect,
                     same_database, run_tables, retyped)  # fmt: skip


def _plan(
    insp: Any, table: str, schema: str | None, out_table: str, columns: list[Any],
    changes: dict[str, tuple[str, ...]], same_dialect: bool, same_database: bool,
    run_tables: dict[str, tuple[str, dict[str, tuple[str, ...]]]], retyped: frozenset[str],
) -> SchemaPlan:  # fmt: skip
    plan = SchemaPlan(out_table)
    pk_cols = set(insp.get_pk_constraint(table, schema=schema).get("constrained_columns") or [])
    for c in columns:
        if not c.nullable and changes[c.name] == ("same",) and c.name not in pk_cols:
            plan.not_null.add(c.name)
    if plan.not_null:
        plan.kept.append(f"NOT NULL ({', '.join(sorted(plan.not_null))})")

    seen: set[tuple[tuple[str, ...], bool]] = set()
    # a key whose columns were rewritten is not declared with the table (its values are
    # only known afterwards): it becomes a unique index, if the values allow
    if pk_cols and any(changes[c][0] != "same" for c in pk_cols):
        ordered = [c.name for c in columns if c.name in pk_cols]
        _add_index(plan, None, ordered, True, changes, out_table,
                   same_database, "primary key")  # fmt: skip
        seen.add((tuple(ordered), True))
    elif pk_cols:
        seen.add((tuple(c.name for c in columns if c.name in pk_cols), True))
    uniques = [(u.get("name"), list(u["column_names"]), True)
               for u in insp.get_unique_constraints(table, schema=schema)]  # fmt: skip
    indexes = []
    source = insp.dialect.name
    reflected = insp.get_indexes(table, schema=schema)
    for ix in reflected:
        if ix.get("duplicates_constraint"):
            continue  # the index behind a unique constraint, listed above
        cols = list(ix.get("column_names") or [])
        if not cols or None in cols or ix.get("expressions") or _where(ix) is not None:
            _add_special_index(plan, ix, changes, out_table, same_dialect, same_database)
            continue
        indexes.append((ix.get("name"), cols, bool(ix.get("unique"))))
    for name in _unreflected_indexes(insp, table, schema, reflected):
        plan.dropped.append(f"index {name}: an expression index is not copied / 表达式索引未复制")
    for name, cols, unique in uniques + indexes:
        if (tuple(cols), unique) in seen:
            continue
        seen.add((tuple(cols), unique))
        _add_index(plan, name, cols, unique, changes, out_table,
                   same_database, "unique" if unique else "index")  # fmt: skip

    for chk in insp.get_check_constraints(table, schema=schema):
        name, text = chk.get("name"), str(chk.get("sqltext") or "")
        label = f"check {name or text}"
        if not same_dialect:
            plan.dropped.append(f"{label}: SQL of another kind of database / 不同数据库的检查约束")
            continue
        words = {w.lower() for w in re.findall(r"\w+", text)}
        changed = [c for c, ch in changes.items() if ch != ("same",) and c.lower() in words]
        if changed:
            plan.dropped.append(
                f"{label}: names column(s) {', '.join(changed)} whose values change / 列值已变"
            )
            continue
        plan.checks.append((name, text, label))

    for fk in insp.get_foreign_keys(table, schema=schema):
        cols, ref = fk["constrained_columns"], fk["referred_table"]
        label = f"foreign key {fk.get('name') or ''}({', '.join(cols)}) → {ref}"
        if ref not in run_tables or (fk.get("referred_schema") or schema) != schema:
            plan.dropped.append(f"{label}: {ref} is not copied in this run / 被引用表未复制")
            continue
        out_ref, theirs = run_tables[ref]
        ref_cols = fk["referred_columns"]
        # equal values on both sides stay equal only if both change by one rule
        unlike = [
            f"{c}/{r}"
            for c, r in zip(cols, ref_cols, strict=True)
            if changes[c] != theirs.get(r) or changes[c][0] == "changed"
        ]
        if unlike:
            plan.dropped.append(
                f"{label}: {', '.join(unlike)} are not changed alike (copy both as they are, or "
                "pseudonymise both as tokens in one domain) / 引用列与被引用列变换不一致"
            )
            continue
        plan.foreign_keys.append(
            {"name": fk.get("name"), "columns": cols, "ref": out_ref, "ref_columns": ref_cols,
             "options": {k: v for k, v in (fk.get("options") or {}).items()
                         if k in ("ondelete", "onupdate")}}
        )  # fmt: skip
    _plan_columns(plan, columns, changes, pk_cols, source, same_dialect, retyped)
    for name, _ in triggers(insp, table, schema):
        plan.dropped.append(
            f"trigger {name}: not copied, it runs code of the source database / 触发器未复制"
        )
    return plan


def _named(sql: str, changes: dict[str, tuple[str, ...]]) -> list[str]:
    """The columns an SQL expression names (by word: a column name that only appears
    inside a string literal counts too, which errs on the safe side)."""
    words = {w.lower() for w in re.findall(r"\w+", sql)}
    return [c for c in changes if c.lower() in words]


def _add_special_index(
    plan: SchemaPlan, ix: dict[str, Any], changes: dict[str, tuple[str, ...]], out_table: str,
    same_dialect: bool, same_database: bool,
) -> None:  # fmt: skip
    """A partial or expression index: its SQL is the source database's own, so it is kept
    only on the same kind of database, and only where the rows it covers and (unique) the
    values it compares stay what they were."""
    name, unique = ix.get("name"), bool(ix.get("unique"))
    exprs = list(ix.get("expressions") or [])
    cols = [c for c in ix.get("column_names") or [] if c is not None]
    where_sql = _where(ix)
    kind = "expression index" if exprs else "partial index"
    label = f"{'unique ' if unique else ''}{kind} {name}"
    if not same_dialect:
        plan.dropped.append(f"{label}: SQL of another kind of database / 不同数据库的索引")
        return
    named = list(dict.fromkeys(cols + [c for e in exprs for c in _named(e, changes)]))
    moved = [c for c in _named(where_sql or "", changes) if changes[c] != ("same",)]
    if moved:
        plan.dropped.append(
            f"{label}: its condition names column(s) {', '.join(moved)} whose values change "
            "/ 条件列值已变"
        )
        return
    if unique:
        # an expression of a token need not be one-to-one as the token is
        bad = [c for c in named if changes[c] != ("same",)] if exprs else []
        why = _why(changes, cols) or (
            f"values of {', '.join(bad)} change and the expression may repeat" if bad else None
        )
        if why:
            plan.dropped.append(f"{label}: {why} / 去标识化后可能重复")
            return
    made = _index_name(name, out_table, named or ["expr"], unique, not same_database)
    plan.indexes.append(IndexPlan(made, named, unique, label, exprs or None, where_sql))


def _where(ix: dict[str, Any]) -> str | None:
    """A partial index's condition (`postgresql_where`, `sqlite_where`), as SQL."""
    opts = ix.get("dialect_options") or {}
    where = next((v for k, v in opts.items() if k.endswith("_where")), None)
    return None if where is None else str(where)


def _sqlite_master(insp: Any, schema: str | None) -> str:
    return (
        f"{insp.dialect.identifier_preparer.quote(schema)}.sqlite_master" if schema
        else "sqlite_master"
    )  # fmt: skip


def _unreflected_indexes(
    insp: Any, table: str, schema: str | None, reflected: list[dict[str, Any]]
) -> list[str]:
    """Indexes SQLAlchemy does not reflect (SQLite's expression indexes), by name."""
    from sqlalchemy import text

    if insp.dialect.name != "sqlite":
        return []
    master = _sqlite_master(insp, schema)
    sql = text(
        f"SELECT name FROM {master} WHERE type = 'index' AND tbl_name = :t AND sql IS NOT NULL"
    )
    with insp.bind.connect() as conn:
        names = conn.execute(sql, {"t": table}).scalars().all()
    known = {ix.get("name") for ix in reflected}
    return [n for n in names if n not in known]


def triggers(insp: Any, table: str, schema: str | None) -> list[tuple[str, bool]]:
    """The table's triggers (SQLAlchemy does not reflect them): name, and whether it fires
    on UPDATE."""
    from sqlalchemy import text

    dialect = insp.dialect.name
    if dialect == "postgresql":  # tgtype bit 4: TRIGGER_TYPE_UPDATE
        sql = (
            "SELECT t.tgname, (t.tgtype & 16) <> 0 FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE NOT t.tgisinternal AND c.relname = :t "
            "AND n.nspname = COALESCE(:s, current_schema()) ORDER BY 1"
        )
    elif dialect in ("mysql", "mariadb"):
        sql = (
            "SELECT TRIGGER_NAME, EVENT_MANIPULATION = 'UPDATE' FROM information_schema.TRIGGERS "
            "WHERE EVENT_OBJECT_TABLE = :t AND EVENT_OBJECT_SCHEMA = COALESCE(:s, DATABASE()) "
            "ORDER BY 1"
        )
    elif dialect == "sqlite":
        master = _sqlite_master(insp, schema)
        sql = f"SELECT name, sql FROM {master} WHERE type = 'trigger' AND tbl_name = :t ORDER BY 1"
    else:
        return []
    with insp.bind.connect() as conn:
        found = conn.execute(text(sql), {"t": table, "s": schema}).all()
    if dialect == "sqlite":  # the event is in the statement: CREATE TRIGGER x AFTER UPDATE ON
        head = re.compile(r"^(.*?)\bON\b", re.I | re.S)
        return [
            (str(n), bool(re.search(r"\bUPDATE\b", (head.match(q or "") or [""])[0], re.I)))
            for n, q in found
        ]
    return [(str(n), bool(u)) for n, u in found]


_SEQUENCE = re.compile(r"\bnextval\s*\(", re.I)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_STRING = re.compile(r"'(?:[^']|'')*'")
_CAST = re.compile(r"\s*::\s*[a-z_][a-z0-9_ ]*(?:\(\s*\d+(?:\s*,\s*\d+)?\s*\))?(?:\[\])?\s*$", re.I)
_NOW = {"now()", "current_timestamp", "current_timestamp()", "localtimestamp", "localtimestamp()",
        "transaction_timestamp()", "getdate()"}  # fmt: skip
_TODAY = {"current_date", "current_date()", "curdate()"}


def portable_default(sql: str) -> str | None:
    """A default's SQL as every supported kind of database takes it, or None: numbers,
    strings, TRUE/FALSE (PostgreSQL's casts and the parentheses around them dropped) and
    the current date or time."""
    s = sql.strip()
    for _ in range(4):  # PostgreSQL writes '-1'::integer, ('x'::text)::character varying
        s = _CAST.sub("", s).strip()
        if s.startswith("(") and s.endswith(")") and _balanced(s[1:-1]):
            s = s[1:-1].strip()
    low = s.lower()
    if _NUMBER.fullmatch(s) or _STRING.fullmatch(s):
        return s
    if low in ("true", "false"):
        return low.upper()
    if low in _NOW:
        return "CURRENT_TIMESTAMP"
    if low in _TODAY:
        return "CURRENT_DATE"
    return None


def _balanced(s: str) -> bool:
    depth = 0
    for ch in _STRING.sub("''", s):
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            return False
    return depth == 0


def _numbered(c: Any, pk_cols: set[str], changes: dict[str, tuple[str, ...]], source: str) -> bool:
    """Whether the source numbers new rows in this column itself: a single-column integer
    key that is auto-increment, an identity or a sequence's (SQLite: every INTEGER PRIMARY
    KEY is the rowid)."""
    from sqlalchemy import types as sa

    if pk_cols != {c.name} or changes[c.name] != ("same",) or not isinstance(c.type, sa.Integer):
        return False
    if c.identity is not None or c.autoincrement is True:
        return True
    return source == "sqlite" and type(c.type).__name__ == "INTEGER"


def _plan_columns(
    plan: SchemaPlan, columns: list[Any], changes: dict[str, tuple[str, ...]], pk_cols: set[str],
    source: str, same_dialect: bool, retyped: frozenset[str],
) -> None:  # fmt: skip
    """Auto-numbering and column defaults. A default says what a new row gets, whatever
    the policy did to the copied values, so it is kept on columns that change too."""
    from sqlalchemy import DefaultClause

    for c in columns:
        if _numbered(c, pk_cols, changes, source):
            plan.numbering[c.name] = c.identity if same_dialect else None
            plan.kept.append(
                f"auto-numbering ({c.name}): new rows are numbered after the copied ones"
            )
            continue  # a sequence default of its own is the copy's own sequence now
        if not isinstance(c.server_default, DefaultClause):
            continue
        arg = c.server_default.arg
        sql = str(getattr(arg, "text", arg))
        label = f"default of {c.name}"
        if _SEQUENCE.search(sql):
            plan.dropped.append(
                f"{label}: draws from a sequence of the source database / 序列默认值未复制"
            )
            continue
        if not same_dialect or c.name in retyped:  # e.g. 'ok'::mood, where the copy has text
            portable = portable_default(sql)
            if portable is None:
                why = (
                    "SQL of another kind of database / 不同数据库默认值"
                    if not same_dialect
                    else "SQL of the source's column type, which the copy changes / 列类型已变"
                )
                plan.dropped.append(f"{label}: {why}")
                continue
            sql = portable
        plan.defaults[c.name] = sql


def _add_index(
    plan: SchemaPlan, name: str | None, cols: list[str], unique: bool,
    changes: dict[str, tuple[str, ...]], out_table: str, same_database: bool, what: str,
) -> None:  # fmt: skip
    label = f"{what} {name + ' ' if name else ''}({', '.join(cols)})"
    why = _why(changes, cols) if unique else None
    if why:
        plan.dropped.append(f"{label}: {why} / 去标识化后可能重复")
        return
    made = _index_name(name, out_table, cols, unique, not same_database)
    plan.indexes.append(IndexPlan(made, cols, unique, label))


def declared(plan: SchemaPlan, dialect: str) -> list[Any]:
    """Constraints declared with the new table: checks and foreign keys on SQLite (which
    cannot add them afterwards and checks references only when asked to)."""
    from sqlalchemy import CheckConstraint, ForeignKeyConstraint

    if dialect != "sqlite":
        return []
    out: list[Any] = []
    if plan.defaults:  # with the columns (`column_options`): SQLite cannot add them later
        plan.kept.append(f"defaults ({', '.join(plan.defaults)})")
    for name, text, label in plan.checks:
        out.append(CheckConstraint(text, name=name))
        plan.kept.append(label)
    for fk in plan.foreign_keys:
        out.append(
            ForeignKeyConstraint(
                fk["columns"], [f"{fk['ref']}.{c}" for c in fk["ref_columns"]], name=fk["name"],
                **fk["options"],
            )
        )  # fmt: skip
        plan.kept.append(f"foreign key ({', '.join(fk['columns'])}) → {fk['ref']}")
    return out


def add_after_rows(conn: Any, new: Any, plan: SchemaPlan) -> None:
    """Indexes (and, on servers, checks) once the rows are in: faster than maintaining
    them row by row. A unique index the copied values break is reported and the rest go
    on."""
    from sqlalchemy import CheckConstraint, Index, Text
    from sqlalchemy.schema import AddConstraint

    dialect = conn.dialect.name
    prep = conn.dialect.identifier_preparer
    table = prep.format_table(new)
    steps: list[tuple[str, Any]] = []
    for ip in plan.indexes:
        if ip.expressions or ip.where is not None:
            steps.append((ip.label, _special_index_sql(ip, table, prep)))
            continue
        # MySQL indexes unbounded text by a prefix; 255 characters hold any token
        prefix = {c: 255 for c in ip.columns if isinstance(new.c[c].type, Text)}
        ix = Index(ip.name, *(new.c[c] for c in ip.columns), unique=ip.unique,
                   mysql_length=prefix or None)  # fmt: skip
        steps.append((ip.label, ix.create))
    if dialect != "sqlite":
        for cname, text, label in plan.checks:
            chk = CheckConstraint(text, name=cname)
            new.append_constraint(chk)
            steps.append((label, lambda c, k=chk: c.execute(AddConstraint(k))))
    for label, run in steps:
        err = _step(conn, run)
        if err is None:
            plan.kept.append(label)
        else:
            plan.dropped.append(f"{label}: the copied values break it ({err}) / 复制后的值不满足")
    _numbering_after_rows(conn, plan, table, prep)
    if dialect == "sqlite":
        return  # declared with the table
    added = []
    for col, sql in plan.defaults.items():
        q = f"ALTER TABLE {table} ALTER COLUMN {prep.quote(col)} SET DEFAULT {default_clause(sql)}"
        err = _step(conn, _sql(q))
        if err is None:
            added.append(col)
        else:
            plan.dropped.append(
                f"default of {col}: the output database refused it ({err}) / 默认值未能设置"
            )
    if added:
        plan.kept.append(f"defaults ({', '.join(added)})")


def _sql(statement: str, params: dict[str, Any] | None = None) -> Any:
    from sqlalchemy import text

    return lambda c: c.execute(text(statement), params or {})


def _step(conn: Any, run: Any) -> str | None:
    """Run one DDL step; None, or why it failed (a message that shows no values). MySQL
    commits at every DDL statement (no savepoint survives it), and a failed one leaves
    nothing to undo; elsewhere a savepoint keeps the transaction usable."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        if conn.dialect.name in ("mysql", "mariadb"):
            run(conn)
        else:
            with conn.begin_nested():
                run(conn)
    except SQLAlchemyError as exc:
        return _safe_message(exc)
    return None


def _special_index_sql(ip: IndexPlan, table: str, prep: Any) -> Any:
    """CREATE INDEX for a partial or expression index, in the source's own SQL (the same
    kind of database)."""
    keys = ip.expressions or [prep.quote(c) for c in ip.columns]
    q = (
        f"CREATE {'UNIQUE ' if ip.unique else ''}INDEX {prep.quote(ip.name)} ON {table} "
        f"({', '.join(keys)})" + (f" WHERE {ip.where}" if ip.where is not None else "")
    )
    return _sql(q)


def _numbering_after_rows(conn: Any, plan: SchemaPlan, table: str, prep: Any) -> None:
    """PostgreSQL: the copy's sequence goes on after the copied keys (MySQL and SQLite move
    their counters past inserted keys themselves); an identity the source generated
    ALWAYS becomes so again (it was BY DEFAULT while the rows went in)."""
    if conn.dialect.name != "postgresql":
        return
    for col, ident in plan.numbering.items():
        start = ident.start if ident is not None and ident.start is not None else 1
        run = [_sql(
            f"SELECT setval(pg_get_serial_sequence(:t, :c), COALESCE(MAX({prep.quote(col)}) + 1, "
            f":start), false) FROM {table}", {"t": table, "c": col, "start": start},
        )]  # fmt: skip
        if ident is not None and ident.always:
            always = f"ALTER TABLE {table} ALTER COLUMN {prep.quote(col)} SET GENERATED ALWAYS"
            run.append(_sql(always))
        for r in run:
            err = _step(conn, r)
            if err is not None:
                label = f"auto-numbering ({col}): new rows are numbered after the copied ones"
                if label in plan.kept:
                    plan.kept.remove(label)
                plan.dropped.append(f"auto-numbering ({col}): not set up ({err}) / 自增编号未设置")
                break


_KEYWORDS = {"true", "false", "null", "current_timestamp", "current_date", "current_time"}


def default_clause(sql: str) -> str:
    """A default's SQL as DDL takes it: literals and the current-time keywords as they are,
    any other expression in parentheses (SQLite and MySQL want those)."""
    s = sql.strip()
    if _NUMBER.fullmatch(s) or _STRING.fullmatch(s) or s.lower() in _KEYWORDS:
        return s
    return f"({s})"


def column_options(plan: SchemaPlan, name: str, dialect: str) -> tuple[list[Any], dict[str, Any]]:
    """Column arguments of the copy's column `name`: its auto-numbering (an identity on
    PostgreSQL when the source's was one, BY DEFAULT while the rows go in) and, on SQLite,
    its default."""
    from sqlalchemy import Identity, text

    args: list[Any] = []
    kw: dict[str, Any] = {"autoincrement": name in plan.numbering}
    ident = plan.numbering.get(name)
    if ident is not None and dialect == "postgresql":
        args.append(Identity(
            always=False, start=ident.start, increment=ident.increment, minvalue=ident.minvalue,
            maxvalue=ident.maxvalue, cycle=ident.cycle, cache=ident.cache,
        ))  # fmt: skip
    if dialect == "sqlite" and name in plan.defaults:
        kw["server_default"] = text(default_clause(plan.defaults[name]))
    return args, kw


def add_foreign_keys(target: Any, new_tables: dict[str, Any], plans: list[SchemaPlan]) -> None:
    """Foreign keys between the run's copies, once all are filled (servers only; SQLite
    declared them with the tables). One transaction each: a reference the copied rows do
    not satisfy (the source did not enforce it) is reported, the others stay."""
    from sqlalchemy import ForeignKeyConstraint
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.schema import AddConstraint

    if target.dialect.name == "sqlite":
        return
    for plan in plans:
        new = new_tables[plan.table]
        for fk in plan.foreign_keys:
            ref = new_tables[fk["ref"]]
            con = ForeignKeyConstraint(
                fk["columns"], [ref.c[c] for c in fk["ref_columns"]], name=fk["name"],
                **fk["options"],
            )  # fmt: skip
            new.append_constraint(con)
            label = f"foreign key ({', '.join(fk['columns'])}) → {fk['ref']}"
            try:
                with target.begin() as conn:
                    conn.execute(AddConstraint(con))
                plan.kept.append(label)
            except SQLAlchemyError as exc:
                plan.dropped.append(f"{label}: not added ({_safe_message(exc)}) / 外键未能添加")
