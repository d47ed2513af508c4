"""Appraisal services: every write goes through here (permission, rule, record)."""
