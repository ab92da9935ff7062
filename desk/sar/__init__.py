"""Subject access requests (issue 19, part 4; UK GDPR Art. 15): a request recorded with the proof
of identity seen, the records gathered into a frozen draft with the other children lettered, the
draft reviewed with anything withheld given its reason, and the release as a PDF with a record of
what was withheld and why. Only the school's DSLs, deputies and the head see requests.

- ``rules``: the due date and which reminder is due (pure functions).
- ``redact``: what may be withheld, the reasons, and the release as the draft with the
  redactions applied (pure functions).
- ``selectors``: the reads; ``services``: the writes, each audited; ``views``, ``urls``, ``forms``.
"""
