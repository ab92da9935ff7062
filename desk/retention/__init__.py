"""Retention (issue 19): how long a pupil's records are kept, their review, legal holds, and
destruction by two people. ``rules``: pure functions; ``selectors``: reads; ``services`` and
``destruction``: writes, each audited. The models are ``cases.models.retention``."""
