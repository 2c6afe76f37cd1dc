"""Small real system profiles for crosswalk and diff tests."""

from __future__ import annotations

import functools

from tianping.rules import Rulebook, load_rulebook
from tianping.systems import SystemProfile, load_profile_text


def profile(
    pid: str,
    *,
    sectors: str,
    services: str,
    jurisdictions: list[str],
    roles: str = "[provider]",
    extra: str = "",
) -> SystemProfile:
    deployments = "\n".join(
        f"  - {{jurisdiction: {j}, offered_to_public: true}}" for j in jurisdictions
    )
    text = f"""\
schema_version: 1
id: {pid}
name: {pid}
provider: {{name: Example Co., roles: {roles}}}
lifecycle: production
sectors: {sectors}
services: {services}
public_facing: true
data:
  personal_information: true
  pi_categories: [identity, financial]
  individuals: 5000
deployments:
{deployments}
{extra}"""
    return load_profile_text(text, f"<{pid}>")


def credit(jurisdictions: list[str]) -> SystemProfile:
    """Consumer credit scoring with automated decisions (finance, so tier high)."""
    return profile(
        "credit", sectors="[finance]", services="[automated_decision]", jurisdictions=jurisdictions
    )


def face_id() -> SystemProfile:
    """Biometric identification offered in the EU only."""
    return profile(
        "face-id", sectors="[other]", services="[biometric_identification]", jurisdictions=["EU"]
    )


def chatbot(jurisdictions: list[str]) -> SystemProfile:
    """A generative chatbot whose provider trained its own general-purpose model."""
    return profile(
        "chatbot",
        sectors="[other]",
        services="[generative]",
        jurisdictions=jurisdictions,
        roles="[provider, developer]",
        extra="tags: [eu-gpai-model]",
    )


@functools.lru_cache(maxsize=1)
def shipped() -> Rulebook:
    """The shipped rulebook, loaded once per test session (tests must not mutate it)."""
    return load_rulebook()
