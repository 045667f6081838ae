"""Accounts: users, roles, passwords, login throttling, language."""
