"""The kernel: store, migrations, permissions, audit, errors, configuration, the i18n mechanism,
Excel, uploads, the working-day calendar, formatting of numbers and money, backup.

It imports no capability (import-linter checks it).
"""
