"""Pure functions on plain data: no program, service or network; seconds in all."""
