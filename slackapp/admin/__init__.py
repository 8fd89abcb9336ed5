"""admin feature."""

from slack_bolt import App


def register(app: App) -> None:
    """Register this feature's listeners."""
