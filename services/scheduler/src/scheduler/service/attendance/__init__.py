"""Attendance and service hours: check-in/out, the append-only ledger, stars and export."""
