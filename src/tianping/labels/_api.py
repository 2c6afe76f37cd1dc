"""embed / read / verify / check over paths: one verdict per file, the batch always goes on.

Writes are atomic: the new file is written next to the old one under a temporary name and
renamed over it, so an input file is never left half-written.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from tianping.errors import InputError
from tianping.i18n import I18nText
from tianping.labels import _formats  # noqa: F401  (registers every handler)
from tianping.labels._explicit import (
    VIDEO_MIN_SECONDS,
    ExplicitCheck,
    OverlayBox,
    Position,
    TextNotice,
    add_image_notice,
    add_text_notice,
    add_video_notice,
    ffmpeg_available,
    find_text_notice,
    verify_image_notice,
)
from tianping.labels._handler import FormatHandler, FoundLabel, handler_for
from tianping.labels._provider_code import looks_like_provider_code, parse_provider_code
from tianping.labels._record import (
    STATE_TEXT,
    AIGCRecord,
    LabelProblem,
    Wrapper,
    new_content_id,
    parse_record,
    problem,
)
from tianping.labels._sign import (
    PublicKey,
    SealCheck,
    SigningKey,
    check_seal,
    digest,
    digest_ranges,
    seal,
)

Status = Literal["conformant", "non_conformant", "unlabelled", "error", "unsupported"]
Classification = Literal["confirmed", "possibly", "suspected", "unlabelled"]
Progress = Callable[[int, int, str], None]

_TEXT_SUFFIXES = {".md", ".markdown", ".txt"}
_IMAGE_HANDLERS = {"jpeg", "png", "webp", "tiff", "gif"}
_AI_SOURCE = (b"trainedAlgorithmicMedia", b"compositeSynthetic", b"algorithmicMedia")
_PLACEHOLDER = '{"AIGC":"tianping-payload-placeholder"}'
_TMP_SUFFIX = ".tianping-tmp"


class SealReport(BaseModel):
    slot: int
    status: str
    alg: str | None = None
    key_id: str | None = None
    trusted: bool | None = None


class FileReport(BaseModel):
    """What Tianping found (and did) for one file."""

    path: str
    format: str | None = None
    status: Status
    message: I18nText
    form: str | None = None
    wrapper: Wrapper | None = None
    record: dict[str, str] | None = None
    state: I18nText | None = None
    problems: list[LabelProblem] = Field(default_factory=list)
    seals: list[SealReport] = Field(default_factory=list)
    explicit: ExplicitCheck | None = None
    text_notice: TextNotice | None = None
    provider_code_valid: bool | None = None
    classification: Classification | None = None
    c2pa: dict[str, Any] | None = None
    written: bool = False

    @property
    def ok(self) -> bool:
        return self.status == "conformant"

    @property
    def tampered(self) -> bool:
        return any(p.code == "tamper" for p in self.problems)

    def has(self, code: str) -> bool:
        return any(p.code == code for p in self.problems)


# --- paths ------------------------------------------------------------------------------------
def collect_paths(items: Iterable[str | Path], recursive: bool = False) -> list[Path]:
    """Files named, in named folders (recursively if asked) and matching globs, in order."""
    out: dict[Path, None] = {}
    for item in items:
        p = Path(item)
        if p.is_dir():
            it = p.rglob("*") if recursive else p.iterdir()
            for f in sorted(it):
                if f.is_file() and not f.name.startswith(".") and _TMP_SUFFIX not in f.name:
                    out[f] = None
        elif p.exists():
            out[p] = None
        elif any(c in str(item) for c in "*?["):
            for g in sorted(glob.glob(str(item), recursive=recursive)):
                if Path(g).is_file():
                    out[Path(g)] = None
        else:
            out[p] = None  # reported per file as missing
    return list(out)


@contextmanager
def _temp_beside(path: Path) -> Iterator[Path]:
    # keep the real suffix last: some handlers and tools pick the container by extension
    fd, name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.stem}.", suffix=f"{_TMP_SUFFIX}{path.suffix}"
    )
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
    finally:
        with suppress(FileNotFoundError):
            tmp.unlink()


def _writable(path: Path) -> bool:
    """Writable for us, and not marked read-only (root ignores the mode; we do not)."""
    return os.access(path, os.W_OK) and bool(path.stat().st_mode & 0o222)


def _commit(tmp: Path, path: Path) -> None:
    shutil.copymode(path, tmp)
    os.replace(tmp, path)


def _error(path: Path, zh: str, en: str, code: str = "error", fmt: str | None = None) -> FileReport:
    return FileReport(
        path=str(path),
        format=fmt,
        status="error",
        message=I18nText(zh=zh, en=en),
        problems=[problem(code, "error", zh, en)],
    )


def _handler(path: Path) -> FormatHandler | FileReport:
    try:
        with path.open("rb") as fh:
            head = fh.read(64)
    except FileNotFoundError:
        return _error(path, "文件不存在", "file not found", "not-found")
    except IsADirectoryError:
        return _error(path, "是目录而非文件", "is a directory", "not-a-file")
    except PermissionError:
        return _error(path, "无权读取文件", "permission denied reading the file", "unreadable")
    h = handler_for(path, head)
    if h is None:
        return FileReport(
            path=str(path),
            status="unsupported",
            message=I18nText(zh="不支持的文件格式", en="unsupported file format"),
            problems=[problem("unsupported", "error", "不支持的文件格式", "unsupported format")],
        )
    return h


def content_hash(handler: FormatHandler, path: Path) -> str:
    """Hash of the content the seal binds: the handler's payload, else the file as written
    with a fixed placeholder record (so the label itself is excluded)."""
    ranges = handler.payload_ranges(path)
    if ranges is not None:  # large media: one streaming pass over the file
        return digest_ranges(path, ranges)
    body = handler.payload(path)
    if body is not None:
        return digest(body)
    with _temp_beside(path) as tmp:
        handler.write(path, _PLACEHOLDER, tmp)
        return digest(tmp.read_bytes())


def _is_text(handler: FormatHandler | None, path: Path) -> bool:
    return (handler is not None and handler.name == "markdown") or (
        path.suffix.lower() in _TEXT_SUFFIXES
    )


def _run(
    paths: list[Path], one: Callable[[Path], FileReport], progress: Progress | None
) -> list[FileReport]:
    out: list[FileReport] = []
    for i, p in enumerate(paths):
        try:
            rep = one(p)
        except InputError as exc:
            rep = _error(p, f"文件损坏或无法处理：{exc.message}", exc.message, "corrupt")
        except PermissionError as exc:
            rep = _error(
                p, f"无权写入：{exc.strerror}", f"permission denied: {exc.strerror}", "read-only"
            )
        except OSError as exc:
            rep = _error(p, f"读写出错：{exc}", f"I/O error: {exc}", "io")
        except Exception as exc:  # one bad file must not stop the batch
            text = f"{type(exc).__name__}: {exc}"[:300]
            rep = _error(p, f"处理出错：{text}", f"failed: {text}", "internal")
        out.append(rep)
        if progress is not None:
            progress(i + 1, len(paths), str(p))
    return out


# --- embed ------------------------------------------------------------------------------------
def embed(
    paths: Iterable[str | Path],
    producer: str,
    *,
    produce_id: str | None = None,
    label: str = "1",
    key: SigningKey | None = None,
    wrapper: Wrapper = "bare",
    explicit: bool = False,
    text_position: Position = "end",
    recursive: bool = False,
    progress: Progress | None = None,
) -> list[FileReport]:
    """Write the implicit label (and, if asked, the explicit one) into each file."""
    files = collect_paths(paths, recursive)
    if produce_id is not None and len(files) > 1:
        raise InputError("produce_id names one file; leave it out for a batch (IDs are unique)")
    if not producer:
        raise InputError("producer (ContentProducer: provider name or code) is required")

    def one(path: Path) -> FileReport:
        h = _handler(path)
        if isinstance(h, FileReport):
            return h
        if not _writable(path):
            return _error(
                path, "文件只读，未写入", "file is read-only; not written", "read-only", h.name
            )
        h.read(path)  # refuse corrupt files before writing anything
        ext: dict[str, Any] = {}
        notes: list[LabelProblem] = []
        with ExitStack() as stack:
            out = stack.enter_context(_temp_beside(path))
            stage = path  # the explicit label needs a scratch copy; the metadata write does not
            if explicit:
                stage = stack.enter_context(_temp_beside(path))
                shutil.copyfile(path, stage)
                ext, notes = _add_explicit(h, path, stage, text_position)
            notes.extend(_c2pa_warning(path))
            record = AIGCRecord.first_write(producer, produce_id or new_content_id(), label)
            rc1 = seal(record, content_hash(h, stage), 1, key, ext or None)
            record = record.replace(reserved_code1=rc1)
            raw = record.to_json(wrapper)
            h.write(stage, raw, out)
            back = h.read(out)
            if len(back) != 1 or back[0].raw != raw:
                raise InputError(f"{path}: the written label did not read back unchanged")
            _commit(out, path)
        return FileReport(
            path=str(path),
            format=h.name,
            status="conformant",
            message=I18nText(zh="已写入隐式标识", en="implicit label written"),
            form=back[0].form,
            wrapper=wrapper,
            record=record.as_dict(),
            state=STATE_TEXT.get(record.label),
            problems=notes,
            written=True,
        )

    return _run(files, one, progress)


def _c2pa_warning(path: Path) -> list[LabelProblem]:
    """Any byte written after C2PA signing breaks its hard binding: say so."""
    with path.open("rb") as fh:
        if b"c2pa" not in fh.read():
            return []
    from tianping.labels._c2pa import read_c2pa

    if not read_c2pa(path).present:
        return []
    return [
        problem(
            "c2pa-invalidated",
            "warning",
            "文件已有 C2PA 清单，写入标识会使其哈希绑定失效：请先写 GB 45438 标识再做 C2PA 签名",
            "the file has a C2PA manifest whose hash binding this write breaks: add the "
            "GB 45438 label before C2PA signing",
        )
    ]


def _add_explicit(
    h: FormatHandler, path: Path, stage: Path, position: Position
) -> tuple[dict[str, Any], list[LabelProblem]]:
    if _is_text(h, path):
        text = stage.read_text(encoding="utf-8")
        stage.write_text(add_text_notice(text, position), encoding="utf-8")
        return {}, []
    if h.name in _IMAGE_HANDLERS:
        with _temp_beside(path) as drawn:
            box = add_image_notice(stage, drawn)
            shutil.copyfile(drawn, stage)
        return {"Explicit": box.to_extension()}, []
    if h.name in {"mp4", "mkv", "video"} or path.suffix.lower() in {
        ".mp4",
        ".mov",
        ".mkv",
        ".webm",
    }:
        if not ffmpeg_available():
            return {}, [
                problem(
                    "explicit-skipped",
                    "warning",
                    "未找到 ffmpeg，未添加视频显式标识",
                    "ffmpeg not found: no video explicit label added",
                )
            ]
        with _temp_beside(path) as drawn:
            info = add_video_notice(stage, drawn)
            shutil.copyfile(drawn, stage)
        short = info.get("Duration") is not None and info["Duration"] < VIDEO_MIN_SECONDS
        return {"Explicit": info}, (
            [
                problem(
                    "explicit-short-video",
                    "warning",
                    f"视频仅 {info['Duration']:.1f} 秒，起始标识无法持续 2 秒（GB 45438 §5.4）",
                    f"video lasts {info['Duration']:.1f} s, so the opening label cannot last "
                    "2 s (GB 45438 §5.4)",
                )
            ]
            if short
            else []
        )
    return {}, [
        problem(
            "explicit-skipped",
            "warning",
            "该格式不能直接写入显式标识（音频请使用节奏提示音 write_rhythm_cue）",
            "explicit labels are not drawn into this format (for audio use write_rhythm_cue)",
        )
    ]


# --- read / verify ----------------------------------------------------------------------------
def _inspect(
    path: Path,
    *,
    trusted: list[PublicKey] | None = None,
    provider_code: str | None = None,
    require_explicit: bool = False,
    with_c2pa: bool = False,
) -> FileReport:
    h = _handler(path)
    if isinstance(h, FileReport):
        return h
    found = h.read(path)
    rep = FileReport(
        path=str(path), format=h.name, status="conformant", message=I18nText(zh="", en="")
    )
    if with_c2pa:
        from tianping.labels._c2pa import read_c2pa

        rep.c2pa = read_c2pa(path).model_dump()
    if _is_text(h, path):
        try:
            rep.text_notice = find_text_notice(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            rep.text_notice = TextNotice(found=False)
        if not rep.text_notice.found:
            rep.problems.append(
                problem(
                    "explicit-missing",
                    "error" if require_explicit else "warning",
                    "文本中未发现含“人工智能/AI”与“生成/合成”要素的显式标识",
                    "no text notice with an AI element and a generation element found",
                )
            )
    if not found:
        rep.problems.append(
            problem("implicit-missing", "error", "未发现 AIGC 隐式标识", "no AIGC implicit label")
        )
        return _finish(rep)
    if len(found) > 1:
        same = len({f.raw for f in found}) == 1
        rep.problems.append(
            problem(
                "multiple-records",
                "error",
                f"文件含 {len(found)} 条 AIGC 记录{'（内容相同）' if same else '（内容冲突）'}，"
                "每个文件仅应一条（§6.1 c)，实施方转述）",
                f"{len(found)} AIGC records {'(identical)' if same else '(conflicting)'}; "
                "one per file (§6.1 c), as quoted by implementers)",
            )
        )
    first: FoundLabel = found[0]
    rep.form = first.form
    parsed = parse_record(first.raw)
    rep.problems.extend(parsed.problems)
    rep.wrapper = parsed.wrapper
    rec = parsed.record
    if rec is None:
        return _finish(rep)
    rep.record = rec.as_dict()
    rep.state = STATE_TEXT.get(rec.label)
    _check_producer(rep, rec, provider_code)
    _check_seals(rep, rec, h, path, trusted)
    return _finish(rep)


def _check_producer(rep: FileReport, rec: AIGCRecord, expected: str | None) -> None:
    prod = rec.content_producer
    if prod and looks_like_provider_code(prod):
        info = parse_provider_code(prod)
        rep.problems.extend(info.problems)
        rep.provider_code_valid = info.valid
    elif prod:
        rep.provider_code_valid = False
        rep.problems.append(
            problem(
                "producer-not-code",
                "warning",
                "ContentProducer 是名称而非 27 位服务提供者编码",
                "ContentProducer is a name, not a 27-character provider code",
                "ContentProducer",
            )
        )
    if expected and prod and prod != expected:
        rep.problems.append(
            problem(
                "producer-mismatch",
                "error",
                "ContentProducer 与档案中的服务提供者编码不一致",
                "ContentProducer differs from the provider code in the profile",
                "ContentProducer",
            )
        )


_UNREAD = ("malformed", "foreign", "absent", "bad-signature")
_SEAL_TEXT = {
    "content-changed": ("内容在签封后被修改", "content changed after the label was sealed"),
    "label-changed": ("标识字段在签封后被修改", "label fields changed after sealing"),
    "bad-signature": ("签名无效", "signature does not verify"),
    "malformed": ("SecurityData 格式错误", "SecurityData is malformed"),
}


def _check_seals(
    rep: FileReport,
    rec: AIGCRecord,
    h: FormatHandler,
    path: Path,
    trusted: list[PublicKey] | None,
) -> None:
    cached: list[str] = []

    def chash() -> str:
        if not cached:
            cached.append(content_hash(h, path))
        return cached[0]

    for slot, text in ((1, rec.reserved_code1), (2, rec.reserved_code2)):
        if not text:
            continue
        sc: SealCheck = check_seal(rec, None, slot, trusted, content_hash=chash())
        rep.seals.append(
            SealReport(
                slot=slot, status=sc.status, alg=sc.alg, key_id=sc.key_id, trusted=sc.trusted
            )
        )
        field = f"ReservedCode{slot}"
        if sc.status in _SEAL_TEXT:
            zh, en = _SEAL_TEXT[sc.status]
            code = "malformed-security-data" if sc.status == "malformed" else "tamper"
            rep.problems.append(problem(code, "error", f"{field}：{zh}", f"{field}: {en}", field))
        elif sc.status == "foreign":
            rep.problems.append(
                problem(
                    "seal-unverifiable",
                    "warning",
                    f"{field} 不是 Tianping 可核验的 SecurityData 格式",
                    f"{field} is not in a SecurityData layout Tianping can verify",
                    field,
                )
            )
        elif sc.status == "valid" and sc.trusted is False:
            rep.problems.append(
                problem(
                    "untrusted-key",
                    "error",
                    f"{field} 的签名密钥不在受信任列表中",
                    f"{field} is signed by a key that is not trusted",
                    field,
                )
            )
        # the overlay claim is checked even when the content seal broke (cropping does both)
        explicit = (sc.extension or {}).get("Explicit") if sc.status not in _UNREAD else None
        if isinstance(explicit, dict) and explicit.get("Kind") == "image-overlay":
            box = OverlayBox.from_extension(explicit)
            if box is not None:
                rep.explicit = verify_image_notice(path, box)
                if not rep.explicit.ok:
                    why = "; ".join(rep.explicit.reasons)
                    rep.problems.append(
                        problem(
                            "explicit-missing",
                            "error",
                            f"图片显式标识不符合：{why}",
                            f"image explicit label fails: {why}",
                        )
                    )


def _finish(rep: FileReport) -> FileReport:
    errors = [p for p in rep.problems if p.severity == "error"]
    if rep.record is None and rep.has("implicit-missing"):
        rep.status = "unlabelled"
        rep.message = I18nText(zh="未发现隐式标识", en="no implicit label")
    elif errors:
        rep.status = "non_conformant"
        rep.message = I18nText(
            zh="不符合：" + "；".join(p.message.zh for p in errors[:3]),
            en="non-conformant: " + "; ".join(p.message.en for p in errors[:3]),
        )
    else:
        rep.status = "conformant"
        state = rep.state or I18nText(zh="", en="")
        rep.message = I18nText(zh=f"符合（{state.zh}）", en=f"conformant ({state.en})")
    return rep


def read(
    paths: Iterable[str | Path],
    *,
    recursive: bool = False,
    c2pa: bool = False,
    progress: Progress | None = None,
) -> list[FileReport]:
    """Find and parse each file's AIGC record (and C2PA manifest if asked); no seal checks."""

    def one(p: Path) -> FileReport:
        h = _handler(p)
        if isinstance(h, FileReport):
            return h
        found = h.read(p)
        rep = FileReport(
            path=str(p),
            format=h.name,
            status="unlabelled",
            message=I18nText(zh="未发现隐式标识", en="no implicit label"),
        )
        if c2pa:
            from tianping.labels._c2pa import read_c2pa

            rep.c2pa = read_c2pa(p).model_dump()
        if found:
            parsed = parse_record(found[0].raw)
            rep.form, rep.wrapper = found[0].form, parsed.wrapper
            rep.problems = parsed.problems
            if len(found) > 1:
                rep.problems.append(
                    problem(
                        "multiple-records",
                        "error",
                        f"文件含 {len(found)} 条 AIGC 记录",
                        f"{len(found)} AIGC records in the file",
                    )
                )
            if parsed.record is not None:
                rep.record = parsed.record.as_dict()
                rep.state = STATE_TEXT.get(parsed.record.label)
            return _finish(rep)
        return rep

    return _run(collect_paths(paths, recursive), one, progress)


