"""Printouts fit for the chart: the course report names the patient on every page with "page N
of M", never strands a heading at the bottom of a page, draws time axes that span the data (one
point included) in the site's zone; the predicted band appears for a running infusion; protocol
documents open with clinical content and keep footnote markers apart from the numbers."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pypdfium2 as pdfium
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.dates import num2date

from anakinra_iv.protocol import get_protocol
from anakinra_iv.reports.course_data import CourseReportData, LabSeries
from anakinra_iv.reports.course_report import calculate_pk_band, write_course_report
from anakinra_iv.reports.plots import create_score_figure, get_time_span, plot_course_timeline
from anakinra_iv.reports.protocol_documents import create_protocol_documents
from anakinra_iv.reports.render import render_html
from tests.reports.conftest import T0


def _pages(path: Path) -> list[str]:
    pdf = pdfium.PdfDocument(path)
    return [" ".join(page.get_textpage().get_text_range().split()) for page in pdf]


def test_every_page_names_the_patient_and_counts_its_pages(
    report_data: CourseReportData, tmp_path: Path
) -> None:
    """Each of the M pages carries 'Doe, Jane - MRN MRN-0001 - born ...' and 'page N of M'."""
    pages = _pages(write_course_report(report_data, tmp_path / "r.pdf"))
    total = len(pages)
    assert total >= 4
    born = "born 2 Mar 1971"
    for number, text in enumerate(pages, start=1):
        assert f"Doe, Jane - MRN MRN-0001 - {born}" in text, number
        assert f"page {number} of {total}" in text, number


def test_no_page_ends_with_a_heading(report_data: CourseReportData, tmp_path: Path) -> None:
    """The last words on a page are never a section heading or a table caption alone."""
    titles = (
        "Course",
        "Orders and overrides",
        "Administration and bags",
        "Recommendations and what was done",
        "Scores over time",
    )
    for text in _pages(write_course_report(report_data, tmp_path / "r.pdf")):
        body = text.split("Decision support for qualified clinicians")[0].strip()
        assert not any(body.endswith(t) for t in titles), body[-80:]


def test_times_are_in_the_report_zone(report_data: CourseReportData, tmp_path: Path) -> None:
    """With zone Europe/Paris, bag 1's beyond-use time 19:00 UTC prints as 20:00 CET."""
    paris = replace(report_data, zone="Europe/Paris")
    text = " ".join(_pages(write_course_report(paris, tmp_path / "r.pdf")))
    assert "5 Jan 2026 20:00 CET" in text and "times in Europe/Paris" in text


@given(
    offsets=st.lists(st.floats(min_value=0, max_value=24 * 30), min_size=0, max_size=20),
)
def test_a_time_axis_spans_its_data_and_at_least_six_hours(offsets: list[float]) -> None:
    """Property: the span holds every moment, is never narrower than 6 h, and when there are
    moments it is centred on them with at most 5% (or what 6 h needs) either side."""
    moments = [T0 + timedelta(hours=h) for h in offsets]
    low, high = get_time_span(moments, T0)
    assert high - low >= timedelta(hours=6) - timedelta(microseconds=1)
    for moment in moments or [T0]:
        assert low <= moment <= high
    if moments:
        data = max(moments) - min(moments)
        assert high - low <= max(data * 1.1, timedelta(hours=6)) + timedelta(microseconds=2)


def test_one_lab_value_gets_a_readable_axis(report_data: CourseReportData) -> None:
    """A course of one ferritin and no infusion: the timeline's axis spans hours around the
    point, not 1970 or years."""
    one = LabSeries("ferritin", "Ferritin", "ng/mL", ((T0, 2400.0),))
    data = replace(report_data, labs=(one,), segments=(), generated_at=T0)
    png = plot_course_timeline(data, "svg")
    assert b"1970" not in png and b"2030" not in png


def test_a_score_chart_with_one_point_spans_hours(report_data: CourseReportData) -> None:
    """One HScore: the axis runs 6 h around it."""
    scored = [s for s in report_data.scores if s.result is not None and s.result.points][:1]
    figure = create_score_figure(scored, 169, "cut-off", zone=ZoneInfo("UTC"))
    low, high = figure.axes[0].get_xlim()
    span = num2date(high) - num2date(low)
    assert timedelta(hours=5.9) < span < timedelta(hours=6.1)


def test_a_prediction_from_a_few_minutes_of_infusion(report_data: CourseReportData) -> None:
    """The demo's case: an infusion started moments ago (here 2 min 17 s, not a multiple of any
    step) still gives a band; before, the step grid refused it and no prediction appeared."""
    segment = replace(report_data.segments[0], started_at=T0, ended_at=None)
    band = calculate_pk_band(
        (segment,),
        weight="72 kg",
        crcl="76.8 mL/min",
        until=T0 + timedelta(minutes=2, seconds=17),
        rng=np.random.default_rng(3),
        n_subjects=20,
    )
    assert band is not None and band.p50[-1] > 0


@given(
    seconds=st.floats(min_value=1e-3, max_value=3600 * 24 * 14),
    rate=st.floats(min_value=0.1, max_value=100),
)
def test_any_infused_stretch_becomes_a_regimen_the_engine_reads(
    seconds: float, rate: float
) -> None:
    """Property (the class of the "no prediction" defect): however short or long a running
    segment, its regimen text is one the PK grammar reads, with the same duration."""
    from anakinra_iv.pk import parse_regimen
    from anakinra_iv.reports.course_data import ReportSegment
    from anakinra_iv.reports.course_report import get_regimen_text

    segment = ReportSegment("1", "start", T0, None, rate, rate / 6, "1", None)
    text = get_regimen_text((segment,), T0, T0 + timedelta(seconds=seconds))
    assert "e-" not in text and "e+" not in text
    assert parse_regimen(text) is not None


@pytest.mark.parametrize("document", create_protocol_documents(get_protocol("adult-mas-civ")))
def test_protocol_documents_open_with_clinical_content(document) -> None:  # type: ignore[no-untyped-def]
    """The first section is clinical (not the table of site-decision values, which is the last:
    the appendix); a footnote marker stands apart: '1,200 mg/day [n]'."""
    assert not document.sections[0].title.startswith("Appendix")
    assert document.sections[-1].title.startswith("Appendix: values awaiting")
    html = render_html(document)
    if document.slug == "order-set":
        assert "1,200 mg/day <sup>" in html and "1,200 mg/day<sup>" not in html


def test_the_loading_dose_raises_the_early_prediction(report_data: CourseReportData) -> None:
    """Superposition: with a 100 mg IV push at the start, the predicted median in the first hour
    is the infusion's alone plus a positive bolus term (same seed, same subjects)."""
    segment = replace(report_data.segments[0], started_at=T0, ended_at=None)
    common = {
        "weight": "70 kg",
        "crcl": "100 mL/min",
        "until": T0 + timedelta(hours=1),
        "n_subjects": 30,
    }
    alone = calculate_pk_band((segment,), rng=np.random.default_rng(5), **common)  # type: ignore[arg-type]
    loaded = calculate_pk_band(
        (segment,),
        rng=np.random.default_rng(5),
        boluses=((T0, 100.0),),
        **common,  # type: ignore[arg-type]
    )
    assert alone is not None and loaded is not None
    assert all(b > a for a, b in zip(alone.p50[1:], loaded.p50[1:], strict=True))
