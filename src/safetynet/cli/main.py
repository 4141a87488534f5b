"""The ``safetynet`` command: one entry point for operators, analysts and scripts."""

from __future__ import annotations

import typer

from safetynet.actuarial.cli import project_command
from safetynet.cli.calc import calc_command
from safetynet.cli.demo import demo_command
from safetynet.cli.params import params_app

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


app.command("calc")(calc_command)
app.command("demo")(demo_command)
app.add_typer(params_app, name="params")
app.command("project")(project_command)


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
