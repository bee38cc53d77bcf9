"""Personal iCalendar feeds."""
