"""The patient-course report: text content, page count, PDF opens and renders to PNG."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest

from anakinra_iv.reports.course_data import CourseReportData
from anakinra_iv.reports.course_report import (
    calculate_pk_band,
    create_course_report,
    get_regimen_text,
    write_course_report,
)
from tests.interop.conftest import sqlite_services, sqlite_ward
from tests.reports.conftest import T0

__all__ = ["sqlite_services", "sqlite_ward"]


def _pdf_text(path: Path) -> tuple[int, str]:
    pdf = pdfium.PdfDocument(path)
    text = " ".join(page.get_textpage().get_text_range() for page in pdf)
    return len(pdf), " ".join(text.split())  # table cells wrap lines: compare words


def test_regimen_text_skips_interruptions(report_data: CourseReportData) -> None:
    """Running segments become civ lines: 0-12 h, 12-20 h and 21-24 h at 50 mg/h."""
    text = get_regimen_text(report_data.segments, T0, report_data.generated_at)
    assert text == (
        "50 mg/h civ for 12 h at 0 h; 50 mg/h civ for 8 h at 12 h; 50 mg/h civ for 3 h at 21 h"
    )


def test_pk_band_is_ordered_and_near_steady_state(report_data: CourseReportData) -> None:
    """5th <= median <= 95th everywhere; the median at 20 h is near Css = 50 mg/h / CL."""
    band = calculate_pk_band(
        report_data.segments,
        weight="70 kg",
        crcl="100 mL/min",
        until=report_data.generated_at,
        rng=np.random.default_rng(1),
        n_subjects=100,
    )
    assert band is not None
    lows, mids, highs = map(np.asarray, (band.p5, band.p50, band.p95))
    assert np.all(lows <= mids + 1e-12) and np.all(mids <= highs + 1e-12)
    # the package docstring: 100 mg/h for 48 h gives 12.2 mg/L, so 50 mg/h gives about 6.1
    index = min(
        range(len(band.times)), key=lambda i: abs((band.times[i] - T0).total_seconds() - 20 * 3600)
    )
    assert mids[index] == pytest.approx(6.1, rel=0.25)
    assert mids[-1] < mids[index] / 4  # a day after the stop, most of the drug has gone


def test_report_pdf_has_its_content_and_renders(
    report_data: CourseReportData, tmp_path: Path
) -> None:
    """The PDF names the patient, the override with its reason, both bags' lots and beyond-use
    times, the interruption's reason, the recommendation and what was done, the scores; 7 pages
    (patient, timeline, orders, administration, recommendations, scores and barcode checks on
    their own pages)."""
    path = write_course_report(report_data, tmp_path / "report.pdf")
    pages, text = _pdf_text(path)
    assert pages == 7
    for expected in (
        "Doe, Jane",
        "MRN-0001",
        "refractory to SC anakinra",
        "LOT-A1, LOT-A2",
        "LOT-B7",
        "5 Jan 2026 19:00 UTC",  # bag 1 beyond use: prepared 07:00 + 12 h
        "6 Jan 2026 07:00 UTC",  # bag 2 beyond use
        "line occluded",
        "step 5: 2,000 mg/day",
        "order 1: 2,000 mg/day, now stopped",
        "Scores over time",
        "148 points (148 to 337 possible)",
        "3 of 8 criteria met (at least 5 needed)",
        "HLH-2004 diagnostic criteria",
        "not established",
        "Barcode checks",
        "No barcode check was recorded for this patient.",
    ):
        assert expected in text, expected
    image = pdfium.PdfDocument(path)[1].render(scale=1).to_pil()
    png = tmp_path / "page.png"
    image.save(png)
    assert png.stat().st_size > 10_000
    grey = np.asarray(image.convert("L"))
    assert grey.min() < 50 and grey.max() > 200  # ink on paper, not a blank page


def test_scores_page_renders_with_the_hscore_plot(
    report_data: CourseReportData, tmp_path: Path
) -> None:
    """The page that starts 'Scores over time' renders to a PNG with ink (the plot and table)."""
    path = write_course_report(report_data, tmp_path / "report.pdf")
    pdf = pdfium.PdfDocument(path)
    (index,) = [
        i
        for i, page in enumerate(pdf)
        if "Scores over time" in page.get_textpage().get_text_range()
    ]
    image = pdf[index].render(scale=1.5).to_pil()
    image.save(tmp_path / "scores.png")
    grey = np.asarray(image.convert("L"))
    assert grey.min() < 50 and grey.max() > 200
    assert (grey < 128).mean() > 0.01  # more than a heading: a figure and a table


def test_report_html_embeds_every_figure_and_section(
    report_data: CourseReportData, tmp_path: Path
) -> None:
    """HTML report: the timeline, the PK figure when a band is given and the HScore plot; the
    same overrides, bags, recommendations and scores as the PDF."""
    band = calculate_pk_band(
        report_data.segments,
        weight="70 kg",
        crcl="100 mL/min",
        until=report_data.generated_at,
        rng=np.random.default_rng(2),
        n_subjects=50,
    )
    path = write_course_report(replace(report_data, pk=band), tmp_path / "report.html")
    html = path.read_text()
    assert html.count("data:image/png;base64,") == 3
    for expected in (
        "Predicted plasma concentration",
        "refractory to SC anakinra",
        "LOT-B7",
        "6 Jan 2026 07:00 UTC",
        "line occluded",
        "Recommendations shown and what was done next",
        "HScore (reactive haemophagocytic syndrome) (source fardet-2014; cut-off &gt;= 169)",
        "84 points (84 to 273 possible)",
        "1 of 8 criteria met (at least 5 needed)",
    ):
        assert expected in html, expected


def test_without_infusion_the_report_says_so(report_data: CourseReportData) -> None:
    """No segment: no concentration is predicted and the report states it."""
    document = create_course_report(replace(report_data, segments=()))
    texts = [b.text for s in document.sections for b in s.blocks if hasattr(b, "text")]
    assert "No infusion was recorded: no concentration is predicted." in texts


def test_cli_report_of_a_stored_course(sqlite_ward, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`report --patient ID --out FILE.pdf` writes a PDF naming the patient and the bag lots."""
    from typer.testing import CliRunner

    from anakinra_iv.cli.main import app
    from tests.workflow_support.fixtures import start_running

    start_running(sqlite_ward)
    sqlite_ward.clock.advance(hours=6)
    monkeypatch.setenv("ANAKINRA_DATABASE_URL", str(sqlite_ward.services.engine.url))
    out = tmp_path / "course.pdf"
    args = ["report", "--patient", str(sqlite_ward.patient_id), "--out", str(out), "--user"]
    result = CliRunner().invoke(app, [*args, "viewer"])
    assert result.exit_code == 0, result.output
    pages, text = _pdf_text(out)
    assert pages >= 2 and "Doe, Jane" in text and "LOT-A1, LOT-A2" in text


def test_infusion_without_band_does_not_claim_there_was_no_infusion(
    report_data: CourseReportData,
) -> None:
    """Segments but no band (no weight or creatinine): the report says why, not 'no infusion'."""
    document = create_course_report(report_data)
    texts = [b.text for s in document.sections for b in s.blocks if hasattr(b, "text")]
    assert not any(t.startswith("No infusion") for t in texts)
    assert any(t.startswith("No concentration is predicted in this copy") for t in texts)
