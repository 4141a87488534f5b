"""The ``safetynet`` command: one entry point for operators, analysts and scripts."""

from __future__ import annotations

import typer

from safetynet.cli.calc import calc_command

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


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
