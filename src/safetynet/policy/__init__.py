"""The law: dated, sourced parameters and pure vectorised rules. Reads parameters; no other I/O."""
