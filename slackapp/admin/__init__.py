"""Who administers Kindred, and the workspace's professional-help contact."""
