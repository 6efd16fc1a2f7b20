"""Chart specs carry every text a renderer needs; the Plotly figures are JSON and complete."""

import json

from django.utils import translation

from capabilities.aggregates import build_matrix
from capabilities.scoring import CapabilityRef, Counts, counts_from_rows
from reports import charts

C01 = CapabilityRef(
    "C01",
    "Leadership",
    "Direction",
    "D1",
    "Policy and Governance",
    "Politique et gouvernance",
    1,
    1,
)
C04 = CapabilityRef(
    "C04", "Dedicated Law Enforcement", "Police", "D2", "Criminal Justice", "Justice pénale", 4, 2
)


def matrix(by: str = ""):
    rows = [("C01", "high", "yes", 6), ("C01", "high", "no", 2), ("C01", "low", "yes", 1),
            ("C04", "high", "yes", 8), ("C04", "low", "dont_know", 1)]  # fmt: skip
    pops = {"": 9, "high": 8, "low": 1} if by else {"": 9}
    return build_matrix(cycle_code="t", capabilities=[C01, C04], counts=counts_from_rows(rows, by),
                        populations=pops, by=by, min_cell=5 if by else None)  # fmt: skip


def test_stacked_bar_spec_has_n_of_n_on_every_bar_and_domains():
    spec = charts.stacked_bar_spec(matrix(), cycle_name="Test", illustrative=True)
    assert [r.text for r in spec.rows] == ["7 of 9", "8 of 8"]
    assert [(r.yes_pct, r.no_pct) for r in spec.rows] == [(78, 22), (100, 0)]
    assert [r.domain for r in spec.rows] == ["Policy and Governance", "Criminal Justice"]
    assert spec.rows[1].no_answer == 1
    assert spec.illustrative and spec.illustrative_note
    figure = charts.to_plotly(spec)
    json.dumps(figure)
    assert figure["layout"]["yaxis"]["type"] == "multicategory"
    assert figure["data"][3]["text"] == ["7 of 9", "8 of 8"]


def test_breakdown_spec_has_one_panel_per_group_and_explains_suppression():
    spec = charts.breakdown_spec(matrix("income_group"))
    assert [p.title for p in spec.panels] == ["All countries (N = 9)", "High income (N = 8)",
                                              "Low income (N = 1)"]  # fmt: skip
    low = spec.panels[2].rows[0]
    assert low.suppressed and low.yes is None and "fewer than 5" in low.reason
    figure = charts.to_plotly(spec)
    json.dumps(figure)
    assert {t.get("xaxis") for t in figure["data"]} == {"x", "x2", "x3"}


def test_specs_are_translated_when_built():
    with translation.override("fr"):
        spec = charts.stacked_bar_spec(matrix())
    assert spec.rows[0].label == "C01 Direction"
    assert spec.rows[0].domain == "Politique et gouvernance"


def test_every_spec_renders_to_json():
    from decimal import Decimal

    from capabilities.scoring import DomainMaturity, Heatmap, HeatmapCountry, TrendPoint, score_cell

    domains = (DomainMaturity("D1", "Policy", "Politique", Decimal("2.5"), 2),
               DomainMaturity("D2", "Justice", "Justice", None, 0))  # fmt: skip
    radar = charts.radar_spec([("Country", domains)])
    assert radar.axes == ("D1 Policy", "D2 Justice")
    assert radar.series[0].values == (2.5, None)
    heat = charts.heatmap_spec(Heatmap("t", (HeatmapCountry("A", "A", "A"),), (C01, C04),
                                       (("A", "C01", "yes"),), (("A", "C01", 3),)))  # fmt: skip
    assert heat.z == ((1.0, None),) and heat.text[0][0] == "✓ 3"
    trend = charts.trend_spec([TrendPoint("t", "T", "T", score_cell("C01", "", Counts(9, 7, 2), None))],
                              capability_label="C01 Leadership")  # fmt: skip
    assert trend.points[0].text == "78% (7 of 9)"
    for spec in (radar, heat, trend):
        json.dumps(charts.to_plotly(spec))


def test_printed_bars_tell_yes_from_no_without_colour():
    from reports import svg

    out = svg.stacked_bars(
        ["C01", "C02"],
        [svg.Segment("Yes", svg.YES, (3, 2)), svg.Segment("No", svg.NO, (1, 2))],
        ["75% · 3 of 4", "50% · 2 of 4"],
        percent_of=[4, 4],
    )
    # The "No" series is hatched (an SVG pattern), the "Yes" series is a plain fill.
    assert "<pattern" in out
    assert out.count("fill: url(#") >= 2  # both "No" bars (and the legend swatch)
