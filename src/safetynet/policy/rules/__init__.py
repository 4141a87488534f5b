"""The rules of the law by scheme. Importing this package registers every calculation."""

from safetynet.policy.rules import retirement  # noqa: F401
