"""Personal information under PIPL: detect and classify PI in zh/en data, de-identify it,
measure anonymity, inventory sensitive PI, draft the PIPIA and decide the cross-border route.

    from tianping.privacy import detect_text, scan_paths, measure
    [m.pi_type for m in detect_text("身份证号 11010519491231002X")]

Names resolve on first use, so importing this package loads neither polars nor numpy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tianping._lazy import lazy_getattr

if TYPE_CHECKING:
    from tianping.privacy._anonymity import (
        AnonymityReport,
        entropy_l_diversity,
        k_anonymity,
        l_diversity,
        measure,
        reidentification_risk,
        t_closeness,
    )
    from tianping.privacy._corpus import (
        evaluate,
        generate,
        table_rows,
    )
    from tianping.privacy._crossborder import (
        CrossBorderDecision,
        decide_route,
    )
    from tianping.privacy._deid import (
        Deidentifier,
        DeidReport,
        deid_path,
    )
    from tianping.privacy._deid_db import (
        deid_database,
        deid_database_in_place,
        deid_database_table,
    )
    from tianping.privacy._detect import (
        detect_batch,
        detect_by_header,
        detect_column,
        detect_text,
        mask_preview,
    )
    from tianping.privacy._inventory import (
        SensitiveInventory,
        build_inventory,
    )
    from tianping.privacy._marked import (
        AccuracyReport,
        detection_accuracy,
        load_marked,
        parse_marked,
    )
    from tianping.privacy._mondrian import (
        mondrian,
    )
    from tianping.privacy._pipia import (
        PipiaDraft,
        draft_pipia,
        render_markdown,
    )
    from tianping.privacy._policy import (
        Policy,
        load_policy,
        parse_policy,
    )
    from tianping.privacy._scan import (
        Finding,
        ScanOptions,
        ScanReport,
        scan_file,
        scan_paths,
    )
    from tianping.privacy._scan_db import (
        scan_database,
    )
    from tianping.privacy._types import (
        PI_TYPES,
        Match,
        PIType,
    )

_WHERE = {
    "detect_text": "_detect",
    "detect_batch": "_detect",
    "detect_column": "_detect",
    "detect_by_header": "_detect",
    "mask_preview": "_detect",
    "Match": "_types",
    "PIType": "_types",
    "PI_TYPES": "_types",
    "scan_paths": "_scan",
    "scan_file": "_scan",
    "scan_database": "_scan_db",
    "ScanOptions": "_scan",
    "ScanReport": "_scan",
    "Finding": "_scan",
    "generate": "_corpus",
    "evaluate": "_corpus",
    "table_rows": "_corpus",
    "Policy": "_policy",
    "load_policy": "_policy",
    "parse_policy": "_policy",
    "Deidentifier": "_deid",
    "deid_path": "_deid",
    "deid_database": "_deid_db",
    "deid_database_in_place": "_deid_db",
    "deid_database_table": "_deid_db",
    "DeidReport": "_deid",
    "AnonymityReport": "_anonymity",
    "measure": "_anonymity",
    "k_anonymity": "_anonymity",
    "l_diversity": "_anonymity",
    "entropy_l_diversity": "_anonymity",
    "t_closeness": "_anonymity",
    "reidentification_risk": "_anonymity",
    "mondrian": "_mondrian",
    "AccuracyReport": "_marked",
    "detection_accuracy": "_marked",
    "load_marked": "_marked",
    "parse_marked": "_marked",
    "decide_route": "_crossborder",
    "CrossBorderDecision": "_crossborder",
    "draft_pipia": "_pipia",
    "PipiaDraft": "_pipia",
    "render_markdown": "_pipia",
    "build_inventory": "_inventory",
    "SensitiveInventory": "_inventory",
}

__all__ = [
    "PI_TYPES",
    "AccuracyReport",
    "AnonymityReport",
    "CrossBorderDecision",
    "DeidReport",
    "Deidentifier",
    "Finding",
    "Match",
    "PIType",
    "PipiaDraft",
    "Policy",
    "ScanOptions",
    "ScanReport",
    "SensitiveInventory",
    "build_inventory",
    "decide_route",
    "deid_database",
    "deid_database_in_place",
    "deid_database_table",
    "deid_path",
    "detect_batch",
    "detect_by_header",
    "detect_column",
    "detect_text",
    "detection_accuracy",
    "draft_pipia",
    "entropy_l_diversity",
    "evaluate",
    "generate",
    "k_anonymity",
    "l_diversity",
    "load_marked",
    "load_policy",
    "mask_preview",
    "measure",
    "mondrian",
    "parse_marked",
    "parse_policy",
    "reidentification_risk",
    "render_markdown",
    "scan_database",
    "scan_file",
    "scan_paths",
    "t_closeness",
    "table_rows",
]


__getattr__ = lazy_getattr(__name__, _WHERE)
