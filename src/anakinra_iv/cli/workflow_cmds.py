"""Commands of the team workflow: serve, db upgrade, users, audit verify and seal, backup,
restore."""

from __future__ import annotations

import os
import socket
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from anakinra_iv.cli._output import OutputFormat, exit_with_problems, print_json, reporting_problems

if TYPE_CHECKING:
    from fastapi import FastAPI

    from anakinra_iv.bootstrap import Services
    from anakinra_iv.config import Settings

# SQLAlchemy, the settings, the workflow and the web app are imported by the commands when they
# run, so that the command line starts without them.

__all__ = ["create_server_app", "register", "require_existing_sqlite_file"]

DEMO_PASSWORD = "demo-password"


def _settings() -> Settings:
    from anakinra_iv.config import get_settings

    try:
        return get_settings()
    except Exception as error:  # pydantic reports every bad setting; show them as problems
        exit_with_problems([f"settings: {line}" for line in str(error).splitlines()[1:]])


def require_existing_sqlite_file(settings: Settings) -> None:
    """Refuse to open (and so create) a SQLite file that is not there: a command that reads a
    database must not leave an empty one behind."""
    from sqlalchemy.engine import make_url

    from anakinra_iv.records.database import is_in_memory_sqlite

    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or is_in_memory_sqlite(settings.database_url):
        return
    path = Path(url.database or "")
    if not path.is_file():
        exit_with_problems(
            [
                f"'ANAKINRA_DATABASE_URL': there is no database at {path}; "
                "run 'anakinra db upgrade' to create one"
            ]
        )


@contextmanager
def _services(*, require_schema: bool = True) -> Iterator[Services]:
    """The services of one command; their connections are closed when it ends."""
    from anakinra_iv.bootstrap import create_services
    from anakinra_iv.records.migrate import get_current_revision

    settings = _settings()
    if require_schema:
        require_existing_sqlite_file(settings)
    with reporting_problems():
        services = create_services(settings)
    try:
        if require_schema and get_current_revision(services.engine) is None:
            exit_with_problems(
                ["'ANAKINRA_DATABASE_URL': the database has no schema; run 'anakinra db upgrade'"]
            )
        yield services
    finally:
        services.engine.dispose()


def serve(
    demo: Annotated[
        bool, typer.Option(help="Seed a demonstration ward on a fresh SQLite file.")
    ] = False,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            help="Server processes. More than one suits PostgreSQL; on a SQLite file the "
            "processes take turns at the file's write lock.",
            min=1,
            max=64,
        ),
    ] = 1,
) -> None:
    """Start the web app (API at /api, OpenAPI at /openapi.json)."""
    import uvicorn

    from anakinra_iv.bootstrap import create_services
    from anakinra_iv.config import Settings
    from anakinra_iv.records.database import is_in_memory_sqlite
    from anakinra_iv.web.app import create_app
    from anakinra_iv.workflow.demo import DEMO_USERS, seed_demo_ward

    if demo:
        folder = Path(tempfile.mkdtemp(prefix="anakinra-demo-"))
        settings = Settings(environment="dev", database_url=f"sqlite:///{folder / 'demo.sqlite3'}")
        services = create_services(settings, migrate=True, preload=True)
        seed_demo_ward(
            services.new_uow,
            services.hasher,
            services.policy,
            services.calculator,
            services.now(),
            DEMO_PASSWORD,
        )
        typer.echo(f"demo database: {folder / 'demo.sqlite3'}", err=True)
        typer.echo(f"demo users: {', '.join(DEMO_USERS)}; password '{DEMO_PASSWORD}'", err=True)
    else:
        settings = _settings()
        if settings.environment == "dev":
            exit_with_problems(
                [
                    "'ANAKINRA_ENVIRONMENT' is dev: serve a ward with ANAKINRA_ENVIRONMENT="
                    "production, a strong ANAKINRA_SECRET_KEY and the audit key, or try the "
                    "demonstration with --demo"
                ]
            )
        with reporting_problems():
            services = create_services(settings, migrate=True, preload=True)
    if workers > 1 and is_in_memory_sqlite(settings.database_url):
        exit_with_problems(
            [
                f"'--workers' {workers}: an in-memory SQLite database cannot be shared "
                "between processes; use a file or PostgreSQL"
            ]
        )
    _require_free_port(host, port)
    typer.echo(f"serving on http://{host}:{port}/ with {workers} process(es)", err=True)
    if workers == 1:
        uvicorn.run(create_app(services), host=host, port=port, log_level="warning")
        return
    services.engine.dispose()
    # Each process reads its settings from the environment: give them this process's database
    # and key, so that a token signed by one process is accepted by the others.
    os.environ["ANAKINRA_DATABASE_URL"] = settings.database_url
    os.environ["ANAKINRA_ENVIRONMENT"] = settings.environment
    os.environ["ANAKINRA_SECRET_KEY"] = settings.secret_key.get_secret_value()
    uvicorn.run(
        "anakinra_iv.cli.workflow_cmds:create_server_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        # a worker still importing on a busy host is not hung: give it time to answer
        timeout_worker_healthcheck=settings.worker_healthcheck_seconds,
    )


def _require_free_port(host: str, port: int) -> None:
    """Refuse a port another process listens on, before saying that we serve on it."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as error:
        exit_with_problems([f"'--port' {port} on {host} cannot be used: {error.strerror or error}"])


def create_server_app() -> FastAPI:
    """The app of one server process, on the environment's settings, protocols preloaded."""
    from anakinra_iv.bootstrap import create_services
    from anakinra_iv.config import get_settings
    from anakinra_iv.web.app import create_app

    return create_app(create_services(get_settings(), preload=True))


