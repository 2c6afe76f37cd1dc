"""C2PA manifests, read with c2pa-python when installed (extra `tianping[c2pa]`).

C2PA is a different standard from GB 45438; Tianping reports a manifest beside the
Appendix E record and never treats one as the other.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

_AI_SOURCE_TYPES = ("trainedAlgorithmicMedia", "compositeSynthetic", "algorithmicMedia")


class C2paReport(BaseModel):
    available: bool
    present: bool = False
    active_label: str | None = None
    claim_generator: str | None = None
    validation_state: str | None = None
    ai_assertions: list[str] = Field(default_factory=list)
    error: str | None = None


def c2pa_available() -> bool:
    try:
        import c2pa  # type: ignore[import-untyped,unused-ignore]  # noqa: F401
    except ImportError:
        return False
    return True


def read_c2pa(path: Path) -> C2paReport:
    """The active manifest's generator and AI digital-source-type assertions, if any."""
    try:
        import c2pa
    except ImportError:
        return C2paReport(available=False)
    try:
        reader = c2pa.Reader(str(path))
    except Exception as exc:  # c2pa raises its own error types for "no manifest" too
        text = str(exc)
        if "ManifestNotFound" in text or "JumbfNotFound" in text or "no JUMBF" in text.lower():
            return C2paReport(available=True)
        return C2paReport(available=True, error=text[:200])
    try:
        store: dict[str, Any] = json.loads(reader.json())
        state = reader.get_validation_state()
    finally:
        reader.close()
    label = store.get("active_manifest")
    manifest = store.get("manifests", {}).get(label, {}) if label else {}
    text = json.dumps(manifest)
    return C2paReport(
        available=True,
        present=bool(label),
        active_label=label,
        claim_generator=manifest.get("claim_generator")
        or next(
            (
                g.get("name")
                for g in manifest.get("claim_generator_info", [])
                if isinstance(g, dict)
            ),
            None,
        ),
        validation_state=str(state) if state is not None else None,
        ai_assertions=[t for t in _AI_SOURCE_TYPES if t in text],
    )
