from django.apps import AppConfig


class DeskConfig(AppConfig):
    """The top floor: the pages and jobs that combine the apps below it (the root URLconf, the home
    page, the case and pupil pages, school settings, the head's reports, demo and scale data).
    It may import every app; no app imports it (the layers contract in pyproject.toml)."""

    name = "desk"
    verbose_name = "Safeguard desk"

    def ready(self) -> None:
        # Connects to cases.signals.pupils_left: the MIS import's leavers start their file's checklist.
        from desk import receivers  # noqa: F401
