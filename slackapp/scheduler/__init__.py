"""The worker's clock-driven jobs."""
