"""What every browser page of the portal does the same way: paginate a list, say that a page is
stale, and run a service — its refusals become a message or errors on the form, never a 500.

    outcome = run_service(request, lambda: services.application_submit(...), form=form,
                          success=_("The application is submitted."))
    if outcome.ok: return redirect(...)

A role the service refuses (`NotAllowed`) is not caught here: the 403 page answers it
(`hetao.middleware.RefusedOperationMiddleware`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator

from hetao.errors import InvalidTransition

PAGE_SIZE = 25


def page_of(request, queryset, per_page: int = PAGE_SIZE):
    """The `?page=` of a list, and the page numbers to show (elided)."""
    page_obj = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    return page_obj, page_obj.paginator.get_elided_page_range(page_obj.number)


def service_error_text(error: ValidationError) -> str:
    """A service's ValidationError as one line, for a message above the page."""
    return " ".join(str(message) for message in error.messages)


@dataclass
class Outcome:
    """How a service call from a page went: `ok` and its `value`, or `conflict` (the record's state
    moved on: the page should show it again) or invalid input (on the form, or in a message)."""

    ok: bool
    value: Any = None
    conflict: bool = False


def run_service(
    request, call: Callable[[], Any], *, form=None, success: str | None = None, failure: str | None = None
) -> Outcome:
    """Call a service for a page. A state that no longer allows the action becomes an error message;
    invalid input goes onto `form` (its fields, or above it), or into a message without a form —
    `failure` (with `%(problems)s`) says what the messages are about."""
    try:
        value = call()
    except InvalidTransition as error:
        messages.error(request, error.message)
        return Outcome(ok=False, conflict=True)
    except ValidationError as error:
        if form is not None and hasattr(form, "add_service_errors"):
            form.add_service_errors(error)
        else:
            text = service_error_text(error)
            messages.error(request, failure % {"problems": text} if failure else text)
        return Outcome(ok=False)
    if success:
        messages.success(request, success)
    return Outcome(ok=True, value=value)


def stale_action(request, machine, action: str, obj) -> bool:
    """Say at once when a page's action no longer fits the record's state (the page was stale)."""
    try:
        machine.target(action, obj)
    except InvalidTransition as error:
        messages.error(request, error.message)
        return True
    return False


def form_step(request, obj, *, machine, action, form, call, done, back, again):
    """A workflow step posted from a record's page with a form: a stale page is said at once,
    then the form is validated and the service called. Answers `back` (a redirect to the record)
    when the step was taken or the record moved on, else `again(form)`: the page with the form's
    errors.

        return form_step(request, filing, machine=EXPORT, action=EXPORT_REJECT,
                         form=RejectForm(request.POST), call=lambda data: services.reject(...),
                         done=_("Rejected."), back=redirect(...), again=lambda f: page(reject_form=f))
    """
    if action is not None and stale_action(request, machine, action, obj):
        return back
    if form.is_valid():
        outcome = run_service(request, lambda: call(form.cleaned_data), form=form, success=done)
        if outcome.ok or outcome.conflict:
            return back
    return again(form)


def staff_permission(*perms):
    """A staff page: signed in (else the sign-in page) and holding one of `perms` (else 403)."""
    from functools import wraps

    from django.contrib.auth.decorators import login_required
    from django.core.exceptions import PermissionDenied

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not any(request.user.has_perm(perm) for perm in perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator
