"""Accounts of people: passwords, roles on organisation nodes, sessions, personal API tokens and
stored login limits (schema version 3)."""
