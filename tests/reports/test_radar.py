"""The radar: one geometry (charts.RadarGeometry) for the web chart (Plotly) and the print SVG."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from decimal import Decimal

from django.utils import translation

from capabilities.scoring import DomainMaturity
from reports import charts, svg

NAMES = [
    ("D1", "Policy and Governance", "Politique et gouvernance"),
    ("D2", "Criminal Justice", "Justice pénale"),
    ("D3", "Victim", "Victime"),
    ("D4", "Societal", "Société"),
    ("D5", "Industry", "Industrie"),
    ("D6", "Media and Communications", "Médias et communications"),
]
COHORTS = {
    "en": ("All countries", "Lower-middle income", "Sub-Saharan Africa"),
    "fr": ("Tous les pays", "Revenu intermédiaire, tranche inférieure", "Afrique subsaharienne"),
}
NS = "{http://www.w3.org/2000/svg}"


def domains(means):
    return [
        DomainMaturity(code, en, fr, None if m is None else Decimal(m), 3)
        for (code, en, fr), m in zip(NAMES, means, strict=True)
    ]


def spec(lang="en"):
    with translation.override(lang):
        return charts.radar_spec(
            [
                ("Ghana", domains(["1.5", "4", "2.3", "3", "1", "2.5"])),
                (COHORTS[lang][0], domains(["2", "2.5", None, "3.5", "2", "4"])),
                (COHORTS[lang][1], domains(["2", "2", "2", "2", "2", "2"])),
                (COHORTS[lang][2], domains([None] * 6)),
            ],
            lang=lang,
        )


def parse(text):
    return ET.fromstring(text)


def test_points_lie_where_the_geometry_puts_them():
    radar = spec()
    root = parse(svg.radar_svg(radar))
    cx, cy, radius = (float(root.get(k)) for k in ("data-cx", "data-cy", "data-radius"))
    points = [e for e in root.iter() if e.get("class") == "point"]
    expected = {
        (s, i): (v, radar.axes[i])
        for s, series in enumerate(radar.series)
        for i, v in enumerate(series.values)
        if v is not None
    }
    assert len(points) == len(expected) == 17  # one hidden cohort value has no point
    for element in points:
        s, i = int(element.get("data-series")), int(element.get("data-axis"))
        value, _axis = expected[(s, i)]
        x = float(element.get("cx") or element.get("data-cx"))
        y = float(element.get("cy") or element.get("data-cy"))
        # the spec's value on axis i: distance from the centre and angle clockwise from the top
        assert math.isclose(math.hypot(x - cx, y - cy), radius * value / 4, abs_tol=0.02)
        if value:
            angle = math.degrees(math.atan2(x - cx, cy - y)) % 360
            assert math.isclose(angle, 60 * i, abs_tol=0.05), (s, i, angle)
    # the first series is one closed outline through its points in axis order
    outline = next(e for e in root.iter() if e.get("class") == "series")
    coords = [tuple(map(float, p.split(","))) for p in outline.get("points").split()]
    assert coords == [
        charts.RadarGeometry(6).point(i, v, cx=cx, cy=cy, radius=radius)
        for i, v in enumerate(radar.series[0].values)
    ]


def test_grid_circles_are_whole_and_inside_the_drawing():
    root = parse(svg.radar_svg(spec()))
    width, height = (float(v) for v in root.get("viewBox").split()[2:])
    circles = [e for e in root.iter(f"{NS}circle") if e.get("class") == "grid"]
    assert [float(c.get("r")) for c in circles] == [30, 60, 90, 120]
    for c in circles:
        x, y, r = float(c.get("cx")), float(c.get("cy")), float(c.get("r"))
        assert x - r >= 0 and x + r <= width and y - r >= 0 and y + r <= height


def test_labels_sit_on_their_axis_outside_the_rim_and_never_overlap():
    for lang in ("en", "fr"):
        radar = spec(lang)
        layout = svg.radar_layout(radar)
        root = parse(svg.radar_svg(radar))
        texts = {
            int(e.get("data-axis")): e
            for e in root.iter(f"{NS}text")
            if e.get("class") == "axis-label"
        }
        assert sorted(texts) == list(range(6))
        for label in layout.labels:
            element = texts[label.axis]
            written = " ".join(t.text for t in element)
            assert written == radar.axes[label.axis]  # D1… in the spec's order
            angle = math.degrees(math.atan2(label.x - layout.cx, layout.cy - label.y_anchor)) % 360
            assert math.isclose(angle, 60 * label.axis, abs_tol=0.05)
            assert math.hypot(label.x - layout.cx, label.y_anchor - layout.cy) > layout.radius
        boxes = [label.box() for label in layout.labels]
        boxes += [
            (x, y - svg.RADAR_FONT, x + svg.legend_width(series.name) - 10, y + 2)
            for series, (x, y) in zip(radar.series, layout.legend, strict=True)
        ]
        ticks = [svg.tick_box(layout, radar, k) for k in range(1, 5)]
        everything = boxes + ticks
        for a in range(len(everything)):
            left, top, right, bottom = everything[a]
            assert left >= 0 and right <= layout.width and top >= 0 and bottom <= layout.height
            for b in range(a + 1, len(everything)):
                l2, t2, r2, b2 = everything[b]
                overlap = left < r2 and l2 < right and top < b2 and t2 < bottom
                assert not overlap, (lang, everything[a], everything[b])


def test_web_chart_uses_the_same_geometry():
    radar = spec()
    layout = charts.to_plotly(radar)["layout"]["polar"]
    assert layout["angularaxis"] == {"rotation": 90, "direction": "clockwise"}
    # Plotly's radial axis angle counts counter-clockwise from 3 o'clock: 90 - 30 = the ray
    # between D1 and D2, where the print chart writes the phase labels
    assert layout["radialaxis"]["angle"] == 60
    assert charts.radar_geometry(radar).tick_angle == 30
