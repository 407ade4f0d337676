"""Scan compliance by ward: each bag hung counts once as scanned, overridden or not scanned,
each refused scan once as refused, on the admin page's figures and in the patient-course
report."""

from __future__ import annotations

import pytest

from anakinra_iv.compounding.codes import create_wristband_code
from anakinra_iv.errors import InvalidInput
from anakinra_iv.reports.course_report import create_course_report
from anakinra_iv.reports.render import render_html
from anakinra_iv.reports.scan_report import ReportScanWard
from anakinra_iv.workflow.report import get_report_data
from anakinra_iv.workflow.scan_compliance import get_hang_overrides, get_scan_compliance
from tests.workflow_support.fixtures import (
    Ward,
    administer,
    compound_and_check,
    prescribe_step,
    verify,
)


def test_scanned_overridden_and_refused_are_each_counted_once(ward: Ward) -> None:
    """Start scanned; a bag change refused (the wristband of another MRN), then done with an
    override reason: 1 scanned + 1 overridden of 2 bags hung = 50 %, 1 refused (counts by
    hand); the board shows the override of the bag now hanging, and the report lists it."""
    order_id = prescribe_step(ward)
    verify(ward, order_id)
    first = compound_and_check(ward, order_id)
    administer(ward, order_id, "start", bag_id=first)
    second = compound_and_check(ward, order_id)
    assert get_hang_overrides(ward.uow(), ward.users["nurse"], [order_id]) == {}
    with pytest.raises(InvalidInput, match="WRONG PATIENT"):
        administer(
            ward,
            order_id,
            "bag_change",
            bag_id=second,
            scanned_patient=create_wristband_code("MRN-9999"),
        )
    administer(
        ward,
        order_id,
        "bag_change",
        bag_id=second,
        scanned_patient=None,
        scanned_bag=None,
        scan_override_reason="scanner battery flat",
    )
    compliance = get_scan_compliance(ward.uow(), ward.users["admin"])
    (row,) = compliance.wards
    assert (row.ward, row.scanned, row.overridden, row.refused, row.hung) == (
        "(no ward)",
        1,
        1,
        1,
        2,
    )
    assert row.scanned_percent == pytest.approx(50.0)
    assert [r.outcome for r in compliance.records] == ["override", "refused"]
    assert get_hang_overrides(ward.uow(), ward.users["nurse"], [order_id]) == {
        order_id: "scanner battery flat"
    }

    data = get_report_data(ward.uow(), ward.users["admin"], ward.patient_id, ward.clock(), None)
    assert data.scan_wards == (ReportScanWard("(no ward)", 1, 1, 0, 1),)
    assert [e.outcome for e in data.scan_events] == ["refused", "override"]
    html = render_html(create_course_report(data))
    assert "Barcode checks" in html and "Scan compliance by ward" in html
    assert "scanner battery flat" in html and "WRONG PATIENT" in html
    assert "50 %" in html


def test_only_an_admin_reads_the_compliance_page_figures(ward: Ward) -> None:
    """The figures name nurses and scanned values: the audit reader's right."""
    from anakinra_iv.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        get_scan_compliance(ward.uow(), ward.users["nurse"])
