"""Cadence and schedule slots, shared by every feature that runs on a clock: check-in pulses and
peer-support programmes."""
