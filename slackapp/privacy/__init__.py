"""The privacy gate: the only source of numbers for the dashboard (docs/anonymity.md, rule 4).

Everything the dashboard draws, tabulates or exports comes from `slackapp.privacy.gate`. The rule it
enforces is written out, with its proof, in `slackapp.privacy.suppression`; who may look at what is
in `slackapp.privacy.scope`.
"""
