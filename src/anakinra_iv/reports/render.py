"""Render a :class:`~anakinra_iv.reports.document.Document` as HTML (jinja2) or PDF (reportlab).

Both renderers print the same sections, tables, figures and footnotes. PDFs are written with
reportlab's invariant mode, so the same document gives the same bytes. Every PDF page carries the
document's running header (for a patient's report: name, MRN and date of birth) and "page N of
M"; a heading or a table caption never ends a page (it moves to the next one with what it
introduces). A footnote marker stands apart from the number it follows: ``1,200 mg/day [13]``.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import jinja2
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Paragraph as PdfParagraph
from reportlab.platypus import Table as PdfTable

from anakinra_iv.reports.document import Document, Figure, Paragraph, Table

__all__ = ["render_html", "write_pdf"]


@dataclass(frozen=True)
class _BlockView:
    kind: str
    item: Paragraph | Table | Figure
    data: str = ""


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("anakinra_iv.reports", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )


def render_html(document: Document) -> str:
    """The document as one self-contained HTML page (figures embedded as PNG data).

    >>> from anakinra_iv.reports.document import Document, Section, Paragraph
    >>> doc = Document("x", "Title", "Sub", (Section("S", (Paragraph("a < b"),)),), ())
    >>> "a &lt; b" in render_html(doc)
    True
    """
    sections = [
        {
            "title": section.title,
            "new_page": section.new_page,
            "blocks": [_block_view(block) for block in section.blocks],
        }
        for section in document.sections
    ]
    view: dict[str, Any] = {
        "title": document.title,
        "subtitle": document.subtitle,
        "sections": sections,
        "footnotes": document.footnotes,
        "footer": document.footer,
        "running_header": document.running_header,
    }
    return _environment().get_template("document.html").render(document=view)


def _block_view(block: Paragraph | Table | Figure) -> _BlockView:
    if isinstance(block, Table):
        return _BlockView("table", block)
    if isinstance(block, Figure):
        return _BlockView("figure", block, base64.b64encode(block.png).decode("ascii"))
    return _BlockView("paragraph", block)


def _refs(notes: tuple[int, ...]) -> str:
    """Footnote markers, set apart from the text they follow: ``' [3] [7]'``.

    >>> _refs((3, 7))
    ' [3] [7]'
    """
    return "".join(f" [{n}]" for n in notes)


_KEEP_HEADING = 4 * cm
"""Space a heading needs below it on a page; with less, it starts the next page."""


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontSize=9, leading=11.5)
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontSize=16, alignment=0),
        "subtitle": ParagraphStyle("subtitle", parent=body, fontSize=11, leading=14),
        "heading": ParagraphStyle("heading", parent=base["Heading2"], fontSize=12, keepWithNext=1),
        "body": body,
        "item": ParagraphStyle("item", parent=body, leftIndent=12, bulletIndent=2),
        "warning": ParagraphStyle(
            "warning",
            parent=body,
            fontName="Helvetica-Bold",
            borderColor=colors.black,
            borderWidth=1,
            borderPadding=4,
            spaceBefore=6,
            spaceAfter=8,
        ),
        "cell": ParagraphStyle("cell", parent=body, fontSize=7.5, leading=9),
        "head": ParagraphStyle(
            "head", parent=body, fontSize=7.5, leading=9, fontName="Helvetica-Bold"
        ),
        "caption": ParagraphStyle("caption", parent=body, fontName="Helvetica-Bold"),
        "note": ParagraphStyle("note", parent=body, fontSize=7, leading=8.5),
    }


def _pdf_table(table: Table, styles: dict[str, ParagraphStyle], width: float) -> Flowable:
    data = [[PdfParagraph(escape(h), styles["head"]) for h in table.header]]
    for row in table.rows:
        data.append(
            [PdfParagraph(escape(cell.text) + _refs(cell.notes), styles["cell"]) for cell in row]
        )
    pdf_table = PdfTable(
        data, colWidths=[width / len(table.header)] * len(table.header), repeatRows=1
    )
    pdf_table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.85, 0.85, 0.85)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    caption = PdfParagraph(escape(table.caption), styles["caption"])
    if len(data) < 25:
        return KeepTogether([caption, Spacer(1, 3), pdf_table])
    return KeepTogether([CondPageBreak(_KEEP_HEADING), caption, Spacer(1, 3), pdf_table])


def _flowables(document: Document, width: float, height: float) -> list[Flowable]:
    styles = _styles()
    story: list[Flowable] = [
        PdfParagraph(escape(document.title), styles["title"]),
        PdfParagraph(escape(document.subtitle), styles["subtitle"]),
        Spacer(1, 8),
    ]
    for section in document.sections:
        if section.new_page:
            story.append(PageBreak())
        story.append(CondPageBreak(_KEEP_HEADING))
        story.append(PdfParagraph(escape(section.title), styles["heading"]))
        for block in section.blocks:
            if isinstance(block, Table):
                story += [_pdf_table(block, styles, width), Spacer(1, 8)]
            elif isinstance(block, Figure):
                image = Image(io.BytesIO(block.png))
                scale = min(
                    min(block.width_cm * cm, width) / image.imageWidth,
                    (height - 40) / image.imageHeight,
                )
                image.drawWidth = image.imageWidth * scale
                image.drawHeight = image.imageHeight * scale
                story += [image, PdfParagraph(escape(block.caption), styles["note"])]
            else:
                text = escape(block.text) + _refs(block.notes)
                bullet = "-" if block.style == "item" else None
                story.append(PdfParagraph(text, styles[block.style], bulletText=bullet))
    if document.footnotes:
        story.append(PageBreak())
        story.append(PdfParagraph("Notes: status and source of every value", styles["heading"]))
        for note in document.footnotes:
            story.append(PdfParagraph(f"{note.number}. {escape(note.text)}", styles["note"]))
    return story


def _is_wide(document: Document) -> bool:
    return any(
        isinstance(b, Table) and len(b.header) > 8
        for section in document.sections
        for b in section.blocks
    )


def write_pdf(document: Document, path: Path | str) -> Path:
    """Write ``document`` as a PDF (A4; landscape when a table has more than eight columns)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    pagesize = landscape(A4) if _is_wide(document) else A4
    margin = 1.5 * cm
    template = SimpleDocTemplate(
        str(target),
        pagesize=pagesize,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin + 0.5 * cm,
        title=f"{document.title} - {document.subtitle}",
        author="anakinra-iv",
        invariant=1,
    )
    footer, header = document.footer, document.running_header

    class _NumberedCanvas(Canvas):
        """A canvas that holds every page until the end, to print "page N of M" on each."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()  # type: ignore[attr-defined]

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            self.saveState()
            self.setFont("Helvetica", 7)
            if header:
                self.drawString(margin, pagesize[1] - margin * 0.6, header[:160])
            self.drawString(margin, margin * 0.6, footer[:180])
            self.drawRightString(
                pagesize[0] - margin,
                margin * 0.6 - 9,
                f"{document.title} - page {self.getPageNumber()} of {total}",
            )
            self.restoreState()

    template.build(
        _flowables(document, pagesize[0] - 2 * margin, pagesize[1] - 2 * margin - 0.5 * cm),
        canvasmaker=_NumberedCanvas,
    )
    return target
