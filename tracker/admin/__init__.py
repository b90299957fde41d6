"""The Django admin, built for daily desk work (DESIGN §1-3).

Importing the modules registers their model admins with the default site.
"""

from tracker.admin import claims, desk, finding, inbox, parts

__all__ = ["claims", "desk", "finding", "inbox", "parts"]
