"""Hypothesis strategies for valid patients, weights, creatinine and doses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

adult_weights_kg = st.floats(min_value=30, max_value=250, allow_nan=False)
child_weights_kg = st.floats(min_value=3, max_value=150, allow_nan=False)
adult_ages = st.floats(min_value=18, max_value=100, allow_nan=False)
child_ages = st.floats(min_value=0, max_value=17.9, allow_nan=False)
creatinine_mg_dl = st.floats(min_value=0.3, max_value=12, allow_nan=False)
sexes = st.sampled_from(["female", "male"])
adult_steps = st.integers(min_value=1, max_value=6)
daily_doses_mg = st.floats(min_value=1, max_value=5000, allow_nan=False)


_T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
_minutes = st.floats(min_value=0, max_value=3000, allow_nan=False)
_STATUSES = (
    "pending_verification",
    "verified",
    "active",
    "paused",
    "stopped",
    "rejected",
    "cancelled",
    "discontinued",
)
_EVENTS = ("rate_change", "pause", "resume", "bag_change", "stop")


@st.composite
def order_event_sequences(draw: st.DrawFn) -> tuple[list[object], object]:
    """Stored events of a few orders of a few patients, in any order the database may hold
    (a bedside time may be documented before the check it waits on), and a later ``now``."""
    from anakinra_iv.reports.time_to_drug import (
        BagRecord,
        DoseChangeRecord,
        OrderRecord,
        SegmentRecord,
    )

    def moment() -> object:
        return _T0 + timedelta(minutes=draw(_minutes))

    def maybe() -> object:
        return moment() if draw(st.booleans()) else None

    records = []
    for order_id in range(1, draw(st.integers(1, 5)) + 1):
        signed = moment()
        status = draw(st.sampled_from(_STATUSES))
        verified = moment() if draw(st.booleans()) else None
        bags = tuple(
            BagRecord(
                i,
                moment(),
                maybe(),
                draw(st.floats(1, 500)),
                draw(st.floats(1, 48)),
                moment(),
            )
            for i in range(order_id * 10, order_id * 10 + draw(st.integers(0, 3)))
        )
        segments = []
        if bags and draw(st.booleans()):
            times = sorted(draw(_minutes) for _ in range(draw(st.integers(1, 6))))
            for seq, offset in enumerate(times, start=1):
                event = "start" if seq == 1 else draw(st.sampled_from(_EVENTS))
                rate = 0.0 if event in ("pause", "stop") else draw(st.floats(0.1, 200))
                when = _T0 + timedelta(minutes=offset)
                segments.append(
                    SegmentRecord(
                        seq,
                        event,
                        when,
                        rate,
                        rate / 5,
                        draw(st.sampled_from(bags)).bag_id,
                        when + timedelta(minutes=draw(st.floats(0, 30))),
                    )
                )
                if event == "stop":
                    break
        changes = tuple(DoseChangeRecord(moment(), maybe()) for _ in range(draw(st.integers(0, 2))))
        records.append(
            OrderRecord(
                order_id,
                draw(st.integers(1, 2)),
                draw(st.sampled_from(("ICU 4", "HDU"))),
                status,
                signed,
                verified_at=verified,
                loading_given_at=maybe(),
                bags=bags,
                segments=tuple(segments),
                dose_changes=changes,
            )
        )
    now = _T0 + timedelta(minutes=draw(st.floats(3000, 6000)))
    return records, now


# Bedside CAR-T assessments: every item of an adult ICANS (ICE) assessment, within its range.
ice_items = st.fixed_dictionaries(
    {
        "orientation": st.integers(0, 4),
        "naming": st.integers(0, 3),
        "following_commands": st.integers(0, 1),
        "writing": st.integers(0, 1),
        "attention": st.integers(0, 1),
        "consciousness": st.sampled_from(
            [
                "alert",
                "awakens_spontaneously",
                "awakens_to_voice",
                "awakens_to_touch",
                "unarousable",
            ]
        ),
        "seizure": st.sampled_from(["none", "rapidly_resolving", "prolonged_or_repetitive"]),
        "motor_weakness": st.booleans(),
        "raised_icp": st.sampled_from(["none", "focal_oedema", "diffuse_oedema_or_signs"]),
        "attributable_to_other_cause": st.booleans(),
    }
)
crs_items = st.fixed_dictionaries(
    {
        "temperature": st.floats(35.0, 42.0).map(lambda t: f"{round(t, 1)} Cel"),
        "fever_masked_by_treatment": st.booleans(),
        "hypotension": st.booleans(),
        "vasopressor_agents": st.lists(
            st.sampled_from(
                ["norepinephrine", "epinephrine", "phenylephrine", "dopamine", "vasopressin"]
            ),
            unique=True,
            max_size=3,
        ),
        "oxygen": st.sampled_from(["none", "low_flow", "high_flow", "cpap"]),
    }
)


def written(number: float) -> str:
    """A float as a person writes it: positional digits, never an exponent ('1e-05').

    The number reader refuses exponents, so generated values are written out in full; repr of
    the float gives the digits that round-trip, and the decimal point is placed by hand.

    >>> written(1e-05), written(2.5e16), written(70.0)
    ('0.00001', '25000000000000000', '70')
    """
    from decimal import Decimal

    text = format(Decimal(repr(number)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


printable_ascii = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
"""Every character a barcode scanner in keyboard mode types."""
medical_record_numbers = st.text(printable_ascii, min_size=1, max_size=64).filter(
    lambda t: t == t.strip()
)
"""Medical record numbers as a site may issue them (the longest the register accepts is 64)."""
bag_ids = st.integers(min_value=1, max_value=10**12)


invisible_letters = st.sampled_from("\u115f\u1160\u3164\uffa0")
"""Hangul fillers: letters by their Unicode category, blank on screen."""


@st.composite
def invisible_reasons(draw: st.DrawFn) -> str:
    """A text a person sees as blank or nearly so: any mix of Unicode whitespace (Zs, Zl, Zp,
    tab, NBSP), control (Cc) and format (Cf: zero-width, BOM, soft hyphen) characters and Hangul
    fillers, with at most two visible letters or digits somewhere in it."""
    blank = st.characters(categories=("Zs", "Zl", "Zp", "Cc", "Cf")) | invisible_letters
    parts = draw(st.lists(blank, min_size=1, max_size=30))
    for letter in draw(st.lists(st.sampled_from("aZ9é"), max_size=2)):
        parts.insert(draw(st.integers(0, len(parts))), letter)
    return "".join(parts)
