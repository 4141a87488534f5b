"""Coverage, fairness, pooling and risk analyses over the population (``safetynet analyze``)."""
