"""`tianping labels embed|read|verify|check|keygen` (registered by `tianping.cli._app`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from tianping.cli._common import EXIT_FINDINGS, EXIT_OK, TextJson, current_lang, err, out, write_out
from tianping.errors import InputError

if TYPE_CHECKING:
    from tianping.labels._api import FileReport

labels_app = typer.Typer(
    no_args_is_help=True, help="AI-generated content labels (GB 45438) / 生成合成内容标识"
)


class WrapperOpt(StrEnum):
    bare = "bare"
    wrapped = "wrapped"


class AlgOpt(StrEnum):
    sm2 = "sm2"
    ed25519 = "ed25519"


Paths = Annotated[list[Path], typer.Argument(help="Files, folders or globs")]
Recursive = Annotated[bool, typer.Option("--recursive", "-r", help="Descend into folders")]
FormatOpt = Annotated[TextJson, typer.Option("--format", "-f", help="text or json")]
KeyOpt = Annotated[
    Path | None,
    typer.Option("--key", help="Signing key file (else $TIANPING_LABEL_KEY) / 签名私钥"),
]

_ICON = {
    "conformant": "[green]✓[/]",
    "non_conformant": "[red]✗[/]",
    "unlabelled": "[yellow]∅[/]",
    "error": "[red]![/]",
    "unsupported": "[dim]?[/]",
}


@contextmanager
def _progress(show: bool) -> Iterator[Callable[[int, int, str], None] | None]:
    if not (show and err.is_terminal):
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("[bold]labels"), BarColumn(), MofNCompleteColumn(), console=err, transient=True
    ) as bar:
        task = bar.add_task("labels", total=None)

        def step(done: int, total: int, _path: str) -> None:
            bar.update(task, total=total, completed=done)

        yield step


def _emit(reports: list[FileReport], fmt: TextJson, show_class: bool = False) -> None:
    lang = current_lang()
    counts: dict[str, int] = {}
    for r in reports:
        counts[r.status] = counts.get(r.status, 0) + 1
    if fmt == TextJson.json:
        write_out(
            json.dumps(
                {
                    "summary": counts,
                    "files": [r.model_dump(mode="json", exclude_none=True) for r in reports],
                },
                ensure_ascii=False,
                indent=2,
            ),
            None,
        )
        return
    for r in reports:
        extra = f" [{r.classification}]" if show_class and r.classification else ""
        form = f" ({r.form}/{r.wrapper})" if r.form else ""
        out.print(
            f"{_ICON[r.status]} {escape(r.path)}{escape(extra + form)}: "
            f"{escape(r.message.get(lang))}"
        )
        for p in r.problems:
            if p.severity == "warning" or r.status != "conformant":
                out.print(f"    {p.severity}: {escape(p.message.get(lang))}", style="dim")
    out.print(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())), style="bold")


def _exit(reports: list[FileReport], bad: set[str]) -> None:
    raise typer.Exit(EXIT_FINDINGS if any(r.status in bad for r in reports) else EXIT_OK)


def _producer(producer: str | None, profile: Path | None) -> str:
    if producer:
        return producer
    if profile is not None:
        from tianping.assess import load_system

        system = load_system(profile)
        labels = system.profile.labels
        if labels and labels.provider_code:
            return labels.provider_code
        raise InputError(f"{profile}: labels.provider_code is not set in the profile")
    raise typer.BadParameter("give --producer CODE or --profile tianping.yaml")


def register(app: typer.Typer) -> None:
    """Add the `labels` sub-app. Heavy modules are imported inside commands."""
    app.add_typer(labels_app, name="labels")


@labels_app.command("embed")
def embed_cmd(
    paths: Paths,
    producer: Annotated[
        str | None, typer.Option("--producer", help="ContentProducer: 27-char provider code")
    ] = None,
    profile: Annotated[
        Path | None, typer.Option("--profile", help="Take labels.provider_code from this profile")
    ] = None,
    produce_id: Annotated[
        str | None, typer.Option("--produce-id", help="ProduceID (one file only)")
    ] = None,
    label: Annotated[str, typer.Option("--label", help='Label value "1", "2" or "3"')] = "1",
    key: KeyOpt = None,
    wrapper: Annotated[
        WrapperOpt, typer.Option("--wrapper", help='bare 7-key JSON, or {"AIGC": {...}}')
    ] = WrapperOpt.bare,
    explicit: Annotated[
        bool, typer.Option("--explicit", help="Also add the explicit label (text/image/video)")
    ] = False,
    recursive: Recursive = False,
    fmt: FormatOpt = TextJson.text,
) -> None:
    """Write implicit (and explicit) labels / 写入隐式（及显式）标识."""
    from tianping.labels._api import embed
    from tianping.labels._sign import load_signing_key

    if label not in ("1", "2", "3"):
        raise typer.BadParameter('expected "1", "2" or "3"', param_hint="--label")
    code = _producer(producer, profile)
    signing = load_signing_key(key)
    with _progress(fmt == TextJson.text) as step:
        reports = embed(
            paths,
            code,
            produce_id=produce_id,
            label=label,
            key=signing,
            wrapper=wrapper.value,
            explicit=explicit,
            recursive=recursive,
            progress=step,
        )
    _emit(reports, fmt)
    _exit(reports, {"error", "unsupported", "non_conformant"})


@labels_app.command("read")
def read_cmd(
    paths: Paths,
    c2pa: Annotated[bool, typer.Option("--c2pa", help="Also read C2PA manifests")] = False,
    recursive: Recursive = False,
    fmt: FormatOpt = TextJson.text,
) -> None:
    """Show each file's AIGC record and the form it was stored in / 读取隐式标识."""
    from tianping.labels._api import read

    with _progress(fmt == TextJson.text) as step:
        reports = read(paths, recursive=recursive, c2pa=c2pa, progress=step)
    if fmt == TextJson.text:
        for r in reports:
            if r.record:
                out.print(
                    f"{escape(r.path)}: {escape(json.dumps(r.record, ensure_ascii=False))}",
                    style="dim",
                )
    _emit(reports, fmt)
    _exit(reports, {"error"})


