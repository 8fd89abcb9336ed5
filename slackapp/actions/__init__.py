"""You said, we did: what a manager or HR will do about a team's results, shown back to the team."""
