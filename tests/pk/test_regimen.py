"""The clinician regimen parser: the forms of the issue, and refusals naming the token."""

from __future__ import annotations

import pytest

from anakinra_iv.errors import InvalidInput
from anakinra_iv.pk import parse_regimen
from anakinra_iv.pk.models import get_structural_model


@pytest.mark.parametrize(
    ("text", "route", "amount_mg", "rate_mg_h", "interval_h", "count", "start_h"),
    [
        ("100 mg sc", "sc", 100, None, None, 1, 0),
        ("100 mg sc q24h x 7", "sc", 100, None, 24, 7, 0),
        ("100 mg iv bolus", "iv-bolus", 100, None, None, 1, 0),
        ("200 mg iv over 1 h q6h x 8", "iv-infusion", 200, 200, 6, 8, 0),
        ("100 mg/h civ for 72 h", "civ", 7200, 100, None, 1, 0),
        ("2 mg/kg/h civ for 72 h", "civ", 10080, 140, None, 1, 0),
        ("100 mg sc at 12 h", "sc", 100, None, None, 1, 12),
        ("1200 mg/day civ for 3 days at 30 min", "civ", 3600, 50, None, 1, 0.5),
        ("5 mg/kg IV push", "iv-bolus", 350, None, None, 1, 0),
        ("100 mg sc q24h for 7 days", "sc", 100, None, 24, 7, 0),
        ("100 mg sc q48h", "sc", 100, None, 48, None, 0),
    ],
)
def test_forms(
    text: str,
    route: str,
    amount_mg: float,
    rate_mg_h: float | None,
    interval_h: float | None,
    count: int | None,
    start_h: float,
) -> None:
    """Each form of the issue reads as the clinician meant (70 kg for per-kg doses)."""
    (dose,) = parse_regimen(text, weight="70 kg").doses
    assert dose.route == route
    assert dose.amount.to("mg").magnitude == pytest.approx(amount_mg)
    assert (None if dose.rate is None else dose.rate.to("mg/h").magnitude) == (
        None if rate_mg_h is None else pytest.approx(rate_mg_h)
    )
    assert (None if dose.interval is None else dose.interval.to("h").magnitude) == interval_h
    assert dose.count == count
    assert dose.start.to("h").magnitude == pytest.approx(start_h)


def test_several_doses() -> None:
    """';' separates doses; order is kept."""
    regimen = parse_regimen("100 mg iv bolus; 100 mg/h civ for 72 h")
    assert [d.route for d in regimen.doses] == ["iv-bolus", "civ"]


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("100 mg banana", "banana"),
        ("100 mg sc q24h x 7 please", "please"),
        ("mg sc", "mg"),
        ("100 furlongs sc", "furlongs"),
        ("100 mg sc q24 parsecs", "parsecs"),
    ],
)
def test_refused_with_the_token_it_stopped_at(text: str, token: str) -> None:
    """A regimen the parser does not understand is refused, quoting the token."""
    with pytest.raises(InvalidInput, match=f"stopped at '{token}'"):
        parse_regimen(text)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("2 mg/kg/h civ for 72 h", "give the weight"),
        ("100 mg/h sc", "needs 'civ'"),
        ("100 mg sc x 3", "needs an interval"),
        ("", "no dose"),
        ("200 mg iv infusion", "over N h"),
    ],
)
def test_refusals(text: str, match: str) -> None:
    """Incomplete or contradictory doses are refused with the reason."""
    with pytest.raises(InvalidInput, match=match):
        parse_regimen(text)


def test_records_go_to_the_right_compartments() -> None:
    """SC into the depot (CMT 1), IV into the central compartment (CMT 2) of absorption models;
    an open-ended q24h fills the horizon."""
    regimen = parse_regimen("100 mg sc q24h; 50 mg iv bolus at 6 h")
    records = regimen.to_records(get_structural_model("two-compartment-absorption"), horizon_h=72)
    assert [(r.time, r.cmt, r.addl, r.ii) for r in records] == [(0.0, 1, 3, 24.0), (6.0, 2, 0, 0.0)]
    with pytest.raises(InvalidInput, match="no absorption depot"):
        parse_regimen("100 mg sc").to_records(get_structural_model("two-compartment"))
