"""Pure exam rules: blueprints and paper draws, timing, answer sequencing, scoring, item analysis and
practical checklists. Values in, values out: no Flask, no database, no clock, no I/O.
"""
