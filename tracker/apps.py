from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Factdesk"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tracker import auth
        from tracker.finding import signals as finding_signals
        from tracker.inbox import signals

        signals.connect()
        auth.connect()
        finding_signals.connect()
