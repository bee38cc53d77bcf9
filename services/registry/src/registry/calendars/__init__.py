"""School and holiday calendars per region."""
