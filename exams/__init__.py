"""exams package (see DESIGN.md §3)."""
