"""Protocol documents generated from a protocol file: the prescriber order set, the pharmacy
compounding sheet and the nursing administration guide.

Each document opens with its clinical content, after a short boxed statement of its approval
state; the table of the protocol's site-decision values (no published value exists; the
institution approves each one) is its appendix. Every printed value carries a footnote with its
status and source. The numbers come from the clinical core, so the paper cannot disagree with the
software.

Examples
--------
>>> from anakinra_iv.protocol import get_protocol
>>> documents = create_protocol_documents(get_protocol("adult-mas-civ"))
>>> [d.slug for d in documents]
['order-set', 'compounding-sheet', 'nursing-guide']
>>> [documents[0].sections[i].title for i in (0, 1, -1)]
['Patient and indication', 'Dose', 'Appendix: values awaiting institutional approval']
"""

from __future__ import annotations

from pathlib import Path

from anakinra_iv.compounding import get_pump_entry
from anakinra_iv.protocol import ContinuousRegimen, Protocol, Value
from anakinra_iv.reports._values import cite, get_value_map, show_value, value_cell
from anakinra_iv.reports.display import show_amount
from anakinra_iv.reports.document import (
    Block,
    Cell,
    Document,
    FootnoteBook,
    Paragraph,
    Section,
    Table,
)
from anakinra_iv.reports.ladder_tables import (
    calculate_ladder_rows,
    create_compounding_sections,
    create_nursing_sections,
    get_example_weights,
)
from anakinra_iv.reports.render import render_html, write_pdf

__all__ = [
    "OFF_LABEL",
    "create_approval_notice",
    "create_front_page",
    "create_order_set",
    "create_protocol_documents",
    "write_protocol_documents",
]

OFF_LABEL = (
    "Decision support for qualified clinicians. IV anakinra is off-label. Protocol values are "
    "templates: the institution reviews and approves each one before use."
)


def create_approval_notice(protocol: Protocol, approval: str | None = None) -> tuple[Block, ...]:
    """The boxed statement a document opens with: off-label use, and whether the protocol's
    site-decision values are approved (they are listed in the appendix)."""
    count = protocol.count_site_decisions()
    blocks: list[Block] = [Paragraph(OFF_LABEL, style="warning")]
    if protocol.historical:
        blocks.append(
            Paragraph("Historical comparator regimen: not a treatment protocol.", style="warning")
        )
    if approval:
        blocks.append(
            Paragraph(
                f"Approval on record: {approval}. The {count} site-decision values are listed "
                "in the appendix."
            )
        )
    else:
        blocks.append(
            Paragraph(
                f"NOT APPROVED: {count} values have no published value and no recorded approval "
                "(appendix); the institution must review and approve each one before use.",
                style="warning",
            )
        )
    return tuple(blocks)


def create_front_page(protocol: Protocol, approval: str | None = None) -> Section:
    """The appendix of site-decision values: every value awaiting approval, with its source.

    ``approval`` describes a recorded approval (who, when); without it the values are listed as
    not approved.
    """
    decisions = [(path, p) for path, p in protocol.iter_values() if p.is_site_decision]
    rows = []
    for path, item in decisions:
        shown = getattr(item, "text", None) or (
            show_value(item) if isinstance(item, Value) else "(rule or setting)"
        )
        rows.append((Cell(path), Cell(str(shown)), Cell(item.source), Cell(item.note or "-")))
    blocks: list[Block] = [
        Paragraph(f"{protocol.title} - {protocol.id} version {protocol.version}"),
        Paragraph(OFF_LABEL, style="warning"),
    ]
    if protocol.historical:
        blocks.append(
            Paragraph("Historical comparator regimen: not a treatment protocol.", style="warning")
        )
    if approval:
        blocks.append(Paragraph(f"Approval on record: {approval}."))
        status = "approved with the protocol version above"
    else:
        status = "NOT APPROVED"
        blocks.append(
            Paragraph(
                f"{len(decisions)} site-decision values have no published value and no recorded "
                "approval: the institution must review and approve each one before use.",
                style="warning",
            )
        )
    blocks.append(
        Table(
            f"Site-decision values ({len(decisions)}, {status})",
            ("path", "value", "source", "note"),
            tuple(rows),
        )
    )
    return Section("Appendix: values awaiting institutional approval", tuple(blocks), new_page=True)


