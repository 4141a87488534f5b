"""The system of record from the command line: ``safetynet db|serve|person|employer|...``.

Commands act as the console administrator, or as the user named by ``SAFETYNET_USER`` (with
that user's role and region scope). Output is JSON; bad input prints one line per problem on
stderr and exits with status 2, leaving the database as it was.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel

from safetynet.api import schemas
from safetynet.cli.acting import acting_principal, new_uow, refusals_audited, reported, run_as_user
from safetynet.cli.errors import USAGE_ERROR
from safetynet.domain.errors import InvalidInput
from safetynet.services import accounts, activation, audit, declarations, registry, users
from safetynet.services.declaration_files import problems_csv
from safetynet.store.db import make_engine, upgrade

T = TypeVar("T")
USER_ENV = "SAFETYNET_USER"

db_app = typer.Typer(
    help="Create or migrate the database, seed the demo, set up PostgreSQL roles.",
    no_args_is_help=True,
)
person_app = typer.Typer(help="Register, correct and look up persons.", no_args_is_help=True)
employer_app = typer.Typer(help="Register and list employers.", no_args_is_help=True)
employment_app = typer.Typer(help="Record the start and end of jobs.", no_args_is_help=True)
enrollment_app = typer.Typer(help="Enroll, suspend, resume or end.", no_args_is_help=True)
pay_app = typer.Typer(
    help="Flexible workers' and residents' own contributions.", no_args_is_help=True
)
account_app = typer.Typer(
    help="Personal accounts: entries, year-end interest.", no_args_is_help=True
)
user_app = typer.Typer(
    help="Users and roles: create, list, disable, enable, reset or change passwords.",
    no_args_is_help=True,
)


def _print(value: Any) -> None:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    elif isinstance(value, list):
        value = [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value]
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


# --- database and server ----------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema of SAFETYNET_DATABASE_URL (default ./var/safetynet.db)."""
    engine = make_engine()
    upgrade(engine)
    typer.echo(f"database ready: {engine.url.render_as_string(hide_password=True)}")


@db_app.command("seed-demo")
def db_seed_demo() -> None:
    """Add the demo users and records (once) and print the users."""
    from safetynet.services.demo import seed_demo

    engine = make_engine()
    upgrade(engine)
    typer.echo("\n".join(seed_demo(engine).lines()))


def serve_command(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
) -> None:
    """Migrate the configured database, then serve the web pages and the API (OpenAPI at
    /docs). Refuses to start on a bad secret or, in production, on demo users
    (docs/security.md)."""
    start_platform(host, port, demo=False)


def start_platform(host: str = "127.0.0.1", port: int = 8000, *, demo: bool = True) -> None:
    """Migrate the configured database, add the demo records (printing the demo users) when
    ``demo``, and serve the API until interrupted. ``make run`` ends here."""
    import uvicorn

    from safetynet.api.app import create_app
    from safetynet.services.demo import seed_demo
    from safetynet.services.startup import StartupRefused

    engine = make_engine()
    upgrade(engine)
    typer.echo(f"database: {engine.url.render_as_string(hide_password=True)}")
    if demo:
        typer.echo("\n".join(seed_demo(engine).lines()))
    try:
        app = create_app(engine)
    except StartupRefused as exc:
        for reason in exc.reasons:
            typer.echo(f"error: the server does not start: {reason}", err=True)
        raise typer.Exit(USAGE_ERROR) from None
    typer.echo(f"Web back office (经办大厅): http://{host}:{port}  (sign in as operator-bj)")
    typer.echo(f"API: http://{host}:{port}/api/v1  (OpenAPI: http://{host}:{port}/docs)")
    uvicorn.run(app, host=host, port=port)


# --- persons ------------------------------------------------------------------------------------


@person_app.command("register")
def person_register(
    id_number: Annotated[str, typer.Option(help="18-character resident identity number")],
    name: Annotated[str, typer.Option()],
    hukou_type: Annotated[str, typer.Option(help="urban or rural")],
    hukou_region: Annotated[str | None, typer.Option(help="6-digit code")] = None,
    region: Annotated[str | None, typer.Option(help="region of record")] = None,
    household: Annotated[int | None, typer.Option(help="household id")] = None,
    reason: Annotated[str, typer.Option()] = "",
) -> None:
    """Register a person (once per identity number)."""
    person = run_as_user(
        lambda uow, actor: registry.register_person(
            uow,
            actor,
            id_number=id_number,
            name=name,
            hukou_type=hukou_type,
            hukou_region=hukou_region,
            region=region,
            household_id=household,
            reason=reason,
        )
    )
    _print(schemas.PersonOut.of(person))


