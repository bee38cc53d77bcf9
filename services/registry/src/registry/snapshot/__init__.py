"""The planning snapshot the scheduler solves from."""
