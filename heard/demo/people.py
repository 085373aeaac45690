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
    # Roles in the agencies the frontline demo creates (heard.frontline.demo). They are granted there,
    # with the two-factor secret, because those organisations do not exist yet when `roles` are.
    agency_roles: tuple[tuple[str, str], ...] = ()

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
    # Frontline: the duty coordinator, who sees linked cases across agencies, and the agencies' staff.
    DemoPerson("coordinator", "Nadia Hussain", (("collaborative", "caseworker"), ("collaborative", "manager"))),
    DemoPerson("agewell-manager", "Patricia Owusu", (("agewell", "manager"),)),
    DemoPerson("fire", "Kieran Doherty", agency_roles=(("fire", "caseworker"),)),
    DemoPerson("fire-manager", "Lorraine Price", agency_roles=(("fire", "manager"),)),
    DemoPerson("children", "Samuel Okoro", agency_roles=(("children", "caseworker"),)),
    DemoPerson("children-manager", "Rachel Stone", agency_roles=(("children", "manager"),)),
    DemoPerson("resident", "Amara Okafor"),
    DemoPerson("resident2", "Joe Whitfield"),
    DemoPerson("resident3", "Mei Chen"),
    # Community partners (heard.frontline.demo makes them verified partners): no organisation roles.
    DemoPerson("shopkeeper", "Harjit Sandhu"),
    DemoPerson("plumber", "Wayne Fletcher"),
)
