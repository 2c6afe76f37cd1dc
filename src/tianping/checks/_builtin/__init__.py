"""Checks shipped with the core: they need no model."""

from tianping.checks._builtin import attestation, dataset_profile, profile_completeness

__all__ = ["attestation", "dataset_profile", "profile_completeness"]