def db_upgrade() -> None:
    """Migrate the database named by ANAKINRA_DATABASE_URL to the newest schema."""
    from anakinra_iv.records.migrate import upgrade_database

    with _services(require_schema=False) as services:
        revision = upgrade_database(services.engine)
    typer.echo(f"database at revision {revision}")


def users_add(
    name: Annotated[str, typer.Argument(help="User name (no spaces).")],
    role: Annotated[list[str], typer.Option(help="Role (repeat for several).")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    full_name: Annotated[str, typer.Option(help="Full name shown in the app.")] = "",
) -> None:
    """Create a local user."""
    from anakinra_iv.workflow.commands import AddUser
    from anakinra_iv.workflow.roles import read_roles
    from anakinra_iv.workflow.services import add_user

    if not password_stdin:
        exit_with_problems(["'--password-stdin' is required: pipe the password in"])
    password = sys.stdin.readline().rstrip("\r\n")
    with reporting_problems():
        roles = read_roles(role)
    with _services() as services, reporting_problems():
        user = add_user(
            AddUser(None, name, frozenset(roles), password, full_name),
            services.new_uow(),
            services.hasher,
            services.policy,
            services.now(),
        )
    typer.echo(f"user {user.username} ({', '.join(user.roles)}) created with id {user.id}")


def users_unlock(name: Annotated[str, typer.Argument(help="User name.")]) -> None:
    """Lift the sign-in lock-outs of a user at every client address (audited)."""
    from anakinra_iv.workflow.services import unlock_user

    with _services() as services, reporting_problems():
        cleared = unlock_user(services.new_uow(), None, name, services.now())
    typer.echo(f"user {name} unlocked at {cleared} address(es)")


def audit_verify(
    output: Annotated[
        OutputFormat, typer.Option("--format", help="Output format.")
    ] = OutputFormat.text,
) -> None:
    """Check the audit chain (MACs, links, head), its signed checkpoints and every clinical row
    against its audited state; exit 1 if anything is broken."""
    from anakinra_iv.workflow import queries

    with _services() as services:
        report = queries.verify_audit_chain(services.new_uow())
    if output is OutputFormat.json:
        print_json(
            {
                "ok": report.ok,
                "events": report.events,
                "checkpoints": report.checkpoints,
                "rows": report.rows,
                "problems": list(report.problems),
                "notes": list(report.notes),
            }
        )
    elif report.ok:
        typer.echo(
            f"audit chain intact: {report.events} events, {report.checkpoints} checkpoints, "
            f"{report.rows} rows match their audited state"
        )
    else:
        for problem in report.problems:
            typer.echo(f"audit chain broken: {problem}", err=True)
    if output is OutputFormat.text:
        for note in report.notes:
            typer.echo(f"note: {note}", err=True)
    if not report.ok:
        raise typer.Exit(1)


def audit_seal(
    reason: Annotated[str, typer.Option(help="Why the rows are sealed (recorded).")],
) -> None:
    """Record the current state of every clinical row in one signed event (after upgrading a
    database whose rows predate row states, once its data has been checked)."""
    from anakinra_iv.workflow.audit_seal import seal_audit

    with _services() as services, reporting_problems():
        rows = seal_audit(services.new_uow(), reason, services.now())
    typer.echo(f"audit sealed: {rows} rows recorded")


def backup(file: Annotated[Path, typer.Argument(help="JSON file to write.")]) -> None:
    """Write the whole database to FILE (signed, owner-only), then check it restores."""
    from anakinra_iv.records.backup import write_backup

    if not file.parent.is_dir():
        exit_with_problems([f"'file': the folder {file.parent} does not exist"])
    with _services() as services, reporting_problems():
        try:
            counts = write_backup(services.engine, file, services.audit_keys, now=services.now())
        except OSError as error:
            exit_with_problems([f"'file': {file} cannot be written ({error.strerror or error})"])
    typer.echo(f"backup written to {file} and verified: {sum(counts.values())} rows")


def restore(file: Annotated[Path, typer.Argument(help="Backup file to read.")]) -> None:
    """Restore FILE into an empty database; refused unless every signature and the audit chain
    verify."""
    from anakinra_iv.records.backup import restore_backup
    from anakinra_iv.records.migrate import upgrade_database

    with _services(require_schema=False) as services, reporting_problems():
        upgrade_database(services.engine)
        counts = restore_backup(services.engine, file, services.audit_keys)
    typer.echo(f"restored {sum(counts.values())} rows from {file}; audit chain verified")


def register(app: typer.Typer) -> None:
    """Add the workflow commands to ``app``."""
    app.command("serve")(serve)
    app.command("backup")(backup)
    app.command("restore")(restore)
    db = typer.Typer(help="Database schema.", no_args_is_help=True)
    db.command("upgrade")(db_upgrade)
    app.add_typer(db, name="db")
    users = typer.Typer(help="Local users.", no_args_is_help=True)
    users.command("add")(users_add)
    users.command("unlock")(users_unlock)
    app.add_typer(users, name="users")
    audit = typer.Typer(help="Audit trail.", no_args_is_help=True)
    audit.command("verify")(audit_verify)
    audit.command("seal")(audit_seal)
    app.add_typer(audit, name="audit")
