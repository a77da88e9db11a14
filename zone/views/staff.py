"""Staff pages of the whitelist: the review queue, an application under review, and the registry.

Reviewers decide through the same services as the API; a stale page (the application has moved
on) gets a message and the current state, never a 500.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from hetao.exports import EXPORT_FORMATS, export_response
from hetao.pages import form_step, page_of, run_service, staff_permission
from hetao.principal import principal_for

from .. import services
from ..forms.whitelist import (
    ApproveForm,
    AssignForm,
    EntryStatusForm,
    RegistryFilterSet,
    RejectForm,
    RequestChangesForm,
    ReviewQueueFilterSet,
    StaffCommentForm,
)
from ..models import WhitelistApplication, WhitelistEntry
from ..permissions import MANAGE_PERMISSION, REVIEW_PERMISSION, can_decide, is_whitelist_manager, reviewers_for
from ..workflow import APPLICATION, APPROVE, ASSIGN, ENTRY, REJECT, REQUEST_CHANGES
from .whitelist import application_history

# An export is a download of the filtered list, not a database dump.
EXPORT_LIMIT = 100_000


# --- the review queue ---------------------------------------------------------------------------


def _queue_filterset(request) -> ReviewQueueFilterSet:
    applications = (
        WhitelistApplication.objects.visible_to(principal_for(request))
        .select_related("institution", "reviewer")
        .filter(submitted_at__isnull=False)
        .order_by("submitted_at", "pk")
    )
    return ReviewQueueFilterSet(request.GET, queryset=applications, request=request)


def _age_days(application, now) -> int | None:
    return (now - application.submitted_at).days if application.submitted_at else None


@staff_permission(REVIEW_PERMISSION)
@require_GET
def review_queue(request):
    filterset = _queue_filterset(request)
    page_obj, page_range = page_of(request, filterset.qs)
    now = timezone.now()
    for application in page_obj.object_list:
        application.age_days = _age_days(application, now)
    return render(
        request,
        "zone/staff/queue.html",
        {
            "filterset": filterset,
            "page_obj": page_obj,
            "page_range": page_range,
            "export_formats": EXPORT_FORMATS,
        },
    )


@staff_permission(REVIEW_PERMISSION)
@require_GET
def review_queue_export(request, fmt):
    if fmt not in EXPORT_FORMATS:
        raise Http404
    applications = _queue_filterset(request).qs[:EXPORT_LIMIT]
    now = timezone.now()
    header = [
        _("Application"),
        _("Institution"),
        _("Registration number"),
        _("Kind"),
        _("Requested scopes"),
        _("Status"),
        _("Submitted at"),
        _("Waiting (days)"),
        _("Reviewer"),
        _("Updated at"),
    ]
    rows = (
        [
            application.pk,
            application.institution.name,
            application.institution.registration_no,
            application.get_kind_display(),
            "; ".join(application.scope_labels),
            application.get_status_display(),
            application.submitted_at,
            _age_days(application, now),
            application.reviewer.get_username() if application.reviewer_id else "",
            application.updated_at,
        ]
        for application in applications.iterator(chunk_size=2000)
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return export_response(
        fmt, filename=f"whitelist-queue-{stamp}", header=header, rows=rows, title=_("Whitelist review queue")
    )


# --- an application under review ----------------------------------------------------------------


def _application_for(request, pk) -> WhitelistApplication:
    queryset = WhitelistApplication.objects.visible_to(principal_for(request)).select_related(
        "institution", "reviewer", "entry"
    )
    return get_object_or_404(queryset, pk=pk)


def _render_review(request, application, **bound_forms):
    user = request.user
    decide, decide_reason = can_decide(user, application)
    actions = APPLICATION.available_actions(application, user)
    forms = {
        "assign_form": AssignForm(application=application) if ASSIGN in actions else None,
        "comment_form": StaffCommentForm(),
        "changes_form": RequestChangesForm() if REQUEST_CHANGES in actions else None,
        "approve_form": ApproveForm(application=application) if APPROVE in actions else None,
        "reject_form": RejectForm() if REJECT in actions else None,
    }
    forms.update(bound_forms)
    return render(
        request,
        "zone/staff/application_detail.html",
        {
            "application": application,
            "entry": application.entry,
            "can_decide": decide,
            "decide_reason": decide_reason,
            "can_take": forms["assign_form"] is not None
            and application.reviewer_id != user.pk
            and reviewers_for(application).filter(pk=user.pk).exists(),
            **application_history(principal_for(request), application),
            "age_days": _age_days(application, timezone.now()),
            **forms,
        },
    )


@staff_permission(REVIEW_PERMISSION)
@require_GET
def review_application(request, pk):
    return _render_review(request, _application_for(request, pk))


def _review_action(request, pk, *, action, form_name, make_form, call, done):
    """Check the state, validate the form, call the service, and answer with the page or a redirect."""
    application = _application_for(request, pk)
    return form_step(
        request,
        application,
        machine=APPLICATION,
        action=action,
        form=make_form(request.POST, application),
        call=lambda data: call(application, data),
        done=done,
        back=redirect("staff-review-application", pk=application.pk),
        again=lambda form: _render_review(request, application, **{form_name: form}),
    )


@staff_permission(REVIEW_PERMISSION)
@require_POST
def review_assign(request, pk):
    return _review_action(
        request,
        pk,
        action=ASSIGN,
        form_name="assign_form",
        make_form=lambda data, application: AssignForm(data, application=application),
        call=lambda application, data: services.application_assign(
            application_id=application.pk, reviewer=data["reviewer"], actor=request.user
        ),
        done=_("The reviewer is assigned and the application is under review."),
    )


@staff_permission(REVIEW_PERMISSION)
@require_POST
def review_comment(request, pk):
    return _review_action(
        request,
        pk,
        action=None,
        form_name="comment_form",
        make_form=lambda data, application: StaffCommentForm(data),
        call=lambda application, data: services.comment_add(
            application_id=application.pk, actor=request.user, body=data["body"], visibility=data["visibility"]
        ),
        done=_("The comment is added."),
    )


@staff_permission(REVIEW_PERMISSION)
@require_POST
def review_request_changes(request, pk):
    return _review_action(
        request,
        pk,
        action=REQUEST_CHANGES,
        form_name="changes_form",
        make_form=lambda data, application: RequestChangesForm(data),
        call=lambda application, data: services.application_request_changes(
            application_id=application.pk, actor=request.user, message=data["message"]
        ),
        done=_("The application is returned to the applicant for changes."),
    )


@staff_permission(REVIEW_PERMISSION)
@require_POST
def review_approve(request, pk):
    return _review_action(
        request,
        pk,
        action=APPROVE,
        form_name="approve_form",
        make_form=lambda data, application: ApproveForm(data, application=application),
        call=lambda application, data: services.application_approve(
            application_id=application.pk,
            actor=request.user,
            scopes=data["scopes"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
            note=data["note"],
        ),
        done=_("The application is approved and the whitelist entry is in the registry."),
    )


@staff_permission(REVIEW_PERMISSION)
@require_POST
def review_reject(request, pk):
    return _review_action(
        request,
        pk,
        action=REJECT,
        form_name="reject_form",
        make_form=lambda data, application: RejectForm(data),
        call=lambda application, data: services.application_reject(
            application_id=application.pk, actor=request.user, reason=data["reason"]
        ),
        done=_("The application is rejected; the applicant has been told the reason."),
    )


# --- the registry -------------------------------------------------------------------------------


@staff_permission(REVIEW_PERMISSION, MANAGE_PERMISSION)
@require_GET
def registry(request):
    entries = (
        WhitelistEntry.objects.visible_to(principal_for(request)).select_related("institution").order_by("filing_no")
    )
    filterset = RegistryFilterSet(request.GET or None, queryset=entries)
    page_obj, page_range = page_of(request, filterset.qs)
    today = timezone.localdate()
    for entry in page_obj.object_list:
        entry.valid_today = entry.is_valid_on(today)
        entry.actions = [
            (action, EntryStatusForm.ACTIONS[action]) for action in ENTRY.available_actions(entry, request.user)
        ]
    return render(
        request,
        "zone/staff/registry.html",
        {
            "filterset": filterset,
            "page_obj": page_obj,
            "page_range": page_range,
            "can_manage": is_whitelist_manager(request.user),
        },
    )


_ENTRY_CHANGES = {
    "suspend": (services.entry_suspend, gettext_lazy("The entry %(filing_no)s is suspended.")),
    "reinstate": (services.entry_reinstate, gettext_lazy("The entry %(filing_no)s is active again.")),
    "revoke": (services.entry_revoke, gettext_lazy("The entry %(filing_no)s is revoked.")),
}


@staff_permission(MANAGE_PERMISSION)
@require_POST
def registry_change(request, pk):
    entry = get_object_or_404(WhitelistEntry.objects.visible_to(principal_for(request)), pk=pk)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("staff-registry")
    form = EntryStatusForm(request.POST)
    if not form.is_valid():
        errors = [str(message) for messages_ in form.errors.values() for message in messages_]
        messages.error(
            request,
            _("%(filing_no)s was not changed: %(errors)s") % {"filing_no": entry.filing_no, "errors": " ".join(errors)},
        )
        return redirect(back)
    service, done = _ENTRY_CHANGES[form.cleaned_data["action"]]
    run_service(
        request,
        lambda: service(entry_id=entry.pk, actor=request.user, reason=form.cleaned_data["reason"]),
        success=done % {"filing_no": entry.filing_no},
    )
    return redirect(back)
