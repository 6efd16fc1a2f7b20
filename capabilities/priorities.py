"""Priorities for action: a country's next steps, read from its answers and the framework's phases.

The rule (docs/scoring.md, "Priorities for action"), applied by ``rank_priorities``:

1. A capability is a priority when it is **not in place** (its headline answer is "no", "don't
   know" or missing) or its maturity phase is **below the target phase** (``TARGET_PHASE``,
   phase 3 "Established", when not given) or not answered.
2. Priorities are ranked: capabilities not in place first; then the lowest maturity phase
   first (no maturity answer counts as lowest); ties in the framework's order (domain, then
   capability).
3. Each priority names its **next phase** (the phase after the one answered, phase 1 without an
   answer, at most phase 4) with that phase's description for this capability (framework data,
   ``CapabilityPhase``) and, when the capability is not in place, what counts as in place
   (``Capability.in_place``) as guidance.

``rank_priorities`` is a pure function on plain data; ``action_plan(assessment, lang=...)`` loads
that data (4 queries) and calls it. The web profile, the printed country report and the CSV/XLSX
action plan all use ``action_plan``, so they list the same priorities in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

TARGET_PHASE = 3
MAX_PHASE = 4


@dataclass(frozen=True)
class CapabilityInput:
    """What the rule needs of one capability, in the framework's order."""

    code: str
    name: str
    domain_code: str
    domain_name: str
    in_place_guidance: str = ""
    phase_descriptions: Mapping[int, str] | None = None  # phase number -> description


@dataclass(frozen=True)
class Priority:
    rank: int
    code: str
    name: str
    domain_code: str
    domain_name: str
    in_place: str  # yes, no, dont_know or "" (no answer)
    phase: int | None  # the phase answered
    next_phase: int
    next_phase_name: str
    next_phase_description: str
    guidance: str  # what counts as in place; "" when the capability is in place

    @property
    def not_in_place(self) -> bool:
        return self.in_place != "yes"


def is_priority(in_place: str, phase: int | None, target: int = TARGET_PHASE) -> bool:
    return in_place != "yes" or phase is None or phase < target


def next_phase(phase: int | None) -> int:
    return min((phase or 0) + 1, MAX_PHASE)


def rank_priorities(
    capabilities: Sequence[CapabilityInput],
    statuses: Mapping[str, tuple[str, int | None]],
    *,
    target: int = TARGET_PHASE,
    phase_names: Mapping[int, str] | None = None,
) -> tuple[Priority, ...]:
    """The priorities of one assessment, ranked by the module's rule.

    ``capabilities`` in framework order; ``statuses`` maps a capability code to
    (headline answer, maturity phase or None); a code missing from it has no answer.
    """
    found = []
    for order, cap in enumerate(capabilities):
        in_place, phase = statuses.get(cap.code, ("", None))
        if not is_priority(in_place, phase, target):
            continue
        found.append((in_place != "yes", phase or 0, order, cap, in_place, phase))
    found.sort(key=lambda item: (not item[0], item[1], item[2]))
    out = []
    for rank, (not_in_place, _phase, _order, cap, in_place, phase) in enumerate(found, start=1):
        step = next_phase(phase)
        out.append(
            Priority(
                rank=rank,
                code=cap.code,
                name=cap.name,
                domain_code=cap.domain_code,
                domain_name=cap.domain_name,
                in_place=in_place,
                phase=phase,
                next_phase=step,
                next_phase_name=(phase_names or {}).get(step, ""),
                next_phase_description=(cap.phase_descriptions or {}).get(step, ""),
                guidance=cap.in_place_guidance if not_in_place else "",
            )
        )
    return tuple(out)


def action_plan(
    assessment, *, lang: str, target: int = TARGET_PHASE, statuses: Iterable | None = None
) -> tuple[Priority, ...]:
    """The ranked priorities of ``assessment`` in ``lang`` (access checked by the caller).
    4 queries; 3 when the caller already has the assessment's ``statuses`` (the
    ``CapabilityStatus`` rows of ``aggregates.country_profile``), which are then not read again."""
    from . import aggregates
    from .models import Capability, CapabilityPhase, MaturityPhase

    framework_id = assessment.cycle.framework_id
    capabilities = list(
        Capability.objects.filter(framework_id=framework_id)
        .select_related("domain")
        .order_by("domain__order", "domain__code", "order", "code")
    )
    descriptions: dict[int, dict[int, str]] = {}
    for phase in CapabilityPhase.objects.filter(capability__framework_id=framework_id):
        descriptions.setdefault(phase.capability_id, {})[phase.number] = phase.tr(
            "description", lang
        )
    phase_names = {
        p.number: p.tr("name", lang)
        for p in MaturityPhase.objects.filter(framework_id=framework_id)
    }
    if statuses is None:
        statuses = aggregates.statuses_of(assessment)
    by_code = {s.code: (s.in_place, s.maturity) for s in statuses}
    return rank_priorities(
        [
            CapabilityInput(
                code=c.code,
                name=c.tr("name", lang),
                domain_code=c.domain.code,
                domain_name=c.domain.tr("name", lang),
                in_place_guidance=c.tr("in_place", lang),
                phase_descriptions=descriptions.get(c.pk, {}),
            )
            for c in capabilities
        ],
        by_code,
        target=target,
        phase_names=phase_names,
    )


def codes(priorities: Iterable[Priority]) -> list[str]:
    return [p.code for p in priorities]
