"""The rules of the law by scheme. Importing this package registers every calculation."""

from safetynet.policy.rules import (  # noqa: F401 - imported to register the kernels
    account,
    annuity,
    assistance,
    contribution,
    identity,
    injury,
    medical,
    pension,
    resident,
    retirement,
    supplementary,
    transfer,
    unemployment,
)
