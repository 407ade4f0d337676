"""Commands: ``fhir export|import``, ``report`` and ``protocol document``.

``fhir`` and ``report`` read the database named by the settings (``ANAKINRA_DATABASE_URL``) and
act as the user named by ``--user``; each export is recorded in the audit trail (who exported which
patient, to which file). An output file must end in the extension of the format written.
``protocol document`` needs only the protocol file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from anakinra_iv.cli._output import exit_with_problems, print_json, reporting_problems
from anakinra_iv.cli.protocol_cmds import protocol_app
from anakinra_iv.errors import UnknownItem

if TYPE_CHECKING:
    from anakinra_iv.bootstrap import Services
    from anakinra_iv.protocol import Protocol

# FHIR models, the workflow, numpy and the report writers (matplotlib, reportlab) are imported by
# the commands when they run, so that the command line starts without them.

__all__ = ["fhir_app", "register"]

fhir_app = typer.Typer(
    help="FHIR R4 export and import of a patient's course.", no_args_is_help=True
)

UserOption = Annotated[
    str, typer.Option("--user", help="Username of the person acting (roles are checked).")
]
DEFAULT_BASE_URL = "http://localhost:8000/fhir/r4"


def _services() -> Services:
    from anakinra_iv.bootstrap import create_services
    from anakinra_iv.cli.workflow_cmds import require_existing_sqlite_file
    from anakinra_iv.config import get_settings

    settings = get_settings()
    require_existing_sqlite_file(settings)
    return create_services(settings)


def _require_suffix(path: Path, allowed: tuple[str, ...], what: str) -> None:
    """Refuse an output file whose extension is not one of the formats written."""
    if path.suffix.lower() not in allowed:
        exit_with_problems(
            [
                f"'out' {path.name} must end in {' or '.join(allowed)}: {what} is written in "
                "that format"
            ]
        )


def _user_id(services: Services, username: str) -> int:
    with services.new_uow() as uow:
        user = uow.users.find_by_username(username.strip())
        if user is None:
            raise UnknownItem(f"'user' {username!r} does not exist", field="user", value=username)
        return user.id


@fhir_app.command("export")
def export_command(
    patient: Annotated[int, typer.Option("--patient", help="Patient record id.")],
    out: Annotated[Path, typer.Option("--out", help="File to write (.json Bundle or .ndjson).")],
    user: UserOption,
    base_url: Annotated[str, typer.Option("--base-url")] = DEFAULT_BASE_URL,
) -> None:
    """Export a patient's course as one FHIR R4 Bundle (or NDJSON when FILE ends in .ndjson)."""
    from anakinra_iv.interop.fhir_export import (
        create_course_bundle,
        write_bundle_json,
        write_ndjson,
    )
    from anakinra_iv.workflow.course import get_patient_course
    from anakinra_iv.workflow.services import record_disclosure

    _require_suffix(out, (".json", ".ndjson"), "a FHIR Bundle (.json) or NDJSON (.ndjson)")
    with reporting_problems():
        services = _services()
        user_id = _user_id(services, user)
        course = get_patient_course(services.new_uow(), user_id, patient)
        if out.suffix.lower() == ".ndjson":
            text = write_ndjson(course)
        else:
            bundle = create_course_bundle(course, base_url=base_url, timestamp=services.now())
            text = write_bundle_json(bundle)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        record_disclosure(
            services.new_uow(),
            user_id,
            patient,
            "fhir.export",
            services.now(),
            detail={"format": out.suffix.lower().lstrip("."), "via": "cli", "file": out.name},
        )
    print_json({"patient": patient, "out": str(out), "resources": text.count('"resourceType"')})


@fhir_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="A FHIR Bundle (JSON) or NDJSON file.")],
    user: UserOption,
    patient: Annotated[
        int | None, typer.Option("--patient", help="Target patient when the file has none.")
    ] = None,
) -> None:
    """Import Patient and Observation resources: all of them, or none when any is refused."""
    from anakinra_iv.interop.fhir_import import read_fhir_text
    from anakinra_iv.workflow.course import import_batch

    if not file.is_file():
        exit_with_problems([f"'file' {file} does not exist"])
    with reporting_problems():
        batch = read_fhir_text(file.read_text(encoding="utf-8"))
        services = _services()
        result = import_batch(
            batch, _user_id(services, user), services.new_uow(), services.now(), patient_id=patient
        )
    print_json(
        {
            "patient": result.patient_id,
            "created_patient": result.created_patient,
            "observations": len(result.observation_ids),
            "duplicates": result.duplicates,
            "skipped": list(batch.skipped),
        }
    )


def report_command(
    patient: Annotated[int, typer.Option("--patient", help="Patient record id.")],
    out: Annotated[Path, typer.Option("--out", help="PDF (or .html) file to write.")],
    user: UserOption,
) -> None:
    """Write the patient-course report (dose timeline, labs, PK band, orders, bags)."""
    import numpy as np

    from anakinra_iv.bootstrap import get_site_zone
    from anakinra_iv.reports.course_report import write_course_report
    from anakinra_iv.workflow.report import REPORT_SEED, get_report_data
    from anakinra_iv.workflow.services import record_disclosure

    _require_suffix(out, (".pdf", ".html"), "the report (PDF or HTML)")
    with reporting_problems():
        services = _services()
        now = services.now()
        user_id = _user_id(services, user)
        data = get_report_data(
            services.new_uow(),
            user_id,
            patient,
            now,
            np.random.default_rng(REPORT_SEED),
            zone=get_site_zone(services.settings),
        )
        path = write_course_report(data, out)
        record_disclosure(
            services.new_uow(),
            user_id,
            patient,
            "report.export",
            now,
            detail={"format": out.suffix.lower().lstrip("."), "via": "cli", "file": out.name},
        )
    print_json({"patient": patient, "out": str(path)})


@protocol_app.command("document")
def document_command(
    protocol_id: Annotated[str, typer.Argument(metavar="ID", help="Protocol id or a YAML file.")],
    out: Annotated[Path, typer.Option("--out", help="Directory to write the documents into.")],
    approval: Annotated[
        str | None, typer.Option("--approval", help="Recorded approval (who, when), if any.")
    ] = None,
) -> None:
    """Write the order set, compounding sheet and nursing guide (HTML and PDF)."""
    from anakinra_iv.protocol import get_protocol, read_protocol_file
    from anakinra_iv.reports.protocol_documents import write_protocol_documents

    with reporting_problems():
        protocol: Protocol
        path = Path(protocol_id)
        protocol = (
            read_protocol_file(path)
            if path.suffix in (".yaml", ".yml")
            else get_protocol(protocol_id)
        )
        written = write_protocol_documents(protocol, out, approval)
    print_json(
        {
            "protocol": protocol.id,
            "version": protocol.version,
            "site_decisions": protocol.count_site_decisions(),
            "files": [str(p) for p in written],
        }
    )


def register(app: typer.Typer) -> None:
    """Add ``fhir`` and ``report`` to the command line (``protocol document`` rides on
    ``protocol``)."""
    app.add_typer(fhir_app, name="fhir")
    app.command("report")(report_command)
