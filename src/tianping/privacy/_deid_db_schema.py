"""What a de-identified database copy keeps of its source's schema beyond columns and types:
NOT NULL, unique constraints and indexes, plain indexes, checks and foreign keys.

A constraint is carried only where the policy leaves it true of the copied values:
- NOT NULL on columns whose values are copied as they are;
- uniqueness where every column is copied as it is or pseudonymised as a token (keyed
  HMAC tokens of 64 bits or more: equal values give equal tokens, different values
  different ones), and the copy's values turn out unique when the index is built (a value
  that differs only in surrounding spaces gives its twin's token);
- checks on the same kind of database, naming no column whose values change;
- foreign keys between tables of one run whose column pairs change alike: both copied as
  they are, or both pseudonymised with the same domain, prefix and length (so a reference
  still finds its row).
Anything else is listed in the report with the reason, never dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tianping.privacy._policy import Keep, Policy, Pseudonymise
from tianping.privacy._scan import _safe_message

__all__ = ["SchemaPlan", "plan_schema", "value_change"]


@dataclass
class SchemaPlan:
    """One copied table's constraints: those declared with the table, those added after
    its rows (indexes; on servers, checks), the foreign keys added once every table of the
    run is there, and what was left out and why."""

    table: str  # in the output database
    not_null: set[str] = field(default_factory=set)
    checks: list[tuple[str | None, str, str]] = field(default_factory=list)  # name, SQL, label
    # name, columns, unique, label
    indexes: list[tuple[str, list[str], bool, str]] = field(default_factory=list)
    foreign_keys: list[dict[str, Any]] = field(default_factory=list)
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
) -> SchemaPlan:
    """The plan for one table. `changes`: `value_change` of each column; `run_tables`: the
    tables of the run (source name → output name and its columns' changes), for foreign
    keys."""
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
    for ix in insp.get_indexes(table, schema=schema):
        if ix.get("duplicates_constraint"):
            continue  # the index behind a unique constraint, listed above
        cols = list(ix.get("column_names") or [])
        if not cols or None in cols or ix.get("expressions"):
            plan.dropped.append(
                f"index {ix.get('name')}: an expression index is not copied / 表达式索引未复制"
            )
            continue
        indexes.append((ix.get("name"), cols, bool(ix.get("unique"))))
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
    return plan


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
    plan.indexes.append((made, cols, unique, label))


def declared(plan: SchemaPlan, dialect: str) -> list[Any]:
    """Constraints declared with the new table: checks and foreign keys on SQLite (which
    cannot add them afterwards and checks references only when asked to)."""
    from sqlalchemy import CheckConstraint, ForeignKeyConstraint

    if dialect != "sqlite":
        return []
    out: list[Any] = []
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
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.schema import AddConstraint

    steps: list[tuple[str, Any]] = []
    for name, cols, unique, label in plan.indexes:
        # MySQL indexes unbounded text by a prefix; 255 characters hold any token
        prefix = {c: 255 for c in cols if isinstance(new.c[c].type, Text)}
        ix = Index(name, *(new.c[c] for c in cols), unique=unique, mysql_length=prefix or None)
        steps.append((label, ix.create))
    if conn.dialect.name != "sqlite":
        for cname, text, label in plan.checks:
            chk = CheckConstraint(text, name=cname)
            new.append_constraint(chk)
            steps.append((label, lambda c, k=chk: c.execute(AddConstraint(k))))
    # MySQL commits at every DDL statement (no savepoint survives it), and a failed one
    # leaves nothing to undo; elsewhere a savepoint keeps the transaction usable
    mysql = conn.dialect.name in ("mysql", "mariadb")
    for label, run in steps:
        try:
            if mysql:
                run(conn)
            else:
                with conn.begin_nested():
                    run(conn)
            plan.kept.append(label)
        except SQLAlchemyError as exc:
            plan.dropped.append(
                f"{label}: the copied values break it ({_safe_message(exc)}) / 复制后的值不满足"
            )


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
