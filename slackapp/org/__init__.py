"""Org structure: teams (one per pulse channel), departments that group them, and who manages what."""
