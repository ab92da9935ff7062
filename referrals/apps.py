from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals and reminders"

    def ready(self) -> None:
        # Connects to cases.signals.case_assessed: steps and the police alert follow each assessment.
        from referrals import receivers  # noqa: F401