def create_order_set(protocol: Protocol, approval: str | None = None) -> Document:
    """The prescriber order set."""
    book = FootnoteBook()
    paths = get_value_map(protocol)
    population = protocol.population
    sections = [
        Section(
            "Patient and indication",
            (
                *create_approval_notice(protocol, approval),
                Paragraph(population.description, (cite(book, paths, population.provenance),)),
                Table(
                    "Population",
                    ("item", "value"),
                    (
                        (Cell("Minimum age"), value_cell(book, paths, population.min_age)),
                        (Cell("Maximum age"), value_cell(book, paths, population.max_age)),
                        (Cell("Minimum weight"), value_cell(book, paths, population.min_weight)),
                        (Cell("Maximum weight"), value_cell(book, paths, population.max_weight)),
                    ),
                ),
                Paragraph("[ ] Weight measured today: ______ kg (date/time ________)"),
                Paragraph("[ ] Serum creatinine: ______ (date/time ________)"),
            ),
        ),
        _dose_section(protocol, book, paths),
        _rules_section(protocol, book, paths),
        create_front_page(protocol, approval),
    ]
    return Document(
        "order-set",
        "Prescriber order set",
        f"{protocol.title} ({protocol.id} v{protocol.version})",
        tuple(sections),
        book.footnotes,
        OFF_LABEL,
    )


def _dose_section(protocol: Protocol, book: FootnoteBook, paths: dict[int, str]) -> Section:
    limits = protocol.limits
    blocks: list[Block] = []
    if protocol.loading_dose is not None:
        blocks.append(
            Paragraph(
                f"[ ] Loading dose: anakinra {show_value(protocol.loading_dose)} IV before the "
                "infusion starts.",
                (cite(book, paths, protocol.loading_dose),),
            )
        )
    regimen = protocol.regimen
    weight = get_example_weights(protocol)[0]
    if isinstance(regimen, ContinuousRegimen):
        per_kg = protocol.is_weight_based
        rows = []
        for step, value in enumerate(regimen.ladder, start=1):
            rate = value.quantity.to("mg/kg/h" if per_kg else "mg/h")
            rows.append(
                (
                    Cell(f"[ ] {step}"),
                    value_cell(book, paths, value),
                    Cell(show_amount(rate, "mg/kg/h" if per_kg else "mg/h")),
                )
            )
        blocks.append(
            Table(
                "Dose ladder: tick one step (continuous IV infusion, rate = daily dose / 24 h)",
                ("step", "daily dose", "dose rate"),
                tuple(rows),
            )
        )
        blocks.append(
            Paragraph(
                f"Starting step: {regimen.first_step.text}",
                (cite(book, paths, regimen.first_step),),
            )
        )
        if regimen.duration is not None:
            blocks.append(
                Paragraph(
                    f"Duration: {show_value(regimen.duration)}",
                    (cite(book, paths, regimen.duration),),
                )
            )
    else:
        row = calculate_ladder_rows(protocol, weight.quantity)[0]
        blocks.append(
            Table(
                "Intermittent IV doses",
                ("dose", "every", "infused over", "maximum per dose", "example"),
                (
                    (
                        value_cell(book, paths, regimen.dose),
                        value_cell(book, paths, regimen.interval),
                        value_cell(book, paths, regimen.infusion_duration),
                        value_cell(book, paths, regimen.max_per_dose),
                        Cell(
                            f"{show_value(weight)}: {show_amount(row.bag.dose, 'mg')}",
                            (
                                book.cite(
                                    f"illustrative weight {show_value(weight)}",
                                    weight.status,
                                    weight.source,
                                    weight.note,
                                ),
                            ),
                        ),
                    ),
                ),
            )
        )
    blocks.append(
        Table(
            "Dose limits (per day)",
            ("soft minimum", "soft maximum", "hard minimum", "hard maximum", "absolute cap"),
            (
                (
                    value_cell(book, paths, limits.soft_min),
                    value_cell(book, paths, limits.soft_max),
                    value_cell(book, paths, limits.hard_min),
                    value_cell(book, paths, limits.hard_max),
                    value_cell(book, paths, limits.absolute_hard_max),
                ),
            ),
        )
    )
    blocks.append(
        Paragraph(
            "Above a soft limit the order needs a stated reason; above a hard limit it is refused.",
            style="item",
        )
    )
    entry = get_pump_entry(protocol, protocol.pump.care_areas[0])
    blocks.append(
        Paragraph(
            f"Pump dosing unit: {entry.dosing_unit}. {protocol.line.text}.",
            (cite(book, paths, protocol.line),),
        )
    )
    return Section("Dose", tuple(blocks))


