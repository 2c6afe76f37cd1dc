"""`tianping crosswalk`, `tianping rules diff` and `tianping rules export`."""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.table import Table
from rich.text import Text

from tianping.cli._common import TextJson, current_lang, out, parse_date, state, write_out
from tianping.errors import InputError

if TYPE_CHECKING:
    from tianping.systems import SystemProfile


class ExportFormat(StrEnum):
    oscal = "oscal"


def _inventory(paths: list[Path]) -> list[SystemProfile]:
    """Profiles from files, or from every `tianping.yaml` under a folder."""
    from tianping.systems import load_profile

    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted(p.rglob("tianping.yaml"))
            if not found:
                raise InputError(f"No tianping.yaml under {p} / 目录下没有系统档案")
            files.extend(found)
        elif p.is_file():
            files.append(p)
        else:
            raise InputError(f"Inventory path not found / 路径不存在: {p}")
    return [load_profile(f) for f in files]


def _lang() -> Literal["zh", "en"]:
    return "zh" if current_lang() == "zh" else "en"


def _rulebook_dir(path: Path) -> list[Path]:
    if not path.is_dir():
        raise InputError(f"Rulebook directory not found / 规则库目录不存在: {path}")
    return [path]


def crosswalk(
    path: Annotated[Path, typer.Argument(help="tianping.yaml, or a folder holding one")],
    fmt: Annotated[TextJson, typer.Option("--format", "-f", help="text or json")] = TextJson.text,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Rules in force on YYYY-MM-DD")
    ] = None,
    include_drafts: Annotated[
        bool, typer.Option("--include-drafts", help="Apply draft instruments too")
    ] = False,
    inverse: Annotated[
        bool,
        typer.Option(
            "--inverse",
            help="Also list, per foreign article or control, the obligations that cover it",
        ),
    ] = False,
) -> None:
    """Applicable obligations mapped to the EU AI Act, NIST AI RMF, ISO/IEC 42001 and AI
    Verify / 适用义务与境外框架对照."""
    from tianping.assess import load_system
    from tianping.rules import load_rulebook, make_plan
    from tianping.rules._crosswalk import crosswalk_matrix

    system = load_system(path)
    rb = load_rulebook(state.rulebook or None)
    plan = make_plan(system.profile, rb, parse_date(as_of), include_drafts)
    matrix = crosswalk_matrix(plan, rb)
    if fmt == TextJson.json:
        write_out(matrix.model_dump_json(indent=2), None)
        return
    lang = _lang()
    table = Table(
        title=f"{matrix.system_id}: {len(matrix.obligations)} applicable obligations "
        f"× {len(matrix.targets)} frameworks (as of {matrix.as_of})"
    )
    table.add_column("obligation")
    table.add_column("citation")
    for t in matrix.targets:
        table.add_column(t)
    for row in matrix.obligations:
        cells = []
        for t in matrix.targets:
            links = row.links.get(t, [])
            cells.append(
                Text("\n".join(link.id + ("" if link.known else " ?") for link in links) or "—")
            )
        table.add_row(
            Text(f"{row.obligation_id}\n{row.title.get(lang)}"),
            Text(f"{row.jurisdiction} {row.citation}"),
            *cells,
        )
    out.print(table)
    for s in matrix.summary:
        out.print(
            f"{s.target}: {s.ids_linked} ids linked; {s.leaf_ids_covered}/"
            f"{s.leaf_ids_in_catalog} catalog items covered"
        )
    if inverse:
        inv = Table(title="coverage / 覆盖")
        for col in ("framework", "id", "title", "obligations"):
            inv.add_column(col)
        for t in matrix.targets:
            for c in matrix.inverse.get(t, []):
                inv.add_row(
                    *map(
                        Text,
                        (
                            t,
                            c.id,
                            c.title.get(lang) if c.title else "?",
                            "\n".join(c.obligation_ids),
                        ),
                    )
                )
        out.print(inv)


