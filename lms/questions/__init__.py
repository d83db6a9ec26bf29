"""Question bank rules: specs, response parsing, grading, import and export.

Pure modules: values in, values out. No Flask, no database, no I/O beyond the bytes or text handed in.
"""
