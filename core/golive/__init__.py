"""The go-live gate: what a project lacks to go live, overrides, the project's status changes."""
