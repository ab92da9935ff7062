"""Fictional demo data. Names are invented combinations; schools and the trust are made up.

Kept apart from the management command so the browser tests and the benchmark can reuse it.
"""

from __future__ import annotations

import random
from base64 import b32encode
from collections.abc import Iterable
from datetime import date

from django.conf import settings

from cases.criteria import ChildFacts, under_13
from safeguard.roles import CASE_READING_ROLES, needs_second_factor

DEMO_TRUST = "Demo Learning Trust"
SCHOOLS = [
    # URNs of the 99xxxx range, which Get Information about Schools does not use: invented.
    {"name": "Northbrook Demo Academy", "code": "NDA", "urn": "990101"},
    {"name": "Southmere Demo School", "code": "SDS", "urn": "990102"},
]

#: email, full name, school index, roles
ACCOUNTS = [
    ("dsl@demo.example", "Morgan Ashby", 0, ["dsl"]),
    ("deputy@demo.example", "Riley Fenwick", 0, ["deputy_dsl"]),
    ("pastoral@demo.example", "Jordan Hale", 0, ["pastoral"]),
    ("pastoral2@demo.example", "Casey Marsh", 0, ["pastoral"]),
    ("head@demo.example", "Alex Whitcombe", 0, ["head"]),
    ("itadmin@demo.example", "Taylor Quinn", 0, ["it_admin"]),
    ("staff@demo.example", "Robin Ellery", 0, ["staff"]),
    # Reads only a case naming them in its restriction: an allegation against the head (issue 17).
    ("chair@demo.example", "Sam Ferrars", 0, ["chair_of_governors"]),
    ("dsl@other.example", "Jamie Rowan", 1, ["dsl"]),
]
#: The demo trust's safeguarding lead (issue 17): no role at either school. They see the trust
#: report (both schools' figures side by side) and the one demo case the DSL granted them.
TRUST_LEAD_ACCOUNT = ("trustlead@demo.example", "Avery Holloway")

FIRST_NAMES = [
    "Ada",
    "Ben",
    "Cara",
    "Dev",
    "Ella",
    "Finn",
    "Gita",
    "Hugo",
    "Isla",
    "Jai",
    "Kit",
    "Lena",
    "Milo",
    "Nia",
    "Omar",
    "Pia",
    "Quinn",
    "Rosa",
    "Sami",
    "Tia",
    "Umar",
    "Vera",
    "Wren",
    "Xavi",
    "Yara",
    "Zac",
    "Ayo",
    "Bea",
    "Cal",
    "Dina",
    "Eli",
    "Fern",
    "Gus",
    "Hana",
    "Ivo",
    "Jude",
    "Kai",
    "Lola",
    "Max",
    "Noor",
]
# Surnames made from place-like words, chosen to read as invented.
LAST_NAMES = [
    "Alderbrook",
    "Birchcombe",
    "Brackenfield",
    "Cloverdale",
    "Copperleigh",
    "Dunmere",
    "Elmstead",
    "Fernhollow",
    "Foxwell",
    "Glenhurst",
    "Hazelby",
    "Hollowmere",
    "Ivybridge-Lane",
    "Juniperton",
    "Kestrelford",
    "Larkhaven",
    "Maplewick",
    "Meadowcroft",
    "Nettlefold",
    "Oakhampstead",
    "Pebbleton",
    "Quarrymoor",
    "Rowanleigh",
    "Sedgewater",
    "Thistlewood",
    "Upperbrook",
    "Willowmere",
    "Yarrowfield",
    "Ashcombe-Vale",
    "Brookhollow",
]

DEMO_PLATFORMS = ["Snapchat", "Instagram", "WhatsApp", "TikTok", "Discord"]

#: The demo accounts' authenticator key: RFC 6238's published test secret, the same for every
#: demo account, so that one entry in any authenticator app logs into all of them. It is public
#: on purpose, like the demo password: demo data is refused in production.
DEMO_TOTP_KEY_HEX = "3132333435363738393031323334353637383930"
_base32 = b32encode(bytes.fromhex(DEMO_TOTP_KEY_HEX)).decode().rstrip("=")
#: The same key as an authenticator app asks for it ("enter a setup key"), in groups of four.
DEMO_TOTP_KEY = " ".join(_base32[i : i + 4] for i in range(0, len(_base32), 4))
#: Backup codes made for each demo account with the demo key (each works once).
DEMO_BACKUP_CODES = 3


def has_demo_second_factor(roles: Iterable[str]) -> bool:
    """Which demo accounts are given the demo key: those whose role needs a second factor (DSL,
    deputy, head, IT administrator), and pastoral staff, who read their assigned cases only with
    one. The staff account keeps none: it shows what staff without one can do (raise a concern)."""
    roles = set(roles)
    return needs_second_factor(roles) or bool(roles & CASE_READING_ROLES)


def assert_not_production(command: str) -> None:
    if settings.PRODUCTION:
        raise SystemExit(f"{command} refuses to run with production settings (SAFEGUARD_ENV=production).")


def school_year_start(today: date) -> int:
    """The calendar year in which the current English school year began (1 September)."""
    return today.year if today.month >= 9 else today.year - 1


def birth_range_for_year_group(year_group: int, today: date) -> tuple[date, date]:
    """Children in Year N were born between 1 Sept and 31 Aug, N+5 years before the school year began."""
    start = school_year_start(today)
    first = date(start - year_group - 5, 9, 1)
    last = date(start - year_group - 4, 8, 31)
    return first, last


def demo_pupils(school_index: int, count: int, today: date, *, seed: int = 2026) -> list[dict]:
    rng = random.Random(seed + school_index)
    pupils = []
    used = set()
    for n in range(count):
        year_group = 7 + n % 5  # a secondary school: Years 7–11
        first, last = birth_range_for_year_group(year_group, today)
        span = (last - first).days
        dob = date.fromordinal(first.toordinal() + rng.randrange(span + 1))
        while True:
            name = (rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))
            if name not in used:
                used.add(name)
                break
        flags = rng.random()
        pupils.append(
            {
                "upn": f"D{school_index}{n:011d}"[:13],
                "first_name": name[0],
                "last_name": name[1],
                "date_of_birth": dob,
                "year_group": year_group,
                "child_protection_plan": flags < 0.02,
                "child_in_need_plan": 0.02 <= flags < 0.05,
                "looked_after": 0.05 <= flags < 0.07,
                "open_to_social_care": 0.07 <= flags < 0.09,
                "known_to_police": 0.09 <= flags < 0.10,
            }
        )
    return pupils


def under_13_today(pupils: Iterable, today: date) -> list:
    """The pupils under 13 on ``today``, from their dates of birth, by the criteria's own rule
    (C3): all of Year 7, and those in Year 8 whose 13th birthday has not come yet."""
    return [p for p in pupils if under_13(ChildFacts(label="", date_of_birth=p.date_of_birth), today)]
