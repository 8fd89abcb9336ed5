"""The App Home: Kindred's promise for everyone, and the admin section for admins."""
