"""River learners that score extraction risk, and their checkpoints."""
