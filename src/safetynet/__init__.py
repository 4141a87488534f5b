"""safetynet: an open platform that runs China's universal, multi-level social security system.

The public face of the law is :func:`calc`::

    >>> import safetynet
    >>> safetynet.calc("annuity_divisor", {"age_years": 60, "age_months": 1})["divisor"]
    138.4

and, for many cases in one vectorised call, :func:`calc_many` (a list of input objects or
columns of inputs; results in the same order, bad cases reported by index)::

    >>> result = safetynet.calc_many("annuity_divisor", {"age_years": [50, 60]})
    >>> result.column("divisor")
    [195.0, 139.0]
"""

from safetynet.policy.catalogue import CalcResult, calc, catalogue
from safetynet.policy.errors import (
    InputError,
    ParameterFileError,
    ParameterLookupError,
    PolicyError,
    UnknownCalculation,
)
from safetynet.policy.many import BatchResult, calc_many

__version__ = "0.1.0"
__all__ = [
    "BatchResult",
    "CalcResult",
    "InputError",
    "ParameterFileError",
    "ParameterLookupError",
    "PolicyError",
    "UnknownCalculation",
    "calc",
    "calc_many",
    "catalogue",
]
