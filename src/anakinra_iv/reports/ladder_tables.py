"""The pharmacy compounding sheet and the nursing administration guide of a protocol.

Both are tables over the protocol's ladder (or its one intermittent dose): each row is the plan
and the bag that the clinical core calculates for that step (:func:`calculate_dose_plan`,
:func:`calculate_bag`, :func:`get_pump_entry`), so the printed numbers are the software's.
Weight-based protocols are printed for the illustrative weights of ``data/documents.yaml``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources

from anakinra_iv.compounding import BagRecipe, calculate_bag, get_pump_entry
from anakinra_iv.dosing import DosePlan, calculate_dose_plan, create_patient
from anakinra_iv.errors import OverrideRequired
from anakinra_iv.protocol import ContinuousRegimen, Protocol, Value
from anakinra_iv.reports._values import cite, get_value_map, show_value, value_cell
from anakinra_iv.reports.display import show_amount
from anakinra_iv.reports.document import Cell, FootnoteBook, Paragraph, Section, Table
from anakinra_iv.units import Quantity, magnitude_in
from anakinra_iv.yaml_text import read_yaml

__all__ = [
    "LadderRow",
    "calculate_ladder_rows",
    "create_compounding_sections",
    "create_nursing_sections",
    "get_example_weights",
]

_ORIGIN = datetime(2000, 1, 1, tzinfo=UTC)  # any moment: only BUD minus preparation is printed
_SOFT_REASON = "printed protocol table: a prescriber states the reason for a real patient"


@dataclass(frozen=True)
class LadderRow:
    """One step (or the intermittent dose) for one weight: its plan and its bag."""

    label: str
    weight: Quantity
    plan: DosePlan
    bag: BagRecipe
    needs_reason: bool


@cache
def _example_weights() -> dict[str, tuple[Value, ...]]:
    text = resources.files("anakinra_iv.reports").joinpath("data/documents.yaml").read_text()
    data = read_yaml(text)["example_weights"]
    return {kind: tuple(Value.model_validate(v) for v in values) for kind, values in data.items()}


def get_example_weights(protocol: Protocol) -> tuple[Value, ...]:
    """The illustrative weights the printed tables use (one when the dose is not per kg)."""
    weights = _example_weights()[protocol.population.kind]
    return weights if protocol.is_weight_based else (weights[len(weights) // 2],)


def calculate_ladder_rows(protocol: Protocol, weight: Quantity) -> list[LadderRow]:
    """The plan and bag of every step of ``protocol`` for a patient of ``weight``.

    Examples
    --------
    >>> from anakinra_iv.protocol import get_protocol
    >>> from anakinra_iv.units import Q_
    >>> rows = calculate_ladder_rows(get_protocol("adult-mas-civ"), Q_(70, "kg"))
    >>> [(r.label, r.bag.syringes, r.bag.rate_ml_per_h_display) for r in rows][:2]
    [('1', 2, '8.3 mL/h'), ('2', 4, '8.3 mL/h')]
    """
    age = magnitude_in(protocol.population.min_age.quantity, "year")
    patient = create_patient(weight=weight, age=age, sex="female")
    steps: Sequence[int | None]
    if isinstance(protocol.regimen, ContinuousRegimen):
        steps = range(1, len(protocol.regimen.ladder) + 1)
    else:
        steps = (None,)
    rows = []
    for step in steps:
        needs_reason = False
        try:
            plan = calculate_dose_plan(protocol, patient, step=step)
        except OverrideRequired:
            needs_reason = True
            plan = calculate_dose_plan(protocol, patient, step=step, override_reason=_SOFT_REASON)
        bag = calculate_bag(protocol, plan, prepared_at=_ORIGIN)
        label = "dose" if step is None else str(step)
        rows.append(LadderRow(label, weight, plan, bag, needs_reason))
    return rows


def _weight_title(protocol: Protocol, weight: Value, book: FootnoteBook) -> tuple[str, int | None]:
    if not protocol.is_weight_based:
        return "", None
    return f" - for a patient of {show_value(weight)}", book.cite(
        f"illustrative weight {show_value(weight)}", weight.status, weight.source, weight.note
    )


def create_compounding_sections(protocol: Protocol, book: FootnoteBook) -> list[Section]:
    """The sections of the pharmacy compounding sheet."""
    paths = get_value_map(protocol)
    bag = protocol.bag
    product = Table(
        "Product and bag",
        ("item", "value"),
        (
            (Cell("Syringe (dose)"), value_cell(book, paths, bag.syringe_dose)),
            (Cell("Syringe (volume)"), value_cell(book, paths, bag.syringe_volume)),
            (Cell("Product concentration"), value_cell(book, paths, bag.product_concentration)),
            (Cell("Diluent"), Cell(bag.diluent.text, (cite(book, paths, bag.diluent),))),
            (Cell("Final volume"), value_cell(book, paths, bag.final_volume)),
            (Cell("Overfill removed"), value_cell(book, paths, bag.overfill)),
            (Cell("Hang time"), value_cell(book, paths, bag.hang_time)),
            (Cell("Draw precision"), value_cell(book, paths, bag.draw_precision)),
            (Cell("Beyond-use time"), value_cell(book, paths, protocol.beyond_use)),
            (Cell("Storage"), Cell(protocol.storage.text, (cite(book, paths, protocol.storage),))),
        ),
    )
    sections = [Section("Product, diluent and beyond-use time", (product,))]
    header = (
        "step",
        "daily dose",
        "drug in bag",
        "syringes",
        "mL to draw",
        "waste",
        "remove from bag",
        "final volume",
        "concentration",
        "pump rate",
        "BUD",
    )
    derived = (
        cite(book, paths, bag.hang_time),
        cite(book, paths, bag.product_concentration),
        cite(book, paths, bag.syringe_dose),
        cite(book, paths, protocol.beyond_use),
    )
    for weight in get_example_weights(protocol):
        suffix, weight_note = _weight_title(protocol, weight, book)
        rows = []
        first: LadderRow | None = None
        for row in calculate_ladder_rows(protocol, weight.quantity):
            first = first or row
            b = row.bag
            step_notes = _step_notes(protocol, row, book, paths)
            bud_hours = (b.beyond_use - b.prepared_at).total_seconds() / 3600
            rows.append(
                (
                    Cell(row.label + (" (reason)" if row.needs_reason else "")),
                    Cell(show_amount(row.plan.daily_dose, "mg/day"), step_notes),
                    Cell(show_amount(b.dose, "mg"), derived[:1]),
                    Cell(str(b.syringes), derived[2:3]),
                    Cell(f"{magnitude_in(b.drug_volume, 'mL'):.2f} mL", derived[1:2]),
                    Cell(show_amount(b.waste, "mg")),
                    Cell(f"{magnitude_in(b.volume_to_remove, 'mL'):.2f} mL"),
                    Cell(show_amount(b.final_volume, "mL")),
                    Cell(show_amount(b.concentration, "mg/mL")),
                    Cell(b.rate_ml_per_h_display),
                    Cell(f"{bud_hours:g} h after preparation", derived[3:]),
                )
            )
        blocks: list[Paragraph | Table] = []
        if weight_note is not None:
            blocks.append(
                Paragraph(
                    "Illustration only: calculate every bag for the patient's own measured weight.",
                    (weight_note,),
                    "warning",
                )
            )
        blocks.append(Table(f"Bag for each step{suffix}", header, tuple(rows)))
        if first is not None:
            blocks.append(Paragraph(f"Preparation (step {first.label}):"))
            blocks += [Paragraph(text, style="item") for text in first.bag.steps]
        if any(r[0].text.endswith("(reason)") for r in rows):
            blocks.append(
                Paragraph(
                    "(reason): above the soft limit - the prescriber must state a reason.",
                    (cite(book, paths, protocol.limits.soft_max),)
                    if protocol.limits.soft_max
                    else (),
                )
            )
        sections.append(Section(f"Bag table{suffix}", tuple(blocks)))
    return sections


def _step_notes(
    protocol: Protocol, row: LadderRow, book: FootnoteBook, paths: dict[int, str]
) -> tuple[int, ...]:
    regimen = protocol.regimen
    if isinstance(regimen, ContinuousRegimen) and row.plan.step is not None:
        return (cite(book, paths, regimen.ladder[row.plan.step - 1]),)
    if not isinstance(regimen, ContinuousRegimen):
        return (cite(book, paths, regimen.dose), cite(book, paths, regimen.interval))
    return ()


def create_nursing_sections(protocol: Protocol, book: FootnoteBook) -> list[Section]:
    """The sections of the nursing administration guide."""
    paths = get_value_map(protocol)
    sections = [_pump_entry_section(protocol, book, paths)]
    hang = cite(book, paths, protocol.bag.hang_time)
    for weight in get_example_weights(protocol):
        suffix, weight_note = _weight_title(protocol, weight, book)
        rows = []
        for row in calculate_ladder_rows(protocol, weight.quantity):
            b = row.bag
            every = (
                show_amount(row.plan.intermittent.interval, "h")
                if row.plan.intermittent
                else show_amount(b.hang_time, "h")
            )
            rows.append(
                (
                    Cell(row.label, _step_notes(protocol, row, book, paths)),
                    Cell(show_amount(b.rate_mg_per_h, "mg/h")),
                    Cell(show_amount(b.concentration, "mg/mL")),
                    Cell(b.rate_ml_per_h_display),
                    Cell(show_amount(b.final_volume, "mL")),
                    Cell(show_amount(b.hang_time, "h"), (hang,)),
                    Cell(f"every {every}"),
                    Cell(f"{b.bags_per_24h:g}"),
                )
            )
        blocks: list[Paragraph | Table] = []
        if weight_note is not None:
            blocks.append(
                Paragraph(
                    "Illustration only: programme the pump from the label of the patient's bag.",
                    (weight_note,),
                    "warning",
                )
            )
        header = (
            "step",
            "dose rate",
            "concentration",
            "pump rate",
            "VTBI",
            "infusion time",
            "new bag",
            "bags / 24 h",
        )
        blocks.append(Table(f"Pump programme for each step{suffix}", header, tuple(rows)))
        sections.append(Section(f"Pump programme{suffix}", tuple(blocks)))
    sections.append(_bag_change_section(protocol, book, paths))
    sections.append(_monitoring_section(protocol, book, paths))
    return sections


def _pump_entry_section(protocol: Protocol, book: FootnoteBook, paths: dict[int, str]) -> Section:
    limits = protocol.limits
    notes = tuple(
        cite(book, paths, v)
        for v in (limits.soft_max, limits.hard_max, limits.absolute_hard_max)
        if v is not None
    )
    rows = []
    for area in protocol.pump.care_areas:
        entry = get_pump_entry(protocol, area)
        unit = entry.dosing_unit

        def shown(q: Quantity | None, unit: str = unit) -> str:
            return "-" if q is None else show_amount(q, unit)

        rows.append(
            (
                Cell(area),
                Cell(unit),
                Cell(shown(entry.soft_min)),
                Cell(shown(entry.soft_max), notes[:1]),
                Cell(shown(entry.hard_min)),
                Cell(shown(entry.hard_max), notes[1:2]),
                Cell(show_amount(entry.absolute_hard_max, "mg/h"), notes[2:]),
                Cell(
                    show_amount(entry.max_rate_ml_per_h, "mL/h"),
                    (cite(book, paths, protocol.pump.max_rate_ml_per_h),),
                ),
            )
        )
    table = Table(
        "Drug-library entry (dose limits per hour, derived from the daily limits)",
        ("care area", "unit", "soft min", "soft max", "hard min", "hard max", "cap", "max rate"),
        tuple(rows),
    )
    advisory = Paragraph(f"Advisory on the pump: {protocol.pump.advisory}", style="warning")
    return Section("Pump drug library", (table, advisory))


def _bag_change_section(protocol: Protocol, book: FootnoteBook, paths: dict[int, str]) -> Section:
    bag = protocol.bag
    blocks: list[Paragraph] = [
        Paragraph(
            f"Change the bag every {show_value(bag.hang_time)}; never run a bag past its "
            f"beyond-use time ({show_value(protocol.beyond_use)} after preparation).",
            (cite(book, paths, bag.hang_time), cite(book, paths, protocol.beyond_use)),
        ),
        Paragraph(
            "At each change record a new administration segment (bag change) with the new bag's "
            "number; a rate change, pause or stop is also a new segment.",
            style="item",
        ),
        Paragraph(protocol.storage.text, (cite(book, paths, protocol.storage),), "item"),
        Paragraph(protocol.line.text, (cite(book, paths, protocol.line),), "item"),
        Paragraph(
            "Check the label against the order: patient twice, dose rate in mg/h, pump rate in "
            "mL/h, concentration, beyond-use date and time.",
            style="item",
        ),
    ]
    if protocol.loading_dose is not None:
        blocks.insert(
            0,
            Paragraph(
                f"Loading dose {show_value(protocol.loading_dose)} IV before the infusion starts.",
                (cite(book, paths, protocol.loading_dose),),
            ),
        )
    return Section("Starting, bag changes and the line", tuple(blocks))


def _monitoring_section(protocol: Protocol, book: FootnoteBook, paths: dict[int, str]) -> Section:
    blocks: list[Paragraph] = []
    labs = protocol.labs
    if labs is not None:
        blocks.append(
            Paragraph(
                f"Laboratory panel every {show_value(labs.interval)} "
                f"({', '.join(labs.analytes)}); a result older than "
                f"{show_value(labs.stale_after)} is stale.",
                (cite(book, paths, labs.interval), cite(book, paths, labs.stale_after)),
            )
        )
    for item in protocol.monitoring:
        every = f" (every {show_value(item.interval)})" if item.interval else ""
        cites = (cite(book, paths, item),) + (
            (cite(book, paths, item.interval),) if item.interval else ()
        )
        blocks.append(Paragraph(f"{item.text}{every}.", cites))
    if protocol.review_interval is not None:
        blocks.append(
            Paragraph(
                f"Medical review every {show_value(protocol.review_interval)}.",
                (cite(book, paths, protocol.review_interval),),
            )
        )
    for rule in protocol.rules:
        if rule.action in ("hold", "stop"):
            blocks.append(
                Paragraph(
                    f"{rule.action.upper()}: {rule.text}", (cite(book, paths, rule),), "warning"
                )
            )
    blocks.append(
        Paragraph(
            "Temperature at least with every bag change; call the prescriber for fever, "
            "hypersensitivity or suspected infection.",
            style="item",
        )
    )
    return Section("Monitoring", tuple(blocks))
