from django.conf import settings


def factdesk(request) -> dict:
    """Expose the desk's name to every template."""
    return {"FACTDESK_ORG_NAME": settings.FACTDESK_ORG_NAME}
