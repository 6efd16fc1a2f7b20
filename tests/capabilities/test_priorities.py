"""Priorities for action: the documented rule on a crafted assessment (capabilities.priorities)."""

from __future__ import annotations

import pytest

from capabilities import priorities, services
from capabilities.priorities import CapabilityInput, rank_priorities


def caps(*codes: str) -> list[CapabilityInput]:
    return [
        CapabilityInput(
            code=code,
            name=f"Name {code}",
            domain_code="D1",
            domain_name="Domain",
            in_place_guidance=f"What counts for {code}",
            phase_descriptions={n: f"{code} phase {n}" for n in (1, 2, 3, 4)},
        )
        for code in codes
    ]


def test_not_in_place_first_then_lowest_phase_then_framework_order():
    statuses = {
        "C01": ("yes", 4),  # in place at the top phase: not a priority
        "C02": ("yes", 2),  # in place, below target
        "C03": ("no", 2),
        "C04": ("no", 1),
        "C05": ("dont_know", None),  # not in place, no phase: lowest
        "C06": ("yes", 3),  # in place at the target: not a priority
        "C07": ("yes", 1),
        "C08": ("no", 1),  # ties with C04: framework order
        # C09: no answer at all
        "C10": ("yes", None),  # in place, phase not answered: lowest of the in-place group
    }
    ranked = rank_priorities(caps(*[f"C{n:02}" for n in range(1, 11)]), statuses)
    assert priorities.codes(ranked) == ["C05", "C09", "C04", "C08", "C03", "C10", "C07", "C02"]
    assert [p.rank for p in ranked] == list(range(1, 9))


def test_next_phase_description_and_guidance():
    statuses = {"C01": ("no", 2), "C02": ("yes", 1), "C03": ("", None), "C04": ("no", 4)}
    ranked = {p.code: p for p in rank_priorities(caps("C01", "C02", "C03", "C04"), statuses)}
    assert (ranked["C01"].next_phase, ranked["C01"].next_phase_description) == (3, "C01 phase 3")
    assert ranked["C01"].guidance == "What counts for C01"
    assert (ranked["C02"].next_phase, ranked["C02"].guidance) == (2, "")  # in place: no guidance
    assert ranked["C03"].next_phase == 1
    assert ranked["C04"].next_phase == 4  # never beyond the last phase


def test_the_target_phase_is_a_parameter():
    statuses = {"C01": ("yes", 3), "C02": ("yes", 4)}
    assert priorities.codes(rank_priorities(caps("C01", "C02"), statuses)) == []
    assert priorities.codes(rank_priorities(caps("C01", "C02"), statuses, target=4)) == ["C01"]


@pytest.mark.django_db
def test_action_plan_reads_the_assessment_and_the_framework_texts(
    assessment_a, questions, focal_a, django_assert_num_queries
):
    by_code = {q.code: q for q in questions}
    for code, value in (
        ("C01.in_place", "yes"),
        ("C01.maturity", "4"),
        ("C02.in_place", "no"),
        ("C02.maturity", "2"),
        ("C03.in_place", "yes"),
        ("C03.maturity", "1"),
    ):
        services.answer_save(
            assessment=assessment_a,
            question=by_code[code],
            value=value,
            user=focal_a,
            base_version=0,
        )
    assessment_a.refresh_from_db()
    assert assessment_a.cycle.framework_id
    with django_assert_num_queries(4):
        plan = priorities.action_plan(assessment_a, lang="fr")
    assert "C01" not in priorities.codes(plan)
    assert len(plan) == 20  # 21 capabilities, C01 done
    c02 = next(p for p in plan if p.code == "C02")
    c03 = next(p for p in plan if p.code == "C03")
    assert plan.index(c02) < plan.index(c03)  # not in place before in place
    assert priorities.codes(plan)[-1] == "C03"
    assert c02.next_phase == 3 and c02.next_phase_name == "Établi"
    capability = by_code["C02.in_place"].capability
    assert c02.name == capability.name_fr
    assert c02.next_phase_description == capability.phases.get(number=3).description_fr
    assert c02.guidance == capability.in_place_fr
    assert c03.guidance == ""  # in place: the next phase is the step
