from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases and disclosures"

    def ready(self) -> None:
        # Connects to safeguard.services.trust_leads.trust_lead_ended (the cases granted to a
        # trust's safeguarding lead are taken back when their appointment ends), and registers who
        # may be alerted about a case (never the member of staff an allegation is about).
        from cases import receivers  # noqa: F401
