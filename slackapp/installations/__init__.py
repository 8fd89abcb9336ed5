"""Installations in many workspaces: Slack's OAuth flow, tokens encrypted at rest, per-workspace clients."""
