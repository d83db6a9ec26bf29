"""Pure competition rules: values in, values out; no Flask, no session, no floats for marks."""
