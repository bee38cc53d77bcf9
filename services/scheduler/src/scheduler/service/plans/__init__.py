"""Plans: creation from a registry snapshot, solving, edits, publishing, diffs and repair."""
