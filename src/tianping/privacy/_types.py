"""Shared value types of the privacy package (detection hands these to de-identification)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PIPLClass = Literal["general", "sensitive", "minor"]


@dataclass(frozen=True, slots=True)
class Match:
    """One detected piece of personal information inside a string.

    `start`/`end` are Python string offsets (code points) into the scanned value;
    `pi_type` is a registered type code such as "cn_resident_id" or "email". Never log
    the matched text: use `mask_preview` from the detection module.
    """

    pi_type: str
    start: int
    end: int
    confidence: float
