"""Activities and their shift series; shift generation from the series."""
