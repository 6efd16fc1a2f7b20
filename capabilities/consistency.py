"""Consistency rules: answers that usually do not go together, as framework data.

A framework file may carry a list ``consistency_rules`` (fixtures/frameworks/*.json, stored in
``FrameworkVersion.consistency_rules``). They warn, never block saving: the check-answers page
shows them to the country before it submits, and the review page to the secretariat. (Options
that exclude every other one, such as "None of these", are a flag on the option, ``exclusive``,
and are refused when saving: capabilities/values.py.)

One kind of rule so far, ``headline_maturity``: for every capability, when its headline question
(``Cnn.in_place``) has the answer ``headline``, its maturity question (``Cnn.maturity``) should be
one of ``phases``::

    {"code": "yes_with_low_phase", "kind": "headline_maturity", "headline": "yes",
     "phases": [2, 3, 4], "message_en": "… phase {phase} …", "message_fr": "… phase {phase} …"}

``{phase}`` in a message is replaced by the phase chosen. Pure functions, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import labels

KINDS = ("headline_maturity",)


class RuleError(ValueError):
    """A consistency rule of a framework file that cannot be used."""


@dataclass(frozen=True)
class Rule:
    code: str
    kind: str
    headline: str
    phases: frozenset[int]
    message_en: str
    message_fr: str

    def message(self, lang: str, **values: object) -> str:
        text = labels.pick(self.message_en, self.message_fr, lang)
        return text.format(**values)


@dataclass(frozen=True)
class Finding:
    """One rule an assessment's answers do not follow."""

    rule: str
    capability: str
    question_codes: tuple[str, ...]  # the questions involved, headline first
    message: str


def parse_rules(raw: Any) -> list[Rule]:
    """The rules of a framework file or FrameworkVersion.consistency_rules; RuleError if bad."""
    if not isinstance(raw, list):
        raise RuleError("must be a list")
    rules = []
    for i, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise RuleError(f"rule {i} must be an object")
        missing = [k for k in ("code", "kind", "message_en", "message_fr") if not item.get(k)]
        if missing:
            raise RuleError(f"rule {i} lacks {', '.join(missing)}")
        if item["kind"] not in KINDS:
            raise RuleError(f"rule {item['code']}: unknown kind {item['kind']!r}")
        phases = item.get("phases")
        if (
            not isinstance(phases, list)
            or not phases
            or not all(isinstance(p, int) and 1 <= p <= 4 for p in phases)
        ):
            raise RuleError(f"rule {item['code']}: phases must be a list of numbers 1 to 4")
        if item.get("headline") not in ("yes", "no", "dont_know"):
            raise RuleError(f"rule {item['code']}: headline must be yes, no or dont_know")
        rules.append(
            Rule(
                code=item["code"],
                kind=item["kind"],
                headline=item["headline"],
                phases=frozenset(phases),
                message_en=item["message_en"],
                message_fr=item["message_fr"],
            )
        )
    return rules


def check(
    rules: Iterable[Rule], capability_codes: Iterable[str], values: Mapping[str, str], lang: str
) -> list[Finding]:
    """What the answers ``values`` (question code → canonical value) break, capability by
    capability in the order given. Unanswered questions break nothing."""
    rules = list(rules)
    findings = []
    for cap in capability_codes:
        headline, maturity = f"{cap}.in_place", f"{cap}.maturity"
        answer, phase = values.get(headline, ""), values.get(maturity, "")
        if not answer or not phase.isdigit():
            continue
        for rule in rules:
            broken = rule.kind == "headline_maturity" and answer == rule.headline
            if broken and int(phase) not in rule.phases:
                findings.append(
                    Finding(
                        rule=rule.code,
                        capability=cap,
                        question_codes=(headline, maturity),
                        message=rule.message(lang, phase=phase),
                    )
                )
    return findings
