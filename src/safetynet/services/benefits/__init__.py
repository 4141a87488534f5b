"""Benefit use cases: awards (retirement and the other layers), the monthly payroll, life
events, medical claims, transfers and assistance; each a transaction with its audit row."""
