"""Browser pages of batch filings: upload a file, follow it to its outcome, read its errors.

An institution's owners and filers file for it; anyone who may see a batch (`visible_to`) follows
it. While a batch is running its page refreshes itself every few seconds (no script), so the
progress bar moves without the person doing anything.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from hetao.batches.engine import progress_of
from hetao.batches.kinds import kinds
from hetao.batches.services import batch_submit
from hetao.forms import ServiceErrorsMixin
from hetao.models import BatchFiling, BatchMode, BatchStatus
from hetao.pages import page_of, run_service
from hetao.principal import principal_for
from hetao.tenancy import institution_model, roles

RUNNING = (BatchStatus.QUEUED, BatchStatus.VALIDATING, BatchStatus.IMPORTING)
ERRORS_SHOWN = 50


def _filing_institutions(user):
    role = roles()
    return (
        institution_model()
        .objects.filter(memberships__user_id=user.pk, memberships__role__in=[role.OWNER, role.FILER])
        .order_by("name_en")
    )


class BatchUploadForm(ServiceErrorsMixin, forms.Form):
    institution = forms.ModelChoiceField(
        label=gettext_lazy("Institution"), queryset=institution_model().objects.none(), empty_label=None
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind of records"))
    mode = forms.ChoiceField(
        label=gettext_lazy("Mode"),
        choices=BatchMode.choices,
        initial=BatchMode.ALL_OR_NOTHING,
        help_text=gettext_lazy("All or nothing: one bad row and nothing is filed. Valid rows only: the rest is."),
    )
    file = forms.FileField(label=gettext_lazy("CSV or XLSX file"))

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        self.fields["kind"].choices = [(kind.code, kind.label) for kind in kinds()]


@login_required
@require_http_methods(["GET", "POST"])
def batch_list(request):
    institutions = _filing_institutions(request.user)
    form = None
    if institutions.exists():
        form = BatchUploadForm(request.POST or None, request.FILES or None, institutions=institutions)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            outcome = run_service(
                request,
                lambda: batch_submit(
                    kind=data["kind"], uploaded=data["file"], actor=request.user,
                    institution=data["institution"], mode=data["mode"],
                ),
                form=form,
            )  # fmt: skip
            if outcome.ok:
                batch, created = outcome.value
                if created:
                    messages.success(request, _("The file is filed; a worker imports it now."))
                else:
                    messages.info(request, _("This file was filed before: here is that filing."))
                return redirect("batch", pk=batch.pk)
    batches = BatchFiling.objects.visible_to(principal_for(request)).select_related("institution")
    page_obj, page_range = page_of(request, batches.order_by("-created_at", "-pk"))
    for batch in page_obj.object_list:
        batch.progress = progress_of(batch)
    return render(
        request,
        "batches/list.html",
        {"form": form, "page_obj": page_obj, "page_range": page_range, "kinds": kinds()},
    )


@login_required
@require_GET
def batch_detail(request, pk):
    batch = get_object_or_404(
        BatchFiling.objects.visible_to(principal_for(request)).select_related("institution", "uploaded_by"), pk=pk
    )
    return render(
        request,
        "batches/detail.html",
        {
            "batch": batch,
            "progress": progress_of(batch),
            "running": batch.status in RUNNING,
            "errors": (batch.errors or [])[:ERRORS_SHOWN],
            "more_errors": max(len(batch.errors or []) - ERRORS_SHOWN, 0),
        },
    )
