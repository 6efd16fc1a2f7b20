"""Loading the framework, countries and reference cycles from ``fixtures/``, idempotently.

Each loader updates rows by natural key and returns how many rows it created and changed, so a
second run reports zero changes. Used by ``manage.py load_reference_data`` and the tests.
"""

from __future__ import annotations

import gettext
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pycountry
from django.conf import settings
from django.db import models, transaction

from .models import (
    AnswerOption,
    Capability,
    CapabilityPhase,
    Country,
    CountryKind,
    Cycle,
    Domain,
    FrameworkVersion,
    MaturityPhase,
    Participation,
    Question,
    QuestionKind,
)

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
FRAMEWORKS_DIR = FIXTURES / "frameworks"
CYCLES_DIR = FIXTURES / "cycles"
# The illustrative 2021 baseline (imported by scripts/import_baseline.sh and the Figure 1 tests) and
# the review's published Figure 1 (see fixtures/baseline/README.md).
BASELINE_DIR = FIXTURES / "baseline"
BASELINE_CSV = BASELINE_DIR / "mnr_2021_baseline.csv"
FIGURE1_CSV = BASELINE_DIR / "figure1.csv"


class ReferenceDataError(Exception):
    """A fixture file that cannot be loaded; the message names the file and the entry."""


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, model: type[models.Model], created: bool, changed: bool) -> None:
        name = model._meta.verbose_name_plural
        key = str(name)
        if created:
            self.created[key] = self.created.get(key, 0) + 1
        elif changed:
            self.updated[key] = self.updated.get(key, 0) + 1

    @property
    def changes(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values())

    def merge(self, other: LoadReport) -> None:
        for attr in ("created", "updated"):
            mine, theirs = getattr(self, attr), getattr(other, attr)
            for key, value in theirs.items():
                mine[key] = mine.get(key, 0) + value

    def summary(self) -> str:
        if not self.changes:
            return "Reference data is up to date: nothing changed."
        parts = [f"created {n} {k}" for k, n in sorted(self.created.items())]
        parts += [f"updated {n} {k}" for k, n in sorted(self.updated.items())]
        return "; ".join(parts) + "."


def _upsert[M: models.Model](
    model: type[M], report: LoadReport, lookup: dict[str, Any], values: dict[str, Any]
) -> M:
    """get-or-create by ``lookup``; writes ``values`` only when one differs (no-op otherwise)."""
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model._default_manager.create(**lookup, **values)
        report.count(model, created=True, changed=False)
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        report.count(model, created=False, changed=True)
    return obj


def _require(entry: dict[str, Any], keys: tuple[str, ...], where: str) -> None:
    missing = [key for key in keys if not str(entry.get(key) or "").strip()]
    if missing:
        raise ReferenceDataError(f"{where}: missing or empty {', '.join(missing)}")


@transaction.atomic
def load_framework(path: Path) -> LoadReport:
    """Loads one framework version file (see fixtures/frameworks/*.json) and returns what changed."""
    report = LoadReport()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ReferenceDataError(f"{path.name}: cannot read the file ({exc})") from exc
    _require(data, ("code", "name_en", "name_fr"), path.name)
    framework = _upsert(
        FrameworkVersion,
        report,
        {"code": data["code"]},
        {
            **{
                key: data.get(key, "")
                for key in ("name_en", "name_fr", "description_en", "description_fr")
            },
            "consistency_rules": _consistency_rules(data.get("consistency_rules", []), path.name),
        },
    )
    for phase in data.get("phases", []):
        _require(phase, ("number", "name_en", "name_fr"), f"{path.name} phase")
        _upsert(
            MaturityPhase,
            report,
            {"framework": framework, "number": int(phase["number"])},
            {
                key: phase.get(key, "")
                for key in ("name_en", "name_fr", "description_en", "description_fr")
            },
        )
    cap_order = 0
    for d_order, dom in enumerate(data.get("domains", []), start=1):
        _require(dom, ("code", "name_en", "name_fr"), f"{path.name} domain")
        domain = _upsert(
            Domain,
            report,
            {"framework": framework, "code": dom["code"]},
            {
                "order": d_order,
                **{
                    k: dom.get(k, "")
                    for k in ("name_en", "name_fr", "description_en", "description_fr")
                },
            },
        )
        for cap in dom.get("capabilities", []):
            cap_order += 1
            where = f"{path.name} capability {cap.get('code')}"
            _require(cap, ("code", "name_en", "name_fr"), where)
            capability = _upsert(
                Capability,
                report,
                {"framework": framework, "code": cap["code"]},
                {
                    "domain": domain,
                    "order": cap_order,
                    **{
                        k: cap.get(k, "")
                        for k in (
                            "name_en",
                            "name_fr",
                            "description_en",
                            "description_fr",
                            "in_place_en",
                            "in_place_fr",
                        )
                    },
                },
            )
            for phase in cap.get("phases", []):
                _require(phase, ("number", "description_en", "description_fr"), f"{where} phase")
                _upsert(
                    CapabilityPhase,
                    report,
                    {"capability": capability, "number": int(phase["number"])},
                    {
                        "description_en": phase["description_en"],
                        "description_fr": phase["description_fr"],
                    },
                )
            for q_order, q in enumerate(cap.get("questions", []), start=1):
                _load_question(framework, capability, q, q_order, report, where)
    return report