def _rules_section(protocol: Protocol, book: FootnoteBook, paths: dict[int, str]) -> Section:
    blocks: list[Block] = []
    if protocol.review_interval is not None:
        blocks.append(
            Paragraph(
                f"Review every {show_value(protocol.review_interval)}; the first rule that holds "
                "applies.",
                (cite(book, paths, protocol.review_interval),),
            )
        )
    for rule in protocol.rules:
        action = (rule.action or rule.state or "").upper()
        notes = (cite(book, paths, rule),)
        text = f"{action}: {rule.text}"
        if rule.action in ("hold", "stop"):
            blocks.append(Paragraph(text, notes, "warning"))
        else:
            blocks.append(Paragraph(text, notes, "item"))
    renal = protocol.renal
    blocks.append(
        Paragraph(
            f"Renal function: below a creatinine clearance of {show_value(renal.threshold)} the "
            f"rate may be scaled by {show_value(renal.severe_ratio)} (below "
            f"{show_value(renal.esrd_below)} or on haemodialysis by {show_value(renal.esrd_ratio)})"
            + (" on the prescriber's confirmation." if renal.requires_confirmation else "."),
            (
                cite(book, paths, renal.threshold),
                cite(book, paths, renal.severe_ratio),
                cite(book, paths, renal.esrd_below),
                cite(book, paths, renal.esrd_ratio),
            ),
        )
    )
    if renal.crrt_note is not None:
        blocks.append(Paragraph(renal.crrt_note.text, (cite(book, paths, renal.crrt_note),)))
    if protocol.transition is not None:
        blocks.append(
            Paragraph(
                f"Transition: {protocol.transition.text}",
                (cite(book, paths, protocol.transition),),
            )
        )
    if protocol.labs is not None:
        labs = protocol.labs
        blocks.append(
            Paragraph(
                f"[ ] Laboratory panel every {show_value(labs.interval)}: "
                f"{', '.join(labs.analytes)}.",
                (cite(book, paths, labs.interval),),
            )
        )
    return Section("Review, titration, renal function and monitoring", tuple(blocks))


def _document(
    protocol: Protocol, slug: str, title: str, approval: str | None, kind: str
) -> Document:
    book = FootnoteBook()
    body = (
        create_compounding_sections(protocol, book)
        if kind == "pharmacy"
        else create_nursing_sections(protocol, book)
    )
    first, *rest = body
    sections = [Section(first.title, (*create_approval_notice(protocol, approval), *first.blocks))]
    sections += rest
    sections.append(create_front_page(protocol, approval))
    subtitle = f"{protocol.title} ({protocol.id} v{protocol.version})"
    return Document(slug, title, subtitle, tuple(sections), book.footnotes, OFF_LABEL)


def create_protocol_documents(
    protocol: Protocol, approval: str | None = None
) -> tuple[Document, Document, Document]:
    """The order set, the compounding sheet and the nursing guide of ``protocol``."""
    return (
        create_order_set(protocol, approval),
        _document(
            protocol, "compounding-sheet", "Pharmacy compounding sheet", approval, "pharmacy"
        ),
        _document(protocol, "nursing-guide", "Nursing administration guide", approval, "nursing"),
    )


def write_protocol_documents(
    protocol: Protocol, directory: Path | str, approval: str | None = None
) -> list[Path]:
    """Write each document as HTML and PDF into ``directory``; return the paths written."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for document in create_protocol_documents(protocol, approval):
        stem = f"{protocol.id}-v{protocol.version}-{document.slug}"
        html = out / f"{stem}.html"
        html.write_text(render_html(document), encoding="utf-8")
        pdf = out / f"{stem}.pdf"
        write_pdf(document, pdf)
        written += [html, pdf]
    return written
