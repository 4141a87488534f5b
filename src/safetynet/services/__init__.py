"""Use cases of the system of record. Each runs in one transaction with its audit row."""
