"""Hypothesis runs without per-example deadlines: the machine is shared and its speed varies;
speed is measured in benchmarks/, never in tests."""

from hypothesis import settings

settings.register_profile("safetynet", deadline=None)
settings.load_profile("safetynet")
