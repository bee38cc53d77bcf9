"""Pure domain rules of the registry: school calendar, recurrence and shift sync, spreadsheets.

Nothing here touches Flask, the database or the network; the API layer calls these functions
with plain values and stores what they return.
"""
