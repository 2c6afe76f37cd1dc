"""JSON output and its published JSON Schema."""

from __future__ import annotations

import json
from typing import Any

from tianping.assess._models import AssessmentReport

SCHEMA_ID = "https://tianping.dev/schema/assessment-report-1.0.json"


def render_json(report: AssessmentReport) -> str:
    return json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2)


def report_schema() -> dict[str, Any]:
    schema = AssessmentReport.model_json_schema(mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}
