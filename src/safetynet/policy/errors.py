"""Errors raised by the law layer.

Every error names what was wrong (a field, a file and key, a parameter) in one line, so that the
CLI can print it without a traceback and the API can turn it into a problem document.
"""

from __future__ import annotations


class PolicyError(ValueError):
    """Base class of every error the law layer raises on bad input or bad parameters."""


class UnknownCalculation(PolicyError):
    """The catalogue has no calculation of that name."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown calculation {name!r}; known: {', '.join(sorted(known))}")
        self.name = name


class InputError(PolicyError):
    """An input field is missing, malformed or out of range."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class ParameterFileError(PolicyError):
    """A parameter file is malformed: names the file, the key and the problem."""

    def __init__(self, file: str, key: str, problem: str) -> None:
        super().__init__(f"{file}: {key}: {problem}")
        self.file = file
        self.key = key
        self.problem = problem


class ParameterLookupError(PolicyError):
    """A parameter has no value for the date or region asked (outside its validity)."""

    def __init__(self, parameter: str, problem: str, field: str | None = None) -> None:
        prefix = f"{field}: " if field else ""
        super().__init__(f"{prefix}parameter {parameter}: {problem}")
        self.parameter = parameter
        self.field = field
        self.problem = problem
