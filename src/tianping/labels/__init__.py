"""AI-generated content labels (Labeling Measures, GB 45438-2025): embed, read, verify, check.

    from tianping.labels import embed, verify
    embed(["out/cat.png"], producer="0011913301...10000", key=load_signing_key(Path("k.pem")))
    [r.status for r in verify(["out/"], recursive=True)]

Heavy work is imported on first use, so importing this package stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tianping._lazy import lazy_getattr

if TYPE_CHECKING:
    from tianping.labels._api import FileReport, check, collect_paths, embed, read, verify
    from tianping.labels._c2pa import C2paReport, read_c2pa
    from tianping.labels._explicit import (
        OverlayBox,
        add_image_notice,
        add_text_notice,
        add_video_notice,
        detect_rhythm_cue,
        find_text_notice,
        verify_image_notice,
        write_rhythm_cue,
    )
    from tianping.labels._provider_code import (
        ProviderCodeInfo,
        parse_provider_code,
        provider_code_from_uscc,
        provider_code_is_valid,
    )
    from tianping.labels._record import (
        FIELDS,
        AIGCRecord,
        LabelProblem,
        LabelState,
        ParsedRecord,
        parse_record,
    )
    from tianping.labels._sign import (
        PublicKey,
        SigningKey,
        generate_key,
        load_public_key,
        load_signing_key,
    )

_WHERE = {
    "FileReport": "_api",
    "check": "_api",
    "collect_paths": "_api",
    "embed": "_api",
    "read": "_api",
    "verify": "_api",
    "C2paReport": "_c2pa",
    "read_c2pa": "_c2pa",
    "OverlayBox": "_explicit",
    "add_image_notice": "_explicit",
    "add_text_notice": "_explicit",
    "add_video_notice": "_explicit",
    "detect_rhythm_cue": "_explicit",
    "find_text_notice": "_explicit",
    "verify_image_notice": "_explicit",
    "write_rhythm_cue": "_explicit",
    "ProviderCodeInfo": "_provider_code",
    "parse_provider_code": "_provider_code",
    "provider_code_from_uscc": "_provider_code",
    "provider_code_is_valid": "_provider_code",
    "FIELDS": "_record",
    "AIGCRecord": "_record",
    "LabelProblem": "_record",
    "LabelState": "_record",
    "ParsedRecord": "_record",
    "parse_record": "_record",
    "PublicKey": "_sign",
    "SigningKey": "_sign",
    "generate_key": "_sign",
    "load_public_key": "_sign",
    "load_signing_key": "_sign",
}

__all__ = [
    "FIELDS",
    "AIGCRecord",
    "C2paReport",
    "FileReport",
    "LabelProblem",
    "LabelState",
    "OverlayBox",
    "ParsedRecord",
    "ProviderCodeInfo",
    "PublicKey",
    "SigningKey",
    "add_image_notice",
    "add_text_notice",
    "add_video_notice",
    "check",
    "collect_paths",
    "detect_rhythm_cue",
    "embed",
    "find_text_notice",
    "generate_key",
    "load_public_key",
    "load_signing_key",
    "parse_provider_code",
    "parse_record",
    "provider_code_from_uscc",
    "provider_code_is_valid",
    "read",
    "read_c2pa",
    "verify",
    "verify_image_notice",
    "write_rhythm_cue",
]


__getattr__ = lazy_getattr(__name__, _WHERE)
