"""Keys under KINDRED_SECRET_KEY: one per purpose, encryption at rest, re-sealing after a rotation."""
