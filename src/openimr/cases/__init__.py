"""The IMR workflow and its store: intake, eligibility, deadlines, reviewer assignment, drafting, signing, issuing, audit.

`service.Workflow` is the entry point; `states`, `eligibility`, `deadlines` and `reviewers` hold the rules (each citing
domain.md §A), `store` the tables and migrations, `uploads` the document store, `drafting` the one call into the engine.
"""
