"""Views of the shared core: home pages, staff, settings, notifications (core.py), and the
account's security: second factor, re-authentication (account.py)."""
