"""The system of record's vocabulary and invariants, free of any database or framework."""
