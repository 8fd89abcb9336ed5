"""Data rights: a plain-words privacy page, and "see" and "delete" for everything tied to a person."""
