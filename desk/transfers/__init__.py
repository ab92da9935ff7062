"""A child's file leaving the school and arriving at the next (issue 18).

- ``deadlines``: when a file is due, in the sending school's school days (pure functions).
- ``core``: the writes every route shares (sent, viewed, accepted, declined), each audited.
- ``services``: the DSL's moves: mark a pupil as left, say where they are going, send, cancel,
  and the receiving school's: open, accept, decline; reminders.
- ``remote``: to and from a school on another Safeguard (signed, encrypted bundles).
- ``links``: a one-time link for a school without Safeguard.

The records are ``cases.models.transfers``; the document is ``desk.child_file``.
"""
