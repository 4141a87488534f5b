"""Population and fund projections and reform scenarios (docs/projections.md).

Entry points: :func:`safetynet.actuarial.projection.run_scenario`,
:func:`safetynet.actuarial.projection.run_monte_carlo` and the ``safetynet project`` command.
"""
