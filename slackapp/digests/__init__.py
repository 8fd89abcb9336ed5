"""Results digests: when a week's results are complete, each manager gets one DM with their headline."""
