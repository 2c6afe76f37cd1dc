"""The AI system profile: schema, loading and validation with located errors."""

from tianping.systems._load import load_profile, load_profile_text
from tianping.systems._profile import SystemProfile, uscc_is_valid
from tianping.systems._template import profile_template

__all__ = [
    "SystemProfile",
    "load_profile",
    "load_profile_text",
    "profile_template",
    "uscc_is_valid",
]
