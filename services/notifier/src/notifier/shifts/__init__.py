"""A volunteer's shifts with their answers, and the answers to a plan, for the web portal."""
