"""Protocol documents: numbers from the clinical core, every value footnoted, front page of
site decisions, HTML and PDF that open; the `protocol document` command."""

from __future__ import annotations

import json
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from typer.testing import CliRunner

from anakinra_iv.cli.main import app
from anakinra_iv.protocol import STATUSES, get_protocol, list_protocols
from anakinra_iv.reports.document import Document, Table
from anakinra_iv.reports.protocol_documents import (
    create_protocol_documents,
    write_protocol_documents,
)

ADULT = get_protocol("adult-mas-civ")


def _table(document: Document, caption_start: str) -> Table:
    for section in document.sections:
        for block in section.blocks:
            if isinstance(block, Table) and block.caption.startswith(caption_start):
                return block
    raise AssertionError(f"no table {caption_start!r}")


def test_compounding_table_matches_hand_calculation() -> None:
    """Step 3: 1,200 mg/day x 12 h = 600 mg = 6 syringes of 100 mg; 600 / 150 = 4.00 mL;
    600 mg / 100 mL = 6 mg/mL; 100 mL / 12 h = 8.3 mL/h; kept cold until hung, BUD 24 h
    (USP 797 Category 1 refrigerated)."""
    sheet = create_protocol_documents(ADULT)[1]
    rows = _table(sheet, "Bag for each step").rows
    row = [cell.text for cell in rows[2]]
    assert row == [
        "3",
        "1,200 mg/day",
        "600 mg",
        "6",
        "4.00 mL",
        "0 mg",
        "4.00 mL",
        "100 mL",
        "6 mg/mL",
        "8.3 mL/h",
        "24 h after preparation",
    ]
    assert [r[0].text for r in rows] == ["1", "2", "3", "4", "5 (reason)", "6 (reason)"]


def test_nursing_guide_pump_programme() -> None:
    """Step 6: 2,400 mg/day / 24 = 100 mg/h at 12 mg/mL = 8.3 mL/h; 2 bags per 24 h."""
    guide = create_protocol_documents(ADULT)[2]
    row = [c.text for c in _table(guide, "Pump programme for each step").rows[5]]
    assert row == ["6", "100 mg/h", "12 mg/mL", "8.3 mL/h", "100 mL", "12 h", "every 12 h", "2"]


@pytest.mark.parametrize("protocol", list_protocols(), ids=lambda p: p.id)
def test_front_page_lists_every_site_decision_and_notes_are_complete(protocol) -> None:  # type: ignore[no-untyped-def]
    """The front page table has one row per site-decision value; every cited note exists and
    carries a known status and a source."""
    for document in create_protocol_documents(protocol):
        front = _table(document, "Site-decision values")
        assert len(front.rows) == protocol.count_site_decisions()
        assert "NOT APPROVED" in front.caption
        numbers = {n.number for n in document.footnotes}
        cited = {
            n
            for section in document.sections
            for block in section.blocks
            for n in (
                [n for row in block.rows for cell in row for n in cell.notes]
                if isinstance(block, Table)
                else list(getattr(block, "notes", ()))
            )
        }
        assert cited == numbers
        assert all(n.status in STATUSES and n.source for n in document.footnotes)


def test_weight_based_protocol_prints_illustrative_weights() -> None:
    """Paediatric mg/kg/day: one bag table per illustrative weight, each flagged as illustration."""
    sheet = create_protocol_documents(get_protocol("paediatric-mas-civ"))[1]
    captions = [b.caption for s in sheet.sections for b in s.blocks if isinstance(b, Table)]
    assert [c for c in captions if c.startswith("Bag for each step")] == [
        "Bag for each step - for a patient of 10 kg",
        "Bag for each step - for a patient of 25 kg",
        "Bag for each step - for a patient of 50 kg",
    ]


def test_written_html_and_pdf_open(tmp_path: Path) -> None:
    """Six files; each PDF opens, has pages, shows its title and the off-label warning, renders."""
    written = write_protocol_documents(ADULT, tmp_path)
    assert len(written) == 6
    for path in (p for p in written if p.suffix == ".pdf"):
        pdf = pdfium.PdfDocument(path)
        assert len(pdf) >= 3
        text = "\n".join(page.get_textpage().get_text_range() for page in pdf)
        assert "IV anakinra is off-label" in text and "Notes: status and source" in text
        assert pdf[0].render(scale=0.5).to_pil().size[0] > 100
    html = (tmp_path / "adult-mas-civ-v1-compounding-sheet.html").read_text()
    count = ADULT.count_site_decisions()
    assert "<td>4.00 mL <sup>" in html and f"Site-decision values ({count}, NOT APPROVED)" in html


def test_cli_protocol_document(tmp_path: Path) -> None:
    """`protocol document ID --out DIR` writes six files; an unknown id exits 2, stdout empty."""
    runner = CliRunner()
    result = runner.invoke(app, ["protocol", "document", "adult-mas-civ", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert len(payload["files"]) == 6 and payload["site_decisions"] == ADULT.count_site_decisions()
    result = runner.invoke(app, ["protocol", "document", "nope", "--out", str(tmp_path)])
    assert result.exit_code == 2 and result.stdout == ""
    assert "unknown protocol 'nope'" in result.stderr
