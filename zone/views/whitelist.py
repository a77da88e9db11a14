"""Browser pages of the institution portal's whitelist filing: the institution's filings and its
members' applications, with their documents and comments.

Pages read through `Model.objects.visible_to` (anything outside it is a 404), offer what the
workflow allows (`APPLICATION.available_actions`) and change through the services; a refusal
becomes a message or a form error (`hetao.pages.run_service`), a role that does not allow it a 403.
"""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hetao.pages import page_of, run_service, stale_action
from hetao.principal import principal_for

from .. import services
from ..forms.whitelist import (
    ApplicationCreateForm,
    ApplicationForm,
    CommentForm,
    DocumentForm,
    MemberApplicationFilterSet,
    WithdrawForm,
)
from ..models import (
    ApplicationComment,
    ApplicationStep,
    EntryStatus,
    Institution,
    Membership,
    WhitelistApplication,
    WhitelistEntry,
)
from ..permissions import can_file, is_reviewer, is_whitelist_manager, member_role
from ..workflow import APPLICATION, APPROVE, ASSIGN, EDIT, REJECT, REQUEST_CHANGES, SUBMIT, WITHDRAW

logger = logging.getLogger(__name__)

STEP_LABELS = {
    "create": gettext_lazy("Created"),
    SUBMIT: gettext_lazy("Submitted"),
    WITHDRAW: gettext_lazy("Withdrawn"),
    ASSIGN: gettext_lazy("Reviewer assigned"),
    REQUEST_CHANGES: gettext_lazy("Changes requested"),
    APPROVE: gettext_lazy("Approved"),
    REJECT: gettext_lazy("Rejected"),
}


def label_steps(steps) -> list:
    steps = list(steps)
    for step in steps:
        step.label = STEP_LABELS.get(step.action, step.action)
    return steps


def application_history(principal, application) -> dict:
    """What both the applicant's and the reviewer's page show of an application: documents, steps, comments."""
    return {
        "documents": application.documents.select_related("uploaded_by"),
        "steps": label_steps(
            ApplicationStep.objects.visible_to(principal).filter(application=application).select_related("actor")
        ),
        "comments": ApplicationComment.objects.visible_to(principal)
        .filter(application=application)
        .select_related("author"),
    }


def _filing_institutions(user):
    return Institution.objects.filter(
        memberships__user=user, memberships__role__in=[Membership.Role.OWNER, Membership.Role.FILER]
    ).order_by("name_en")


def _application_for(request, pk) -> WhitelistApplication:
    queryset = WhitelistApplication.objects.visible_to(principal_for(request)).select_related(
        "institution", "reviewer", "entry", "created_by"
    )
    return get_object_or_404(queryset, pk=pk)


def _back(application):
    return redirect("whitelist-application", pk=application.pk)


@login_required
@require_GET
def whitelist_overview(request):
    """The institution's filing in the registry, with a way to the applications."""
    principal = principal_for(request)
    if principal.institution_ids is None and (is_reviewer(request.user) or is_whitelist_manager(request.user)):
        return redirect("staff-registry")
    entries = (
        WhitelistEntry.objects.visible_to(principal)
        .select_related("institution")
        .order_by("institution__name_en", "-valid_until")
    )
    page_obj, page_range = page_of(request, entries)
    return render(
        request,
        "zone/whitelist.html",
        {
            "page_obj": page_obj,
            "page_range": page_range,
            "can_file_any": _filing_institutions(request.user).exists(),
            "today": timezone.localdate(),
            "active": EntryStatus.ACTIVE,
        },
    )


