"""The demo world's people: one or more for every role, and residents with no role.

Deterministic: the same names, emails, roles and two-factor secrets on every run.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

DEMO_DOMAIN = "millbrook.example"
# Shown on the home page in demo mode. It only ever guards made-up accounts.
DEMO_PASSWORD = "heard-demo-password"  # noqa: S105 - a published demo credential, not a secret


@dataclass(frozen=True)
class DemoPerson:
    key: str
    name: str
    # (organisation key, role) pairs; empty for a resident.
    roles: tuple[tuple[str, str], ...] = ()
    site_staff: bool = False

    @property
    def email(self) -> str:
        return f"{self.key}@{DEMO_DOMAIN}"

    @property
    def totp_secret(self) -> str:
        """A fixed secret per demo person, so the home page can show each one's current code."""
        digest = hashlib.sha1(f"heard-demo-totp:{self.key}".encode(), usedforsecurity=False).digest()
        return base64.b32encode(digest).decode()


PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("admin", "Priya Natarajan", (("collaborative", "administrator"),), site_staff=True),
    DemoPerson("convener", "Tom Adeyemi", (("collaborative", "convener"),)),
    DemoPerson("analyst", "Grace Liu", (("collaborative", "analyst"),)),
    DemoPerson("manager", "Daniel Hughes", (("council", "manager"), ("council", "administrator"))),
    DemoPerson("responder", "Siobhan Kelly", (("council", "responder"),)),
    DemoPerson("caseworker", "Marcus Bennett", (("council", "caseworker"),)),
    DemoPerson("repairs", "Aisha Rahman", (("brightwater", "responder"), ("brightwater", "manager"))),
    DemoPerson("agewell", "Helen Doyle", (("agewell", "caseworker"), ("agewell", "administrator"))),
    DemoPerson("resident", "Amara Okafor"),
    DemoPerson("resident2", "Joe Whitfield"),
    DemoPerson("resident3", "Mei Chen"),
)