def verify(
    paths: Iterable[str | Path],
    *,
    trusted: list[PublicKey] | None = None,
    provider_code: str | None = None,
    require_explicit: bool = False,
    c2pa: bool = False,
    recursive: bool = False,
    progress: Progress | None = None,
) -> list[FileReport]:
    """Check every rule Tianping can decide: record, provider code, seals, explicit labels."""
    files = collect_paths(paths, recursive)
    return _run(
        files,
        lambda p: _inspect(
            p,
            trusted=trusted,
            provider_code=provider_code,
            require_explicit=require_explicit,
            with_c2pa=c2pa,
        ),
        progress,
    )


# --- platform check ---------------------------------------------------------------------------
def _traces(h: FormatHandler, path: Path, rep: FileReport) -> list[str]:
    found: list[str] = []
    if rep.text_notice is not None and rep.text_notice.found:
        found.append("text-notice")
    xmp_of = getattr(h, "xmp", None)
    if callable(xmp_of):
        for block in xmp_of(path):
            if any(t in block for t in _AI_SOURCE):
                found.append("iptc-digital-source-type")
                break
    if rep.c2pa and rep.c2pa.get("ai_assertions"):
        found.append("c2pa-ai-assertion")
    return found


def check(
    paths: Iterable[str | Path],
    *,
    platform: str | None = None,
    declared: bool | Iterable[str | Path] = False,
    write: bool = False,
    key: SigningKey | None = None,
    c2pa: bool = False,
    recursive: bool = False,
    progress: Progress | None = None,
) -> list[FileReport]:
    """Classify as a dissemination platform (Labeling Measures Art. 6): confirmed (implicit
    label says "1"), possibly (user-declared), suspected (explicit label or traces), else
    unlabelled; with `write`, add the platform's propagation elements (Art. 6 last para.)."""
    files = collect_paths(paths, recursive)
    if write and not platform:
        raise InputError("writing propagation fields needs the platform's name or code")
    declared_set: set[Path] | None = None
    if not isinstance(declared, bool):
        declared_set = {Path(d).resolve() for d in declared}

    def is_declared(p: Path) -> bool:
        return declared if isinstance(declared, bool) else p.resolve() in (declared_set or set())

    def one(p: Path) -> FileReport:
        rep = _inspect(p, with_c2pa=c2pa)
        if rep.status in ("error", "unsupported"):
            return rep
        h = _handler(p)
        if isinstance(h, FileReport):
            return h
        rec = AIGCRecord.model_validate(rep.record) if rep.record else None
        cls: Classification
        if rec is not None and rec.label in ("1", "2", "3"):
            cls = {"1": "confirmed", "2": "possibly", "3": "suspected"}[rec.label]  # type: ignore[assignment]
        elif is_declared(p):
            cls = "possibly"
        elif traces := _traces(h, p, rep):
            cls = "suspected"
            rep.problems.append(
                problem(
                    "traces",
                    "warning",
                    f"检测到生成痕迹：{', '.join(traces)}",
                    f"generation traces found: {', '.join(traces)}",
                )
            )
        else:
            cls = "unlabelled"
        rep.classification = cls
        if write and platform and cls != "unlabelled":
            if not _writable(p):
                rep.problems.append(
                    problem(
                        "read-only",
                        "error",
                        "文件只读，未写入传播要素",
                        "file is read-only; propagation fields not written",
                    )
                )
                return rep
            base = rec or AIGCRecord(label="2" if cls == "possibly" else "3")
            new = base.replace(
                content_propagator=platform, propagate_id=new_content_id(), reserved_code2=""
            )
            with _temp_beside(p) as out:
                new = new.replace(reserved_code2=seal(new, content_hash(h, p), 2, key))
                h.write(p, new.to_json(rep.wrapper or "bare"), out)
                if len(h.read(out)) != 1:
                    raise InputError(f"{p}: the propagation record did not read back")
                _commit(out, p)
            rep.record, rep.written = new.as_dict(), True
        return rep

    return _run(files, one, progress)
