"""Browser pages of batch filings: upload a file, follow it to its outcome, read its errors.

An institution's owners and filers file for it; zone staff who may file batches file for the
declarants their rows name (`services.batch_institution` decides, as in the API). Anyone who may
see a batch (`visible_to`) follows it: its progress panel polls its own fragment with htmx while
the batch runs and stops once it has an outcome; without script the page refreshes itself.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from hetao.batches.engine import progress_of
from hetao.batches.kinds import kinds
from hetao.batches.services import batch_filing_institutions, batch_institution, batch_submit
from hetao.forms import ServiceErrorsMixin
from hetao.models import BatchFiling, BatchMode, BatchStatus
from hetao.pages import page_of, run_service
from hetao.principal import principal_for
from hetao.tenancy import institution_model

RUNNING = (BatchStatus.QUEUED, BatchStatus.VALIDATING, BatchStatus.IMPORTING)
ERRORS_SHOWN = 50


class BatchUploadForm(ServiceErrorsMixin, forms.Form):
    """A file to file. Members choose one of their institutions; zone staff (`institutions` None)
    choose none: each row of their file names its declarant."""

    institution = forms.ModelChoiceField(
        label=gettext_lazy("Institution"),
        queryset=institution_model().objects.none(),
        empty_label=None,
        help_text=gettext_lazy("Every row is filed for this institution; leave the declarant column empty."),
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
        if institutions is None:
            del self.fields["institution"]
            self.fields["file"].help_text = gettext_lazy(
                "Each row names the institution it is filed for by its registration number in the declarant "
                "column: the column is required in your files."
            )
        else:
            self.fields["institution"].queryset = institutions
        self.fields["kind"].choices = [(kind.code, kind.label) for kind in kinds()]

    @property
    def per_row_declarants(self) -> bool:
        return "institution" not in self.fields


def _upload_form(request):
    """The upload form for whoever may file batches (None for anyone else)."""
    institutions = batch_filing_institutions(principal_for(request))
    if institutions is not None and not institutions.exists():
        return None
    return BatchUploadForm(request.POST or None, request.FILES or None, institutions=institutions)


@login_required
@require_http_methods(["GET", "POST"])
def batch_list(request):
    form = _upload_form(request)
    if form is not None and request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = data.get("institution")

        def submit():
            institution = batch_institution(
                principal=principal_for(request), institution_id=chosen.pk if chosen else None
            )
            return batch_submit(
                kind=data["kind"], uploaded=data["file"], actor=request.user, institution=institution,
                mode=data["mode"],
            )  # fmt: skip

        outcome = run_service(request, submit, form=form)
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


def _visible_batch(request, pk) -> BatchFiling:
    """The batch if the request's principal may see it; 404 otherwise (never 403)."""
    return get_object_or_404(
        BatchFiling.objects.visible_to(principal_for(request)).select_related("institution", "uploaded_by"), pk=pk
    )


def _progress_context(batch: BatchFiling) -> dict:
    """What the progress panel shows: status, progress and counts, and the error report once done."""
    return {
        "batch": batch,
        "progress": progress_of(batch),
        "running": batch.status in RUNNING,
        "errors": (batch.errors or [])[:ERRORS_SHOWN],
        "more_errors": max(len(batch.errors or []) - ERRORS_SHOWN, 0),
    }


@login_required
@require_GET
def batch_detail(request, pk):
    return render(request, "batches/detail.html", _progress_context(_visible_batch(request, pk)))


@never_cache
@require_GET
def batch_progress(request, pk):
    """The progress panel of a batch alone, which the detail page polls while the batch runs."""
    if not request.user.is_authenticated:
        # Signed out while the page polls: the whole page goes to the sign-in, not into the panel.
        detail = reverse("batch", args=[pk])
        if request.htmx:
            return HttpResponseClientRedirect(redirect_to_login(detail).url)
        return redirect_to_login(detail)
    batch = _visible_batch(request, pk)
    return render(request, "batches/includes/progress.html", _progress_context(batch))
