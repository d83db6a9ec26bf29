"""certificates package (see DESIGN.md §3)."""
