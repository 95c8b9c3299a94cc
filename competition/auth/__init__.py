"""Accounts, sessions, roles and the guards that enforce them."""
