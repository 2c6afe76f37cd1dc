"""Load the rulebook from YAML data; the content hash of its files is its version."""

from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from tianping._yaml import LocatedDocument, load_yaml
from tianping.errors import Location, Problem, RulebookError
from tianping.rules._schema import Instrument, InstrumentFile, Obligation, TierFile

TIERS_FILE = "tiers.yaml"


def shipped_rulebook_dir() -> Path:
    return Path(str(resources.files("tianping.rules") / "data"))


@dataclass
class LoadedObligation:
    obligation: Obligation
    instrument: Instrument
    doc: LocatedDocument
    index: int

    def locate(self, *path: str | int) -> Location:
        return self.doc.locate(("obligations", self.index, *path))


@dataclass
class Rulebook:
    version: str
    tiers: TierFile
    tiers_doc: LocatedDocument
    instruments: dict[str, Instrument]
    obligations: list[LoadedObligation]

    def obligation(self, obligation_id: str) -> LoadedObligation | None:
        for lo in self.obligations:
            if lo.obligation.id == obligation_id:
                return lo
        return None


def _validation_error(exc: ValidationError, doc: LocatedDocument, what: str) -> RulebookError:
    problems = []
    for err in exc.errors():
        path = tuple(p for p in err["loc"] if isinstance(p, str | int))
        msg = "unknown field" if err["type"] == "extra_forbidden" else str(err["msg"])
        problems.append(Problem(msg.removeprefix("Value error, "), doc.locate(path)))
    return RulebookError(f"Invalid {what} / 规则文件无效: {doc.file}", problems)


INSTRUMENTS_DIR = "instruments"


def rulebook_files(dirs: list[Path]) -> list[Path]:
    """`tiers.yaml` and every YAML file under `instruments/` of each directory."""
    files: list[Path] = []
    for d in dirs:
        if not d.is_dir():
            raise RulebookError(f"Rulebook directory not found / 规则库目录不存在: {d}")
        if (d / TIERS_FILE).is_file():
            files.append(d / TIERS_FILE)
        files.extend(sorted(p for p in (d / INSTRUMENTS_DIR).rglob("*.yaml") if p.is_file()))
    return files


CACHE_ENV = "TIANPING_CACHE_DIR"
# The cached objects are instances of these modules' classes: their source is in the key.
_CODE = ("rules/_schema.py", "rules/_load.py", "i18n.py", "_yaml.py")


def content_version(files: list[Path]) -> str:
    """The rulebook version: a hash of file names and contents (not of where they lie)."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return "sha256:" + digest.hexdigest()[:16]


def _cache_file(files: list[Path], version: str) -> Path | None:
    """A parsed rulebook is cached under its content hash: parsing ~30 files costs ~0.5 s.

    Paths and the working directory are in the key too, since located errors show paths
    relative to it.
    """
    if os.environ.get(CACHE_ENV) == "off":
        return None
    pkg = Path(__file__).resolve().parents[1]
    key = hashlib.sha256(f"{version}|{Path.cwd()}|{[str(f) for f in files]}".encode())
    for rel in _CODE:
        key.update((pkg / rel).read_bytes())
    root = Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "tianping")
    return root / f"rulebook-{key.hexdigest()[:24]}.pickle"


def load_rulebook(dirs: list[Path] | None = None) -> Rulebook:
    """Load the shipped rulebook, or the given directories merged in order.

    Tier rules come from the first directory that has a `tiers.yaml`, else the shipped one.
    """
    files = rulebook_files(dirs or [shipped_rulebook_dir()])
    tier_files = [f for f in files if f.name == TIERS_FILE]
    if not tier_files:
        tier_files = [shipped_rulebook_dir() / TIERS_FILE]
        files = [*tier_files, *files]
    version = content_version(files)
    cache = _cache_file(files, version)
    if cache is not None and cache.is_file():
        try:
            with cache.open("rb") as fh:
                cached = pickle.load(fh)
            if isinstance(cached, Rulebook):
                return cached
        except Exception:  # a stale or partial cache is only a miss
            pass
    rulebook = _parse(files, tier_files, version)
    if cache is not None:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as fh:
                pickle.dump(rulebook, fh, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(cache)
        except OSError:
            pass  # a read-only home is fine: no cache
    return rulebook


def _parse(files: list[Path], tier_files: list[Path], version: str) -> Rulebook:
    tiers_doc = load_yaml(tier_files[0])
    try:
        tiers = TierFile.model_validate(tiers_doc.data)
    except ValidationError as exc:
        raise _validation_error(exc, tiers_doc, "tier file") from None
    instruments: dict[str, Instrument] = {}
    obligations: list[LoadedObligation] = []
    seen: dict[str, Location] = {}
    problems: list[Problem] = []
    for path in files:
        if path.name == TIERS_FILE:
            continue
        doc = load_yaml(path)
        try:
            parsed = InstrumentFile.model_validate(doc.data)
        except ValidationError as exc:
            # Keep going: lint should show every broken file at once.
            problems.extend(_validation_error(exc, doc, "instrument file").problems)
            continue
        inst = parsed.instrument
        if inst.id in instruments:
            problems.append(
                Problem(f"duplicate instrument id '{inst.id}'", doc.locate(("instrument", "id")))
            )
        instruments[inst.id] = inst
        for i, ob in enumerate(parsed.obligations):
            loc = doc.locate(("obligations", i, "id"))
            if ob.id in seen:
                problems.append(
                    Problem(f"duplicate obligation id '{ob.id}' (first at {seen[ob.id]})", loc)
                )
            seen.setdefault(ob.id, loc)
            obligations.append(LoadedObligation(ob, inst, doc, i))
    if problems:
        raise RulebookError("The rulebook does not load / 规则库无法加载", problems)
    return Rulebook(
        version=version,
        tiers=tiers,
        tiers_doc=tiers_doc,
        instruments=instruments,
        obligations=obligations,
    )
