"""Resource groups: HR's directory of groups and professional help, found and joined from Slack."""
