"""roster package (see DESIGN.md §3)."""
