"""safetynet: an open platform that runs China's universal, multi-level social security system.

The public face of the law is :func:`calc`::

    >>> import safetynet
    >>> safetynet.calc("annuity_divisor", {"age_years": 60, "age_months": 1})["divisor"]
    138.4
"""

from safetynet.policy.catalogue import CalcResult, calc, catalogue
from safetynet.policy.errors import (
    InputError,
    ParameterFileError,
    ParameterLookupError,
    PolicyError,
    UnknownCalculation,
)

__version__ = "0.1.0"
__all__ = [
    "CalcResult",
    "InputError",
    "ParameterFileError",
    "ParameterLookupError",
    "PolicyError",
    "UnknownCalculation",
    "calc",
    "catalogue",
]
