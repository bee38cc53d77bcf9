"""Communities (社区) and their pairings."""
