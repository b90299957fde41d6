"""What every page of the editorial UI shares: the desk check and how refusals are shown."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest

from tracker import pagination, roles
from tracker.errors import DeskError
from tracker.models import Claim, priority_rank  # noqa: F401 (the queue's sort, imported from here)
from tracker.workflow import EditForbidden

PAGE_SIZE = 25

STATUS_ORDER = [s.value for s in Claim.Status]


def desk_required(view):
    """Let desk members in; send anonymous readers to the login page (GET) or refuse them (other methods).

    A domain refusal of the user's role (EditForbidden) that the view does not
    handle itself becomes a 403 here, once for every view.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            if request.method in ("GET", "HEAD"):
                return redirect_to_login(request.get_full_path())
            raise PermissionDenied("Log in to do this.")
        if not roles.is_staff_member(request.user):
            raise PermissionDenied("Your account is not a member of the desk.")
        try:
            return view(request, *args, **kwargs)
        except EditForbidden as exc:
            raise PermissionDenied(str(exc)) from exc

    return wrapper


def refuse(form, exc: DeskError | ValidationError, *, fields: dict[str, str] | None = None) -> int:
    """Show a domain refusal on form and return the HTTP status the page is answered with.

    The UI's one map from refusals to answers: the message lands on the form field
    the error names (``fields`` renames a domain field to the form's, e.g. ``url`` to
    ``source_url``), or above the form when the form has no such field; the status is the
    one the error carries (400 for a ValidationError).
    """
    fields = fields or {}

    def target(name):
        name = fields.get(name, name)
        return name if name in form.fields else None

    if isinstance(exc, ValidationError):
        by_field = exc.error_dict if hasattr(exc, "error_dict") else {None: exc.error_list}
        for name, errors in by_field.items():
            form.add_error(target(name), errors)
    else:
        form.add_error(target(exc.field), str(exc))
    return refusal_status(exc)


def refusal_status(exc: DeskError | ValidationError) -> int:
    """The HTTP status a refusal is answered with: the one it carries, 400 for a ValidationError."""
    return 400 if isinstance(exc, ValidationError) else exc.status


def refusal_message(exc: DeskError | ValidationError) -> str:
    """What the person is told about a refusal, in one line."""
    return " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


def refused(request: HttpRequest, exc: DeskError | ValidationError, about: str = "") -> None:
    """Tell the person why the domain refused, on the page they are sent back to (views that redirect)."""
    message = refusal_message(exc)
    messages.error(request, f"{about}: {message}" if about else message)


def require(allowed: bool, message: str) -> None:
    """Refuse the action (403) unless allowed."""
    if not allowed:
        raise PermissionDenied(message)


def paginate(request: HttpRequest, queryset, per_page: int = PAGE_SIZE) -> pagination.Page:
    """Return the requested page of queryset without counting it; a page number that is not one shows page 1."""
    number = pagination.parse_page_number(request.GET.get("page")) or 1
    return pagination.get_page(queryset, number, per_page)


def querystring_without(request: HttpRequest, *names: str) -> str:
    """Return the current query string minus names, for pagination and sort links."""
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()
