"""The printable document as plain data: sections of paragraphs, tables and figures, with
numbered footnotes.

Builders (:mod:`~anakinra_iv.reports.protocol_documents`,
:mod:`~anakinra_iv.reports.course_report`) produce a :class:`Document`; the renderers
(:mod:`~anakinra_iv.reports.render`) turn the same document into HTML and PDF, so the two never
disagree.

Examples
--------
>>> book = FootnoteBook()
>>> book.cite("limits.hard_max", "published", "monteagudo-2020")
1
>>> book.cite("x", "site-decision", "site")
2
>>> book.cite("limits.hard_max", "published", "monteagudo-2020")
1
>>> [n.number for n in book.footnotes]
[1, 2]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from anakinra_iv.errors import UnknownItem
from anakinra_iv.evidence import get_entry

__all__ = [
    "Block",
    "Cell",
    "Document",
    "Figure",
    "Footnote",
    "FootnoteBook",
    "Paragraph",
    "Section",
    "Table",
    "get_citation",
]


@dataclass(frozen=True)
class Cell:
    """One table cell: its text and the footnotes it cites."""

    text: str
    notes: tuple[int, ...] = ()


@dataclass(frozen=True)
class Paragraph:
    """A paragraph; ``style`` ``warning`` is printed boxed, ``item`` as a list item."""

    text: str
    notes: tuple[int, ...] = ()
    style: Literal["body", "warning", "item"] = "body"


@dataclass(frozen=True)
class Table:
    """A table with a caption, a header row and rows of cells."""

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Figure:
    """A PNG figure with its caption (alternative text in HTML)."""

    png: bytes
    caption: str
    width_cm: float = 17.0


Block = Paragraph | Table | Figure


@dataclass(frozen=True)
class Section:
    """A titled part of a document; ``new_page`` starts it on a fresh page."""

    title: str
    blocks: tuple[Block, ...]
    new_page: bool = False


@dataclass(frozen=True)
class Footnote:
    """Where a printed value comes from: its path, status and evidence source."""

    number: int
    label: str
    status: str
    source: str
    citation: str
    note: str = ""

    @property
    def text(self) -> str:
        """The footnote as one line."""
        note = f" - {self.note}" if self.note else ""
        return f"{self.label}: {self.status}; source {self.source} ({self.citation}){note}"


@dataclass(frozen=True)
class Document:
    """A whole document: a title, sections in print order and the footnotes they cite."""

    slug: str
    title: str
    subtitle: str
    sections: tuple[Section, ...]
    footnotes: tuple[Footnote, ...]
    footer: str = ""
    running_header: str = ""
    """Printed at the top of every page (a patient's name, MRN and date of birth)."""


def get_citation(source: str) -> str:
    """A short citation of an evidence-registry key (the key itself when it is not there).

    >>> get_citation("site")[:40]
    'Site decision: no published value exists'
    """
    try:
        entry = get_entry(source)
    except (UnknownItem, KeyError):
        return f"'{source}' is not in the evidence registry"
    citation = entry.citation
    return citation if len(citation) <= 160 else citation[:157].rstrip() + "..."


@dataclass
class FootnoteBook:
    """Numbers footnotes in order of first citation; the same label cites the same note."""

    _numbers: dict[str, int] = field(default_factory=dict)
    _notes: list[Footnote] = field(default_factory=list)

    def cite(self, label: str, status: str, source: str, note: str = "") -> int:
        """The number of the footnote for ``label`` (created on first citation)."""
        if label in self._numbers:
            return self._numbers[label]
        number = len(self._notes) + 1
        self._numbers[label] = number
        self._notes.append(Footnote(number, label, status, source, get_citation(source), note))
        return number

    @property
    def footnotes(self) -> tuple[Footnote, ...]:
        """Every footnote cited so far, in number order."""
        return tuple(self._notes)
