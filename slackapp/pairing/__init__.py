"""Peer-support pairing: programmes, opt-in, matching, introductions and follow-up."""
