"""Shared test support for records, workflow, web and end-to-end tests."""
