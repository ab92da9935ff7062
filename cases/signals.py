"""Domain events the cases app sends to the apps above it.

STYLE: a lower app that must make something happen above it sends one documented event inside
the same transaction, and the app above connects to it in ``AppConfig.ready()``; it never imports
upwards. Receivers run inside the sender's transaction (``Signal.send``, not ``send_robust``), so
what they write commits, or rolls back, with the change that caused it; an exception in a
receiver fails the whole change.
"""

from django.dispatch import Signal

#: Sent by ``cases.services.case_reassess`` after each assessment is saved, inside its transaction.
#:
#: Keyword arguments: ``case`` (the Case, with ``school`` loaded), ``assessment`` (the new
#: Assessment), ``previous`` (the assessment it replaces, or None), ``became_required`` (True when
#: the case has just become *police referral required*: docs/domain.md says such a case gets a police
#: step and an alert to the DSLs at once) and ``actor`` (who changed the facts, or None).
#:
#: Connected by ``referrals`` (referrals.receivers): the routes the facts now suggest, the police
#: step, and the alert to every DSL.
case_assessed = Signal()


#: Sent by ``cases.services.pupil_import_apply`` inside its transaction, when the MIS import
#: marked pupils as left (its optional leaving date column).
#:
#: Keyword arguments: ``pupils`` (the Pupils newly marked as left, ``left_on`` set) and ``actor``
#: (the DSL who applied the import).
#:
#: Connected by ``desk`` (desk.receivers): the checklist for each one's child protection file,
#: as marking a pupil as left by hand starts it (issue 18).
pupils_left = Signal()
