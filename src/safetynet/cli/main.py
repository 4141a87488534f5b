"""The ``safetynet`` command: one entry point for operators, analysts and scripts."""

from __future__ import annotations

import typer

from safetynet.actuarial.cli import project_command
from safetynet.analytics.cli import analyze_app
from safetynet.batch.cli import batch_app
from safetynet.cli.benefits import benefits_app
from safetynet.cli.calc import calc_command
from safetynet.cli.contributions import contributions_app
from safetynet.cli.demo import demo_command
from safetynet.cli.params import params_app
from safetynet.cli.records import register_record_commands
from safetynet.services.log_masking import install_log_masking
from safetynet.synth.cli import synth_command

app = typer.Typer(
    name="safetynet",
    help="safetynet: China's universal, multi-level social security system, as open software.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def root() -> None:
    """safetynet: China's universal, multi-level social security system, as open software."""
    install_log_masking()


app.command("calc")(calc_command)
app.command("demo")(demo_command)
app.add_typer(params_app, name="params")
app.command("synth")(synth_command)
register_record_commands(app)
app.add_typer(batch_app, name="batch")
app.add_typer(analyze_app, name="analyze")
app.command("project")(project_command)
app.add_typer(benefits_app, name="benefits")
app.add_typer(contributions_app, name="contributions")


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
