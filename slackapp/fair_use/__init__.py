"""Fair use: one person's clicks and commands cannot use up the whole workspace's Slack rate limits."""