@login_required
@require_GET
def application_list(request):
    principal = principal_for(request)
    applications = (
        WhitelistApplication.objects.visible_to(principal)
        .select_related("institution", "reviewer", "entry")
        .order_by("-updated_at", "-pk")
    )
    filterset = MemberApplicationFilterSet(
        request.GET or None, queryset=applications, institutions=Institution.objects.visible_to(principal)
    )
    page_obj, page_range = page_of(request, filterset.qs)
    return render(
        request,
        "zone/application_list.html",
        {
            "filterset": filterset,
            "page_obj": page_obj,
            "page_range": page_range,
            "can_file_any": _filing_institutions(request.user).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_create(request):
    institutions = _filing_institutions(request.user)
    if not institutions.exists():
        raise PermissionDenied(_("Only owners and filers of an institution can file applications."))
    form = ApplicationCreateForm(
        request.POST or None, institutions=institutions, preselect=request.GET.get("institution")
    )
    if request.method == "POST" and form.is_valid():
        outcome = run_service(
            request,
            lambda: services.application_create(
                institution=form.cleaned_data["institution"], actor=request.user, **form.service_arguments()
            ),
            form=form,
            success=_("The draft is saved. Attach the documents, then submit the application when it is complete."),
        )
        if outcome.ok:
            return _back(outcome.value)
    return render(request, "zone/application_form.html", {"form": form, "application": None})


def _render_detail(request, application, *, document_form=None, comment_form=None):
    principal = principal_for(request)
    user = request.user
    actions = APPLICATION.available_actions(application, user)
    editable = APPLICATION.allows(EDIT, application.status) and APPLICATION.may(EDIT, application, user)[0]
    filer = can_file(user, application.institution_id)
    return render(
        request,
        "zone/application_detail.html",
        {
            "application": application,
            "entry": application.entry,
            "role": member_role(user, application.institution_id),
            "can_file": filer,
            "editable": editable,
            "can_submit": SUBMIT in actions,
            "can_withdraw": WITHDRAW in actions,
            **application_history(principal, application),
            "document_form": (document_form or DocumentForm()) if editable else None,
            "comment_form": (comment_form or CommentForm()) if filer else None,
        },
    )


@login_required
@require_GET
def application_detail(request, pk):
    application = _application_for(request, pk)
    if principal_for(request).institution_ids is None and is_reviewer(request.user):
        return redirect("staff-review-application", pk=application.pk)
    return _render_detail(request, application)


@login_required
@require_http_methods(["GET", "POST"])
def application_edit(request, pk):
    application = _application_for(request, pk)
    if not can_file(request.user, application.institution_id):
        raise PermissionDenied(_("Only owners and filers of the institution can change its applications."))
    if stale_action(request, APPLICATION, EDIT, application):
        return _back(application)
    initial = {
        "kind": application.kind,
        "requested_scopes": application.requested_scopes,
        "research_fields": application.research_fields,
        "justification": application.justification,
    }
    form = ApplicationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        outcome = run_service(
            request,
            lambda: services.application_update(
                application_id=application.pk, actor=request.user, **form.service_arguments()
            ),
            form=form,
            success=_("Your changes are saved."),
        )
        if outcome.ok or outcome.conflict:
            return _back(application)
    return render(request, "zone/application_form.html", {"form": form, "application": application})


@login_required
@require_POST
def application_submit(request, pk):
    application = _application_for(request, pk)

    run_service(
        request,
        lambda: services.application_submit(application_id=application.pk, actor=request.user),
        success=_("The application is submitted. The zone's reviewers have been told."),
        failure=_("The application is not complete yet: %(problems)s"),
    )
    return _back(application)


@login_required
@require_http_methods(["GET", "POST"])
def application_withdraw(request, pk):
    application = _application_for(request, pk)
    if not can_file(request.user, application.institution_id):
        raise PermissionDenied(_("Only owners and filers of the institution can withdraw its applications."))
    if stale_action(request, APPLICATION, WITHDRAW, application):
        return _back(application)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = run_service(
            request,
            lambda: services.application_withdraw(
                application_id=application.pk, actor=request.user, reason=form.cleaned_data["reason"]
            ),
            form=form,
            success=_("The application is withdrawn."),
        )
        if outcome.ok or outcome.conflict:
            return _back(application)
    return render(request, "zone/application_withdraw.html", {"application": application, "form": form})


@login_required
@require_POST
def document_upload(request, pk):
    application = _application_for(request, pk)
    if stale_action(request, APPLICATION, EDIT, application):
        return _back(application)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        outcome = run_service(
            request,
            lambda: services.document_add(
                application_id=application.pk,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                uploaded=form.cleaned_data["file"],
            ),
            form=form,
        )
        if outcome.ok:
            messages.success(request, _("“%(name)s” is attached.") % {"name": outcome.value.original_name})
        if outcome.ok or outcome.conflict:
            return _back(application)
    return _render_detail(request, application, document_form=form)


@login_required
@require_POST
def document_delete(request, pk, doc_id):
    application = _application_for(request, pk)
    document = get_object_or_404(application.documents, pk=doc_id)
    run_service(
        request,
        lambda: services.document_delete(document_id=document.pk, actor=request.user),
        success=_("“%(name)s” is removed.") % {"name": document.original_name},
    )
    return _back(application)


@login_required
@require_GET
def document_download(request, pk, doc_id):
    application = _application_for(request, pk)
    document = get_object_or_404(application.documents, pk=doc_id)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        logger.error("document %s of application %s is missing from storage", document.pk, application.pk)
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=document.original_name, content_type=document.content_type)


@login_required
@require_POST
def comment_create(request, pk):
    application = _application_for(request, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        outcome = run_service(
            request,
            lambda: services.comment_add(
                application_id=application.pk,
                actor=request.user,
                body=form.cleaned_data["body"],
                visibility=ApplicationComment.Visibility.APPLICANT,
            ),
            form=form,
            success=_("Your comment is added."),
        )
        if outcome.ok:
            return _back(application)
    return _render_detail(request, application, comment_form=form)
