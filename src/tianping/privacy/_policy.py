"""De-identification policy files: one rule per PI type (free text) or per column (tables).

```yaml
version: 1
key: {env: TIANPING_DEID_KEY}        # or {file: deid.key}; needed by pseudonymise/shift_date
hmac: sha256                         # or sm3 (GB/T 32905)
min_confidence: 0.5                  # detected spans below this are left alone
types:                               # detected PI inside text and in cells of unlisted columns
  cn_resident_id: {action: generalise, to: region_prefix}
  cn_mobile: {action: mask, keep_start: 3, keep_end: 4}
  "*": {action: redact}              # any other detected type
columns:                             # tables (CSV, Parquet, JSONL top-level keys; JSON
                                     # documents: a top-level key or a path `a[].b`)
  name: {action: pseudonymise, domain: person}
  birth_date: {action: generalise, to: year}
  notes: {action: detect}            # run detection on this column and apply `types`
  orders.notes: {action: redact}     # databases: `table.column` for one table only
detect_other_columns: true           # unlisted columns also go through detection
```

Actions follow the GB/T 37964-2019 technique families (suppression/masking, keyed
pseudonymisation, generalisation) [secondary source in the research notes].
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tianping._yaml import LocatedDocument, load_yaml, parse_yaml_text
from tianping.errors import InputError, Problem

__all__ = [
    "Action",
    "DateShift",
    "Generalise",
    "KeySource",
    "Mask",
    "Policy",
    "Pseudonymise",
    "Redact",
    "Suppress",
    "load_policy",
    "parse_policy",
]

DEFAULT_KEY_ENV = "TIANPING_DEID_KEY"


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Mask(_Rule):
    action: Literal["mask"]
    keep_start: int = Field(0, ge=0, description="Characters kept at the start")
    keep_end: int = Field(0, ge=0, description="Characters kept at the end")
    char: str = Field("*", min_length=1, max_length=1)


class Redact(_Rule):
    action: Literal["redact"]
    replacement: str | None = Field(None, description="Default: [TYPE] or [REDACTED]")


class Suppress(_Rule):
    """Remove the value: empty cell (CSV), null (Parquet/JSONL), nothing (text)."""

    action: Literal["suppress"]


class Pseudonymise(_Rule):
    action: Literal["pseudonymise"]
    domain: str | None = Field(
        None, description="Token namespace; equal values in one domain get equal tokens"
    )
    style: Literal["token", "digits"] = Field(
        "token", description="token: PREFIX_ and letters a-p; digits: same length, digits only"
    )
    prefix: str | None = Field(None, description="Default: the upper-case domain")
    length: int = Field(
        16, ge=8, le=64, description="Letters of the token (a-p, 4 bits each; no digits)"
    )


class Generalise(_Rule):
    action: Literal["generalise"]
    to: Literal["year", "city", "band", "region_prefix"]
    width: int = Field(10, ge=1, description="Age band width (to: band)")
    top: int = Field(90, ge=1, description="Ages at or above this form one open band")
    digits: Literal[2, 4, 6] = Field(6, description="Region-code digits kept (to: region_prefix)")


class DateShift(_Rule):
    action: Literal["shift_date"]
    days: int | None = Field(None, description="Fixed shift; default: keyed per value")
    max_days: int = Field(30, ge=1, le=3650, description="Keyed shift lies in [-max, +max]")
    per: str | None = Field(
        None, description="Column whose value keys the shift (same person, same shift)"
    )


class Keep(_Rule):
    action: Literal["keep"]


class Detect(_Rule):
    """Run PI detection on the cell and apply the `types` rules to what it finds."""

    action: Literal["detect"]


Action = Annotated[
    Mask | Redact | Suppress | Pseudonymise | Generalise | DateShift | Keep | Detect,
    Field(discriminator="action"),
]


class KeySource(_Rule):
    env: str | None = None
    file: str | None = None

    @model_validator(mode="after")
    def _one(self) -> KeySource:
        if self.env and self.file:
            raise ValueError("give either 'env' or 'file', not both")
        return self


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    key: KeySource = Field(default_factory=lambda: KeySource(env=DEFAULT_KEY_ENV))
    hmac: Literal["sha256", "sm3"] = "sha256"
    min_confidence: float = Field(0.5, ge=0, le=1)
    types: dict[str, Action] = Field(default_factory=dict)
    columns: dict[str, Action] = Field(default_factory=dict)
    detect_other_columns: bool | None = Field(
        None, description="Default: true when `types` has rules"
    )
    base_dir: Path | None = Field(None, exclude=True, description="Resolves key.file")

    @model_validator(mode="after")
    def _checks(self) -> Policy:
        for name, rule in self.types.items():
            if isinstance(rule, Detect):
                raise ValueError(f"types.{name}: 'detect' is only for columns")
            if isinstance(rule, DateShift) and rule.per:
                raise ValueError(f"types.{name}: 'per' needs a column rule")
        if not self.types and not self.columns:
            raise ValueError("the policy has no rules: add 'types' or 'columns'")
        return self

    @property
    def detects(self) -> bool:
        return bool(self.types) or any(isinstance(r, Detect) for r in self.columns.values())

    @property
    def detect_unlisted(self) -> bool:
        return bool(self.types) if self.detect_other_columns is None else self.detect_other_columns

    def rule_for_type(self, pi_type: str) -> Action | None:
        return self.types.get(pi_type) or self.types.get("*")

    def for_table(self, table: str, columns: Collection[str]) -> Policy:
        """The rules for one database table with these columns: `table.column` keys of this
        table (which win) and plain keys that name one of its columns. Keys of other tables
        and columns it lacks are left out; `unused_columns` says which match no table."""
        cols = set(columns)
        mine = {k: r for k, r in self.columns.items() if k in cols}
        prefix = table + "."
        for k, r in self.columns.items():
            if k.startswith(prefix) and k[len(prefix) :] in cols and k not in cols:
                mine[k[len(prefix) :]] = r
        # model_copy: a table no column rule names may keep no rule at all
        return self.model_copy(update={"columns": mine})

    def unused_columns(self, tables: Mapping[str, Collection[str]]) -> list[str]:
        """Column keys that name no column of these tables, plainly or as `table.column`."""
        unused = []
        for k in self.columns:
            plain = any(k in cols for cols in tables.values())
            table, _, col = k.partition(".")
            qualified = col != "" and col in tables.get(table, ())
            if not (plain or qualified):
                unused.append(k)
        return unused

    def needs_key(self) -> bool:
        rules = [*self.types.values(), *self.columns.values()]
        return any(
            isinstance(r, Pseudonymise) or (isinstance(r, DateShift) and r.days is None)
            for r in rules
        )

    def key_bytes(self) -> bytes:
        """The pseudonymisation key; a clear error naming the variable or file when missing."""
        import os

        if self.key.file:
            path = Path(self.key.file)
            if not path.is_absolute() and self.base_dir is not None:
                path = self.base_dir / path
            if not path.is_file():
                raise InputError(
                    f"pseudonymisation key file not found: {path} (policy key.file); "
                    "create it with at least 16 random bytes"
                )
            raw = path.read_bytes().strip()
            where = f"key file {path}"
        else:
            var = self.key.env or DEFAULT_KEY_ENV
            val = os.environ.get(var)
            if not val:
                raise InputError(
                    f"pseudonymisation key missing: set the environment variable {var} "
                    "(at least 16 characters) or give key.file in the policy"
                )
            raw = val.encode("utf-8")
            where = f"environment variable {var}"
        if len(raw) < 16:
            raise InputError(f"pseudonymisation key in {where} is shorter than 16 bytes")
        return raw


def _located(doc: LocatedDocument, exc: ValidationError) -> InputError:
    problems = []
    for e in exc.errors():
        loc = tuple(p for p in e["loc"] if isinstance(p, str | int))
        # Discriminated unions add the tag name to the path; drop it for locating.
        path = tuple(p for p in loc if p not in _TAGS)
        problems.append(Problem(e["msg"], doc.locate(path)))
    return InputError(f"{doc.file}: invalid de-identification policy", problems)


_TAGS = {"mask", "redact", "suppress", "pseudonymise", "generalise", "shift_date", "keep", "detect"}


def _from_doc(doc: LocatedDocument, base_dir: Path | None) -> Policy:
    if not isinstance(doc.data, dict):
        raise InputError(f"{doc.file}: a policy is a mapping with 'types' and/or 'columns'")
    try:
        pol = Policy.model_validate(doc.data)
    except ValidationError as exc:
        raise _located(doc, exc) from None
    pol.base_dir = base_dir
    return pol


def load_policy(path: Path) -> Policy:
    """Read and validate a policy file; errors name file, line and field."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"policy file not found: {path}")
    return _from_doc(load_yaml(path), path.parent)


def parse_policy(text: str, file: str = "<policy>", base_dir: Path | None = None) -> Policy:
    return _from_doc(parse_yaml_text(text, file), base_dir)
