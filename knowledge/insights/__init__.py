"""Conversation decision records and knowledge gaps, in SQLite under the data directory.

Written by the answer action after each decision (masked), read by `customer-agent gaps` and
`customer-agent report`.
"""
