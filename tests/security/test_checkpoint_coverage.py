"""The checkpoint file guards the end of the chain: every commit is checkpointed (refusals too),
and a keyed chain whose checkpoint file is missing or empty does not verify."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, func, select

from anakinra_iv.bootstrap import Services
from anakinra_iv.records.tables import AuditEvent
from tests.security.tampering import truncate_and_move_head_back
from tests.web.conftest import Api
from tests.workflow_support.fixtures import Ward, prescribe_step, start_running


def _checkpointed(services: Services) -> set[int]:
    path = services.settings.audit_checkpoint_file
    assert path is not None
    return {json.loads(line)["seq"] for line in Path(path).read_text().splitlines() if line}


def _events(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def test_refusals_and_lock_outs_are_checkpointed(
    api: Api, engine: Engine, services: Services
) -> None:
    """Three mismatching blind verifications (the third locks the order for the pharmacist), a
    fourth attempt refused with 403 while locked, a viewer refused: after each request the
    newest checkpoint names the newest event, so no refusal can be cut from the end unseen.

    A commit writing two events (the third mismatch and its lock-out alert) has one checkpoint,
    at its last event: it guards the one before it through the chain's links."""
    order_id = prescribe_step(api.ward)
    url = f"/api/orders/{order_id}/verify"
    wrong = {"rate_mg_per_h": "40 mg/h", "concentration_mg_per_ml": "6 mg/mL"}
    api.token("pharmacist")
    api.token("viewer")
    for expected in (422, 422, 422, 403):
        assert api.post("pharmacist", url, wrong).status_code == expected
        assert max(_checkpointed(services)) == _events(engine)
    refused = api.post("viewer", f"/api/orders/{order_id}/cancel", {"reason": "x"})
    assert refused.status_code == 403
    assert max(_checkpointed(services)) == _events(engine)
    with api.ward.uow() as uow:
        actions = [e.action for e in uow.audit.list_events(limit=1000)]
        assert uow.audit.verify_chain().ok
    assert actions.count("order.verify_refused") == 3
    assert actions.count("alert.raise") == 1 and actions.count("access.denied") == 2


def _problems(ward: Ward) -> tuple[str, ...]:
    with ward.uow() as uow:
        return uow.audit.verify_chain().problems


def test_a_missing_checkpoint_file_is_a_problem(
    ward: Ward, engine: Engine, services: Services
) -> None:
    """The last events cut and the head moved back, then the checkpoint file removed (lost,
    rotated or pointed elsewhere): before, 'audit chain intact, 0 checkpoints' and status 0;
    now a problem naming the file."""
    start_running(ward)
    events = _events(engine)
    truncate_and_move_head_back(engine, keep=events - 1)
    path = services.settings.audit_checkpoint_file
    assert path is not None
    Path(path).unlink()
    problems = _problems(ward)
    assert any(f"checkpoint file {path} does not exist" in p for p in problems), problems


def test_an_empty_checkpoint_file_is_a_problem(ward: Ward, services: Services) -> None:
    """An intact chain of signed events with an empty checkpoint file: the end of the chain is
    unguarded, which is a problem, not a note."""
    start_running(ward)
    path = services.settings.audit_checkpoint_file
    assert path is not None
    Path(path).write_text("")
    problems = _problems(ward)
    assert any("holds no checkpoint" in p for p in problems), problems


def test_an_intact_chain_with_its_checkpoints_verifies(ward: Ward) -> None:
    """The control: the same work with the file in place verifies."""
    start_running(ward)
    assert _problems(ward) == ()
