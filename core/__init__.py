"""Shared kernel: settings, database, users, organisations, roles, auth, audit, crypto, i18n, jobs, web glue."""
