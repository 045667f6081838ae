"""Quality assurance (质检): scorecards, scoring, reviews, disputes, the case library, calibration.

Modules, lower first (a module imports only those before it): `scoring` (pure rules), `inputs`
(limits and checks of typed values), `access` (who sees what, project teams), `scorecards`,
`settings`, `chats` (the chat under review from raw logs), `reviews`, then `disputes`, `cases`,
`calibration` on reviews, and `analytics` (IQS, charts, lost points, sampling).
"""
