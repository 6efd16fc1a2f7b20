"""Demo data for ``make run``: demo users and a current cycle with demo countries in every state.

Demo countries are fictional ("Demo country A" …) so no answer is ever attributed to a real
country; the cycle is marked illustrative.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction

from . import services
from .models import (
    Country,
    CountryKind,
    Cycle,
    FrameworkVersion,
    IncomeGroup,
    Profile,
    Question,
    QuestionKind,
    Region,
    Role,
    Status,
)

DEMO_CYCLE = "demo-2025"


class DemoRefused(Exception):
    pass


@dataclass(frozen=True)
class DemoCountry:
    code: str
    letter: str
    income_group: str
    region: str
    target: str  # status to reach
    share: float  # share of questions answered


DEMO_COUNTRIES = [
    DemoCountry(
        "DEMO-A", "A", IncomeGroup.UPPER_MIDDLE, Region.SUB_SAHARAN_AFRICA, Status.DRAFT, 0.3
    ),
    DemoCountry(
        "DEMO-B", "B", IncomeGroup.HIGH, Region.EUROPE_CENTRAL_ASIA, Status.NOT_STARTED, 0.0
    ),
    DemoCountry("DEMO-C", "C", IncomeGroup.LOWER_MIDDLE, Region.SOUTH_ASIA, Status.SUBMITTED, 1.0),
    DemoCountry("DEMO-D", "D", IncomeGroup.HIGH, Region.EAST_ASIA_PACIFIC, Status.VALIDATED, 1.0),
    DemoCountry("DEMO-E", "E", IncomeGroup.LOW, Region.LATIN_AMERICA_CARIBBEAN, "returned", 1.0),
    DemoCountry(
        "DEMO-F",
        "F",
        IncomeGroup.UPPER_MIDDLE,
        Region.MIDDLE_EAST_NORTH_AFRICA,
        Status.SUBMITTED,
        1.0,
    ),
]

DEMO_USERS = [
    # username, first name, role, country code, contributor domains
    ("admin", "Ada Admin", "admin", None, []),
    ("analyst", "Ana Analyst", Role.ANALYST, None, []),
    ("focal", "Fatou Focal", Role.FOCAL_POINT, "DEMO-A", []),
    ("contributor", "Carlos Contributor", Role.CONTRIBUTOR, "DEMO-A", ["D2", "D3"]),
    ("focal2", "Femi Focal", Role.FOCAL_POINT, "DEMO-B", []),
]


def demo_value(question: Question, rng: random.Random) -> str:
    if question.kind == QuestionKind.YES_NO:
        return rng.choices(["yes", "no", "dont_know"], weights=[6, 3, 1])[0]
    if question.kind == QuestionKind.MATURITY:
        return str(rng.randint(1, 4))
    options = [o.code for o in question.options.all()]
    if question.kind == QuestionKind.SINGLE_CHOICE:
        return rng.choice(options)
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        # An exclusive option ("None of these") is never ticked with others.
        inclusive = [o.code for o in question.options.all() if not o.exclusive] or options
        chosen = set(rng.sample(inclusive, k=rng.randint(1, min(3, len(inclusive)))))
        return ";".join(code for code in options if code in chosen)
    if question.kind == QuestionKind.NUMBER:
        low = int(question.min_value or 0)
        high = int(question.max_value) if question.max_value is not None else low + 500
        return str(rng.randint(low, high))
    return "Demonstration answer: described in the national action plan."


@transaction.atomic
def load_demo(*, framework_code: str = "MNR-2016") -> list[tuple[str, str, str]]:
    """Creates demo users and the demo cycle; returns (username, password, what) for each login."""
    if not settings.DEBUG:
        raise DemoRefused(
            "Demo logins have the password 'demo' and are created only when DJANGO_DEBUG=true."
        )
    framework = FrameworkVersion.objects.get(code=framework_code)
    cycle, _ = Cycle.objects.update_or_create(
        code=DEMO_CYCLE,
        defaults={
            "name_en": "2025 assessment (demo)",
            "name_fr": "Évaluation 2025 (démonstration)",
            "framework": framework,
            "opens_on": date(2025, 1, 15),
            "deadline": date(2026, 12, 31),
            "is_illustrative": True,
        },
    )
    for demo in DEMO_COUNTRIES:
        country, _ = Country.objects.update_or_create(
            code=demo.code,
            defaults={
                "kind": CountryKind.ANONYMISED,
                "name_en": f"Demo country {demo.letter}",
                "name_fr": f"Pays de démonstration {demo.letter}",
            },
        )
        services.participation_set(
            cycle=cycle,
            country=country,
            income_group=demo.income_group,
            region=demo.region,
            survey="government",
        )
    users = _demo_users()
    questions = list(Question.objects.for_framework(framework).with_structure())
    analyst = users["analyst"]
    for demo in DEMO_COUNTRIES:
        country = Country.objects.get(code=demo.code)
        assessment = services.assessment_get_or_create(country=country, cycle=cycle)
        if assessment.answers.exists() or assessment.status != Status.NOT_STARTED:
            continue  # already populated: leave people's demo work alone
        focal = (
            users["focal"]
            if demo.code == "DEMO-A"
            else users["focal2"]
            if demo.code == "DEMO-B"
            else users["admin"]
        )
        rng = random.Random(demo.code)
        count = round(len(questions) * demo.share)
        for question in questions[:count]:
            services.answer_save(
                assessment=assessment,
                question=question,
                value=demo_value(question, rng),
                comment="",
                evidence=[],
                user=focal,
                base_version=0,
                source="demo",
            )
        if demo.target in (Status.SUBMITTED, Status.VALIDATED, "returned"):
            services.assessment_submit(assessment=assessment, user=focal)
        if demo.target == Status.VALIDATED:
            services.assessment_validate(assessment=assessment, user=analyst)
        if demo.target == "returned":
            services.assessment_return(
                assessment=assessment,
                user=analyst,
                reason="Please add evidence for the hotline (C12) and check the maturity phases.",
            )
    return [(u, settings.MRN_DEMO_PASSWORD, what) for u, what in _describe()]


def _describe() -> list[tuple[str, str]]:
    labels = {
        "admin": "administrator (Django admin)",
        "analyst": "analyst / reviewer, all countries",
        "focal": "focal point, Demo country A",
        "contributor": "contributor, Demo country A, domains D2 and D3",
        "focal2": "focal point, Demo country B",
    }
    return list(labels.items())


def _demo_users() -> dict[str, User]:
    User = get_user_model()
    countries = Country.objects.in_bulk(field_name="code")
    users = {}
    for username, full_name, role, country_code, domains in DEMO_USERS:
        first, last = full_name.split(" ", 1)
        user, _created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"},
        )
        user.is_superuser = user.is_staff = role == "admin"
        user.set_password(settings.MRN_DEMO_PASSWORD)
        user.save()
        Profile.objects.update_or_create(
            user=user,
            defaults={
                "role": "" if role == "admin" else role,
                "country": countries[country_code] if country_code else None,
                "domain_codes": domains,
            },
        )
        users[username] = user
    return users