@person_app.command("show")
def person_show(person_id: int) -> None:
    _print(schemas.PersonOut.of(run_as_user(lambda u, a: registry.get_person(u, a, person_id))))


@person_app.command("find")
def person_find(id_number: Annotated[str, typer.Option()]) -> None:
    """Find a person by identity number."""
    _print(schemas.PersonOut.of(run_as_user(lambda u, a: registry.find_person(u, a, id_number))))


@person_app.command("list")
def person_list(
    after: Annotated[int | None, typer.Option(help="last id of the previous page")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 50,
    region: Annotated[str | None, typer.Option()] = None,
) -> None:
    rows = run_as_user(
        lambda u, a: registry.list_persons(u, a, after_id=after, limit=limit, region=region)
    )
    _print([schemas.PersonOut.of(p) for p in rows])


@person_app.command("correct")
def person_correct(
    person_id: int,
    set_: Annotated[list[str], typer.Option("--set", help="FIELD=VALUE, repeatable")],
    reason: Annotated[str, typer.Option(help="why the record is corrected")],
) -> None:
    """Correct registered facts (name, hukou_region, hukou_type, household_id, region,
    id_number)."""
    changes: dict[str, Any] = {}
    for item in set_:
        field, sep, value = item.partition("=")
        if not sep:
            typer.echo(f"error: --set {item!r}: expected FIELD=VALUE", err=True)
            raise typer.Exit(USAGE_ERROR)
        changes[field.strip()] = value.strip() or None
    person = run_as_user(
        lambda u, a: registry.correct_person(u, a, person_id, changes, reason=reason)
    )
    _print(schemas.PersonOut.of(person))


@person_app.command("statement")
def person_statement(
    person_id: int,
    category: Annotated[str | None, typer.Option(help="male, female_55 or female_50")] = None,
) -> None:
    """Contribution history, years counted, balances and the pension estimate explained."""
    from safetynet.api.money import statement_out
    from safetynet.services.statement import statement

    result = run_as_user(lambda u, a: statement(u, a, person_id, category=category))
    _print(statement_out(result))


# --- employers, employment, enrollment ------------------------------------------------------


@employer_app.command("register")
def employer_register(
    credit_code: Annotated[str, typer.Option(help="unified social credit code")],
    name: Annotated[str, typer.Option()],
    risk_class: Annotated[int, typer.Option(help="work-injury risk class 1-8")],
    region: Annotated[str | None, typer.Option()] = None,
) -> None:
    employer = run_as_user(
        lambda u, a: registry.register_employer(
            u, a, credit_code=credit_code, name=name, risk_class=risk_class, region=region
        )
    )
    _print(schemas.EmployerOut.of(employer))


@employer_app.command("list")
def employer_list(
    after: Annotated[int | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 50,
) -> None:
    rows = run_as_user(lambda u, a: registry.list_employers(u, a, after_id=after, limit=limit))
    _print([schemas.EmployerOut.of(e) for e in rows])


@employment_app.command("start")
def employment_start(
    person: Annotated[int, typer.Option(help="person id")],
    employer: Annotated[int, typer.Option(help="employer id")],
    month: Annotated[str, typer.Option(help="first month, YYYY-MM")],
) -> None:
    """Record a job; enrolls the person in the employee schemes."""
    spell, enrollments = run_as_user(
        lambda u, a: registry.start_employment(
            u, a, person_id=person, employer_id=employer, start_month=month
        )
    )
    _print(
        schemas.EmploymentStarted(
            employment=schemas.EmploymentOut.of(spell),
            enrollments=[schemas.EnrollmentOut.of(e) for e in enrollments],
        )
    )


@employment_app.command("end")
def employment_end(
    spell_id: int,
    month: Annotated[str, typer.Option(help="last month, YYYY-MM")],
    reason: Annotated[str, typer.Option()] = "",
) -> None:
    spell = run_as_user(
        lambda u, a: registry.end_employment(
            u, a, spell_id=spell_id, end_month=month, reason=reason
        )
    )
    _print(schemas.EmploymentOut.of(spell))


@enrollment_app.command("add")
def enrollment_add(
    person: Annotated[int, typer.Option(help="person id")],
    worker_type: Annotated[str, typer.Option(help="flexible or resident")],
    region: Annotated[str, typer.Option()],
    month: Annotated[str, typer.Option(help="first month, YYYY-MM")],
    scheme: Annotated[list[str] | None, typer.Option(help="limit to these schemes")] = None,
) -> None:
    """Enroll a flexible worker or a resident."""
    rows = run_as_user(
        lambda u, a: registry.enroll(
            u,
            a,
            person_id=person,
            worker_type=worker_type,
            region=region,
            start_month=month,
            schemes=scheme or None,
        )
    )
    _print([schemas.EnrollmentOut.of(e) for e in rows])


@enrollment_app.command("status")
def enrollment_status(
    enrollment_id: int,
    status: Annotated[str, typer.Option(help="active, suspended or ended")],
    month: Annotated[str, typer.Option()],
    reason: Annotated[str, typer.Option()],
) -> None:
    row = run_as_user(
        lambda u, a: registry.change_enrollment(
            u, a, enrollment_id=enrollment_id, status=status, month=month, reason=reason
        )
    )
    _print(schemas.EnrollmentOut.of(row))


# --- money ----------------------------------------------------------------------------------


def declare_command(
    file: Annotated[Path, typer.Argument(help="CSV or Excel file: id_number,monthly_wage[,name]")],
    employer: Annotated[int, typer.Option(help="employer id")],
    month: Annotated[str, typer.Option(help="YYYY-MM")],
    version: Annotated[int, typer.Option(help="1, then 2, 3, ... for corrections")] = 1,
    dry_run: Annotated[bool, typer.Option(help="validate and total only")] = False,
    report: Annotated[Path | None, typer.Option(help="write the row-level errors as CSV")] = None,
) -> None:
    """Post an employer's monthly declaration from a file: all rows or none."""
    if not file.is_file():
        typer.echo(f"error: file: {file} does not exist", err=True)
        raise typer.Exit(USAGE_ERROR)
    content = file.read_bytes()
    uow = new_uow()
    with reported():
        actor = acting_principal(uow)
        try:
            with refusals_audited(actor):
                outcome = declarations.submit_file(
                    uow,
                    actor,
                    employer_id=employer,
                    month=month,
                    version=version,
                    content=content,
                    filename=file.name,
                    dry_run=dry_run,
                )
        except InvalidInput as exc:
            if report is not None:
                error_report = problems_csv(exc.problems)
                report.write_text(error_report, encoding="utf-8")
                audit.record_download(
                    new_uow(),
                    actor,
                    what="declaration error report",
                    entity="employer",
                    entity_id=employer,
                    region_code=None,
                    content_bytes=error_report.encode("utf-8"),
                )
                typer.echo(f"error report written to {report}", err=True)
            raise
    _print(
        {
            "posted": outcome.posted,
            "dry_run": dry_run,
            "rows": outcome.rows,
            "reversed_rows": outcome.reversed_rows,
            "employer_total": schemas.yuan(outcome.employer_total_fen),
            "employee_total": schemas.yuan(outcome.employee_total_fen),
            "declaration": schemas.DeclarationOut.of(outcome.declaration).model_dump(mode="json")
            if outcome.declaration
            else None,
            "provisional": outcome.provisional,
            "provisional_rows": outcome.provisional_rows,
            "provisional_parameters": outcome.provisional_parameters,
        }
    )


@pay_app.command("flexible")
def pay_flexible(
    person: Annotated[int, typer.Option(help="person id")],
    month: Annotated[str, typer.Option()],
    base: Annotated[str, typer.Option(help="chosen monthly base, yuan")],
) -> None:
    from safetynet.api.money import posting_out

    posting = run_as_user(
        lambda u, a: accounts.pay_flexible(u, a, person_id=person, month=month, monthly_base=base)
    )
    _print(posting_out(posting))


@pay_app.command("resident")
def pay_resident(
    person: Annotated[int, typer.Option(help="person id")],
    year: Annotated[int, typer.Option()],
    grade: Annotated[int | None, typer.Option(help="pension grade, yuan/year")] = None,
    premium: Annotated[str | None, typer.Option(help="medical premium, yuan")] = None,
) -> None:
    from safetynet.api.money import posting_out

    posting = run_as_user(
        lambda u, a: accounts.pay_resident(
            u, a, person_id=person, year=year, pension_grade=grade, medical_premium=premium
        )
    )
    _print(posting_out(posting))


@account_app.command("credit-year")
def account_credit_year(year: int) -> None:
    """Year-end interest for every account in scope (re-running credits nobody twice)."""
    run = run_as_user(lambda u, a: accounts.credit_year(u, a, year=year))
    _print(
        {
            "year": run.year,
            "credited": run.credited,
            "already_credited": run.already,
            "interest": schemas.yuan(run.interest_fen),
        }
    )


@account_app.command("entries")
def account_entries(
    person_id: int,
    after: Annotated[int | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 100,
) -> None:
    rows = run_as_user(
        lambda u, a: accounts.list_entries(u, a, person_id, after_id=after, limit=limit)
    )
    _print([schemas.EntryOut.of(e) for e in rows])


# --- users and audit --------------------------------------------------------------------------


def _read_password(prompt: str, from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    value: str = typer.prompt(prompt, hide_input=True, confirmation_prompt=True)
    return value


@user_app.command("create")
def user_create(
    username: Annotated[str, typer.Option()],
    role: Annotated[str, typer.Option(help="citizen, operator, auditor, analyst or admin")],
    region: Annotated[str | None, typer.Option(help="operator's region scope")] = None,
    person: Annotated[int | None, typer.Option(help="citizen's person id")] = None,
    password_stdin: Annotated[bool, typer.Option(help="read the password from stdin")] = False,
) -> None:
    """Create a user; the password (12+ characters, not a common one) is prompted for or read
    from stdin."""
    password = _read_password("password", password_stdin)
    user = run_as_user(
        lambda u, a: users.create_user(
            u, a, username=username, password=password, role=role, region=region, person_id=person
        )
    )
    _print(schemas.UserOut.of(user))


@user_app.command("activation-code")
def user_activation_code(
    person: Annotated[int, typer.Option(help="the person's id")],
    hours: Annotated[int, typer.Option(help="validity in hours (1-720)")] = 72,
) -> None:
    """Issue a one-time code with which the person sets their password at /activate."""
    issued = run_as_user(lambda u, a: activation.issue_code(u, a, person, hours=hours))
    until = f"{issued.expires_at:%Y-%m-%d %H:%M} UTC"
    typer.echo(f"person {issued.person_id}: code {issued.code} (until {until})")


@user_app.command("list")
def user_list() -> None:
    """Every user with role, scope and whether enabled (auditors and admins)."""
    _print([schemas.UserOut.of(u) for u in run_as_user(users.list_users)])


@user_app.command("disable")
def user_disable(
    username: str, reason: Annotated[str, typer.Option(help="why, for the audit log")] = ""
) -> None:
    """Disable a user: sign-in, tokens and SAFETYNET_USER are refused at once."""
    user = run_as_user(lambda u, a: users.set_active(u, a, username, active=False, reason=reason))
    _print(schemas.UserOut.of(user))


@user_app.command("enable")
def user_enable(
    username: str, reason: Annotated[str, typer.Option(help="why, for the audit log")] = ""
) -> None:
    """Enable a user again (and lift the account's sign-in lock)."""
    user = run_as_user(lambda u, a: users.set_active(u, a, username, active=True, reason=reason))
    _print(schemas.UserOut.of(user))


@user_app.command("reset-password")
def user_reset_password(
    username: str,
    password_stdin: Annotated[bool, typer.Option(help="read the password from stdin")] = False,
    reason: Annotated[str, typer.Option(help="why, for the audit log")] = "",
) -> None:
    """Set a user's password as an administrator (lifts the sign-in lock; the user's tokens
    stop working)."""
    password = _read_password("new password", password_stdin)
    user = run_as_user(
        lambda u, a: users.reset_password(u, a, username, new_password=password, reason=reason)
    )
    _print(schemas.UserOut.of(user))


@user_app.command("change-password")
def user_change_password(
    password_stdin: Annotated[
        bool, typer.Option(help="read the current and the new password, one a line, from stdin")
    ] = False,
) -> None:
    """Change the password of the user named by SAFETYNET_USER (the current one is asked)."""
    if password_stdin:
        current, new = sys.stdin.readline().rstrip("\n"), sys.stdin.readline().rstrip("\n")
    else:
        current = typer.prompt("current password", hide_input=True)
        new = _read_password("new password", False)
    run_as_user(
        lambda u, a: users.change_password(u, a, current_password=current, new_password=new)
    )
    typer.echo("password changed")


@user_app.command("purge-throttle")
def user_purge_throttle() -> None:
    """Delete failed-sign-in counts older than an hour and not locked (run it from cron)."""
    from safetynet.services.auth import purge_throttle

    typer.echo(f"deleted {run_as_user(purge_throttle)} stale sign-in counts")


audit_app = typer.Typer(
    help="The audit log: list it (the default), verify its hash chain.",
    invoke_without_command=True,
)


@audit_app.callback()
def audit_command(
    context: typer.Context,
    after: Annotated[int | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 50,
    entity: Annotated[str | None, typer.Option()] = None,
    entity_id: Annotated[str | None, typer.Option()] = None,
) -> None:
    """The audit log, oldest first (or a subcommand: verify)."""
    if context.invoked_subcommand is not None:
        return
    rows = run_as_user(
        lambda u, a: audit.list_entries(
            u, a, after_id=after, limit=limit, entity=entity, entity_id=entity_id
        )
    )
    _print([schemas.AuditOut.of(r) for r in rows])


def _anchor(value: str | None) -> tuple[int, str] | None:
    if value is None:
        return None
    seq, sep, digest = value.partition(":")
    if not sep or not seq.isdigit() or len(digest) != 64:
        typer.echo("error: --anchor: expected SEQ:HASH (a 64-digit hex hash)", err=True)
        raise typer.Exit(USAGE_ERROR)
    return int(seq), digest.lower()


@audit_app.command("verify")
def audit_verify(
    anchor: Annotated[
        str | None,
        typer.Option(help="SEQ:HASH recorded earlier (from this command's output) to check"),
    ] = None,
) -> None:
    """Recompute the audit log's hash chain; print the head (SEQ:HASH, to keep elsewhere) or
    the first broken link, and exit 1 if the chain is broken."""
    expected = _anchor(anchor)
    report = run_as_user(lambda u, a: audit.verify_chain(u, a, anchor=expected))
    if report.broken is not None:
        typer.echo(f"audit chain broken at {report.broken}", err=True)
        raise typer.Exit(1)
    typer.echo(f"audit chain intact: {report.rows} rows, head {report.head_seq}:{report.head_hash}")


@db_app.command("roles")
def db_roles(
    app_role: Annotated[str, typer.Option(help="the role the server connects as")],
    create: Annotated[bool, typer.Option(help="create the role (LOGIN, no password)")] = False,
    print_only: Annotated[bool, typer.Option("--print", help="print the SQL, run nothing")] = False,
    schema: Annotated[str, typer.Option(help="schema, for --print")] = "public",
) -> None:
    """PostgreSQL: grant the application role the record, but on audit_log only SELECT and
    INSERT (no UPDATE, DELETE or TRUNCATE). Run as the schema's owner after each upgrade."""
    from safetynet.store.roles import RoleSetupError, app_role_statements, apply_app_role

    try:
        statements = (
            app_role_statements(app_role, schema, create=create)
            if print_only
            else apply_app_role(make_engine(), app_role, create=create)
        )
    except RoleSetupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(USAGE_ERROR) from None
    typer.echo(";\n".join(statements) + ";")


def register_record_commands(app: typer.Typer) -> None:
    """Add the system-of-record commands to the ``safetynet`` command."""
    app.add_typer(db_app, name="db")
    app.command("serve")(serve_command)
    app.add_typer(person_app, name="person")
    app.add_typer(employer_app, name="employer")
    app.add_typer(employment_app, name="employment")
    app.add_typer(enrollment_app, name="enrollment")
    app.command("declare")(declare_command)
    app.add_typer(pay_app, name="pay")
    app.add_typer(account_app, name="account")
    app.add_typer(user_app, name="user")
    app.add_typer(audit_app, name="audit")