def _load_question(
    framework: FrameworkVersion,
    capability: Capability,
    q: dict[str, Any],
    order: int,
    report: LoadReport,
    where: str,
) -> None:
    _require(q, ("code", "kind", "text_en", "text_fr"), f"{where} question {q.get('code')}")
    if q["kind"] not in QuestionKind.values:
        raise ReferenceDataError(f"{where} question {q['code']}: unknown kind {q['kind']!r}")
    if not q["code"].startswith(capability.code + "."):
        raise ReferenceDataError(
            f"{where} question {q['code']}: code must start with {capability.code}."
        )
    question = _upsert(
        Question,
        report,
        {"framework": framework, "code": q["code"]},
        {
            "capability": capability,
            "order": order,
            "kind": q["kind"],
            "is_headline": q["code"].endswith(".in_place"),
            "required": bool(q.get("required", False)),
            "text_en": q["text_en"],
            "text_fr": q["text_fr"],
            "help_en": q.get("help_en", ""),
            "help_fr": q.get("help_fr", ""),
            "min_value": _decimal_or_none(q.get("min_value")),
            "max_value": _decimal_or_none(q.get("max_value")),
            "unit_en": q.get("unit_en") or "",
            "unit_fr": q.get("unit_fr") or "",
        },
    )
    for o_order, option in enumerate(q.get("options", []), start=1):
        _require(option, ("code", "label_en", "label_fr"), f"{where} question {q['code']} option")
        _upsert(
            AnswerOption,
            report,
            {"question": question, "code": option["code"]},
            {
                "order": o_order,
                "label_en": option["label_en"],
                "label_fr": option["label_fr"],
                "exclusive": bool(option.get("exclusive", False)),
            },
        )


def _consistency_rules(rules: Any, where: str) -> list[dict[str, Any]]:
    """The framework's consistency rules, checked here so that a bad file is refused whole."""
    from .consistency import RuleError, parse_rules

    try:
        parse_rules(rules)
    except RuleError as exc:
        raise ReferenceDataError(f"{where} consistency_rules: {exc}") from exc
    return list(rules)


def _decimal_or_none(value: Any) -> Any:
    from decimal import Decimal

    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def un_member_codes() -> list[str]:
    lines = (FIXTURES / "un_member_states.txt").read_text(encoding="utf-8").splitlines()
    return [code for line in lines if not line.startswith("#") for code in line.split()]


@transaction.atomic
def load_countries() -> LoadReport:
    """Every UN member state (names from pycountry, English and French) and the jurisdictions file."""
    report = LoadReport()
    french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    for code in un_member_codes():
        entry = pycountry.countries.get(alpha_3=code)
        if entry is None:
            raise ReferenceDataError(f"un_member_states.txt: {code} is not an ISO 3166-1 code")
        _upsert(
            Country,
            report,
            {"code": code},
            {
                "kind": CountryKind.STATE,
                "name_en": entry.name,
                "name_fr": french.gettext(entry.name),
            },
        )
    for item in json.loads((FIXTURES / "jurisdictions.json").read_text(encoding="utf-8")):
        _require(item, ("code", "name_en", "name_fr"), "jurisdictions.json")
        _upsert(
            Country,
            report,
            {"code": item["code"]},
            {
                "kind": item.get("kind", CountryKind.JURISDICTION),
                "name_en": item["name_en"],
                "name_fr": item["name_fr"],
            },
        )
    return report


@transaction.atomic
def load_cycle(path: Path) -> LoadReport:
    """A reference cycle with its participants' income group and region (fixtures/cycles/*.json)."""
    report = LoadReport()
    data = json.loads(path.read_text(encoding="utf-8"))
    _require(data, ("code", "name_en", "name_fr", "framework"), path.name)
    try:
        framework = FrameworkVersion.objects.get(code=data["framework"])
    except FrameworkVersion.DoesNotExist as exc:
        raise ReferenceDataError(f"{path.name}: unknown framework {data['framework']}") from exc
    cycle = _upsert(
        Cycle,
        report,
        {"code": data["code"]},
        {
            "name_en": data["name_en"],
            "name_fr": data["name_fr"],
            "framework": framework,
            "opens_on": date.fromisoformat(data["opens_on"]) if data.get("opens_on") else None,
            "deadline": date.fromisoformat(data["deadline"]) if data.get("deadline") else None,
            "is_illustrative": bool(data.get("is_illustrative", False)),
        },
    )
    countries = Country.objects.in_bulk(field_name="code")
    for item in data.get("participants", []):
        country = countries.get(item["country"])
        if country is None:
            raise ReferenceDataError(f"{path.name}: unknown country {item['country']}")
        _upsert(
            Participation,
            report,
            {"cycle": cycle, "country": country},
            {k: item.get(k, "") for k in ("income_group", "region", "survey")},
        )
    return report


def load_all() -> LoadReport:
    """Frameworks, countries, then reference cycles: everything ``load_reference_data`` loads."""
    report = LoadReport()
    with transaction.atomic():
        for path in sorted(FRAMEWORKS_DIR.glob("*.json")):
            report.merge(load_framework(path))
        report.merge(load_countries())
        for path in sorted(CYCLES_DIR.glob("*.json")):
            report.merge(load_cycle(path))
    return report
