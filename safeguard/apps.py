from django.apps import AppConfig


class SafeguardConfig(AppConfig):
    name = "safeguard"
    verbose_name = "Safeguard core"

    def ready(self) -> None:
        from safeguard import signals  # noqa: F401 - connects the authentication audit receivers