def rules_diff(
    old: Annotated[Path, typer.Argument(help="Old rulebook folder (tiers.yaml + instruments/)")],
    new: Annotated[Path, typer.Argument(help="New rulebook folder")],
    inventory: Annotated[
        list[Path] | None,
        typer.Option(
            "--inventory", help="System profiles (files or folders) to check for impact; repeat"
        ),
    ] = None,
    fmt: Annotated[TextJson, typer.Option("--format", "-f", help="text or json")] = TextJson.text,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Compare rules in force on YYYY-MM-DD")
    ] = None,
) -> None:
    """What changed between two rulebook versions, and which systems it affects / 规则库版本差异."""
    from tianping.rules import load_rulebook
    from tianping.rules._diff import affected_systems, diff_rulebooks

    rb_old = load_rulebook(_rulebook_dir(old))
    rb_new = load_rulebook(_rulebook_dir(new))
    diff = diff_rulebooks(rb_old, rb_new)
    impact = None
    if inventory:
        impact = affected_systems(
            diff, _inventory(inventory), rb_old, rb_new, parse_date(as_of) or dt.date.today()
        )
    if fmt == TextJson.json:
        data = {
            "diff": diff.model_dump(mode="json"),
            "impact": impact.model_dump(mode="json") if impact else None,
        }
        write_out(json.dumps(data, ensure_ascii=False, indent=2), None)
        return
    lang = _lang()
    out.print(
        f"rulebook {diff.old_version} → {diff.new_version}: {len(diff.added)} added, "
        f"{len(diff.removed)} removed, {len(diff.changed)} changed"
        + ("; tier rules changed" if diff.tiers_changed else "")
    )
    table = Table()
    for col in ("change", "obligation", "fields", "systems"):
        table.add_column(col)
    for ch in diff.changes:
        systems = ""
        if impact is not None:
            systems = "\n".join(
                f"{i.system_id}: {i.effect}"
                for i in impact.impacts
                if i.obligation_id == ch.obligation_id
            )
        table.add_row(
            *map(
                Text,
                (
                    ch.kind,
                    f"{ch.obligation_id}\n{ch.title.get(lang)}",
                    ", ".join(ch.fields),
                    systems or "—",
                ),
            )
        )
    if diff.changes:
        out.print(table)
    for ic in diff.instruments:
        out.print(
            f"instrument {ic.instrument_id}: {ic.kind}"
            + (f" ({', '.join(ic.fields)})" if ic.fields else "")
        )
    if impact is not None:
        for tc in impact.tier_changes:
            out.print(f"{tc.system_id}: tier {tc.before} → {tc.after}")
        n = len({i.system_id for i in impact.impacts} | {t.system_id for t in impact.tier_changes})
        out.print(f"{n} of {len(impact.systems)} systems affected / 受影响系统")


def rules_export(
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="oscal")],
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write here, not to stdout")
    ] = None,
    validate: Annotated[
        bool, typer.Option("--validate", help="Validate with compliance-trestle (extra 'oscal')")
    ] = False,
) -> None:
    """Export the rulebook (OSCAL catalog JSON) / 导出规则库."""
    from tianping.rules import load_rulebook
    from tianping.rules._oscal import export_oscal_catalog, validate_oscal_catalog

    rb = load_rulebook(state.rulebook or None)
    doc = export_oscal_catalog(rb)
    if validate:
        problems = validate_oscal_catalog(doc)
        if problems:
            raise InputError("The OSCAL export does not validate / OSCAL 导出未通过校验", problems)
    write_out(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", out_file)
    if out_file is not None:
        out.print(f"wrote OSCAL catalog ({len(rb.obligations)} controls) to {out_file}")


def register(app: typer.Typer, rules_app: typer.Typer) -> None:
    """Add these commands to the `tianping` app and its `rules` group."""
    app.command("crosswalk")(crosswalk)
    rules_app.command("diff")(rules_diff)
    rules_app.command("export")(rules_export)
