"""The IMR workflow and its store: intake, eligibility, deadlines, reviewer assignment, drafting, signing, issuing, audit.

`services.open_services(settings)` gives one service per resource (`intake`, `screening`, `assignment`, `drafting`,
`draft_edits`, `signing`, `users`, `reviewer_pool`, `cases`), sharing a `context.ServiceContext`. `domain` holds the
vocabulary (states, roles, kinds); `states`, `eligibility`, `deadlines` and `reviewers` the rules (each citing domain.md
§A); `mapping` turns rows into views and into the engine's `Case`; `store` the tables and migrations; `uploads` the
document store.
"""
