"""Slack plumbing every feature shares: the Web API client, pacing, posting once, people, payloads,
request shape, mrkdwn escaping, notices, create/edit forms, modal submissions and the listener threads."""