@labels_app.command("verify")
def verify_cmd(
    paths: Paths,
    trusted_key: Annotated[
        list[Path] | None, typer.Option("--trusted-key", help="Public key that may sign")
    ] = None,
    provider_code: Annotated[
        str | None, typer.Option("--provider-code", help="Expected ContentProducer")
    ] = None,
    require_explicit: Annotated[
        bool, typer.Option("--require-explicit", help="Text without a notice fails")
    ] = False,
    c2pa: Annotated[bool, typer.Option("--c2pa", help="Also read C2PA manifests")] = False,
    recursive: Recursive = False,
    fmt: FormatOpt = TextJson.text,
) -> None:
    """Verify labels; exit 1 if any file is not conformant / 核验标识（不符合则退出码 1）."""
    from tianping.labels._api import verify
    from tianping.labels._sign import load_public_key

    trusted = [load_public_key(k) for k in trusted_key] if trusted_key else None
    with _progress(fmt == TextJson.text) as step:
        reports = verify(
            paths,
            trusted=trusted,
            provider_code=provider_code,
            require_explicit=require_explicit,
            c2pa=c2pa,
            recursive=recursive,
            progress=step,
        )
    _emit(reports, fmt)
    _exit(reports, {"non_conformant", "unlabelled", "error", "unsupported"})


@labels_app.command("check")
def check_cmd(
    paths: Paths,
    platform: Annotated[
        str | None, typer.Option("--platform", help="Platform name or code (ContentPropagator)")
    ] = None,
    declared: Annotated[
        bool, typer.Option("--declared", help="The uploader declared the files AI-generated")
    ] = False,
    write: Annotated[
        bool, typer.Option("--write", help="Write the propagation fields into the files")
    ] = False,
    key: KeyOpt = None,
    c2pa: Annotated[bool, typer.Option("--c2pa", help="Use C2PA manifests as traces")] = False,
    recursive: Recursive = False,
    fmt: FormatOpt = TextJson.text,
) -> None:
    """Classify as a platform: confirmed / possibly / suspected / unlabelled / 平台核验分类."""
    from tianping.labels._api import check
    from tianping.labels._sign import load_signing_key

    signing = load_signing_key(key) if write else None
    with _progress(fmt == TextJson.text) as step:
        reports = check(
            paths,
            platform=platform,
            declared=declared,
            write=write,
            key=signing,
            c2pa=c2pa,
            recursive=recursive,
            progress=step,
        )
    _emit(reports, fmt, show_class=True)
    _exit(reports, {"error", "unsupported"})


@labels_app.command("keygen")
def keygen_cmd(
    path: Annotated[Path, typer.Argument(help="Private key file to write (public: PATH.pub)")],
    alg: Annotated[AlgOpt, typer.Option("--alg", help="sm2 (SM2 with SM3) or ed25519")] = (
        AlgOpt.sm2
    ),
    force: Annotated[bool, typer.Option("--force", help="Overwrite")] = False,
) -> None:
    """Make a label-signing key pair / 生成标识签名密钥对."""
    import os

    from tianping.labels._sign import generate_key

    if path.exists() and not force:
        raise InputError(f"{path} exists; pass --force to overwrite / 文件已存在")
    key = generate_key("sm2-sm3" if alg == AlgOpt.sm2 else "ed25519")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key.to_text())
    pub = path.with_name(path.name + ".pub")
    pub.write_text(key.public.to_text(), encoding="utf-8")
    out.print(f"wrote {path} (private, mode 600) and {pub}; key id {key.public.key_id}")
