"""The job ledger: the lifecycle producers write through, its history, and
the live feed readers watch."""
