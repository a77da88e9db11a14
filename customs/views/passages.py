"""Staff pages of customs: the passage check at a checkpoint.

Built for a document scanner: the number field has the focus and a scanner types the number and
presses Enter. The answer is shown large, in colour and in words, and the page lists today's
checks at the checkpoint below. The last checkpoint used is remembered for the session.
"""

from datetime import datetime, time, timedelta

from django import forms
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from hetao.forms import ServiceErrorsMixin
from hetao.pages import run_service, staff_permission
from zone.models import TravelDocumentType
from zone.validators import DOCUMENT_NUMBER_MAX

from .. import services
from ..models import Checkpoint, PassageCheck

CHECK_PERMISSION = "customs.add_passagecheck"
SESSION_CHECKPOINT = "passage_checkpoint"
TODAY_LIMIT = 200  # checks listed below the form; the API lists them all


class NumberInput(forms.TextInput):
    """The scanner's field: large, focused, and never showing a number again once sent."""

    def format_value(self, value):
        return None


class PassageCheckForm(ServiceErrorsMixin, forms.Form):
    checkpoint = forms.ModelChoiceField(
        label=_("Checkpoint"), queryset=Checkpoint.objects.filter(active=True).order_by("code"), empty_label=None
    )
    document_type = forms.ChoiceField(
        label=_("Travel document type"), choices=TravelDocumentType.choices, initial=TravelDocumentType.HK_ID
    )
    document_number = forms.CharField(
        label=_("Travel document number"),
        max_length=DOCUMENT_NUMBER_MAX,
        widget=NumberInput(
            attrs={
                "class": "form-control form-control-lg font-monospace",
                "autofocus": True,
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "inputmode": "text",
            }
        ),
        help_text=_("Scan the document or type its number, then press Enter."),
    )


def _day_bounds(day):
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


@staff_permission(CHECK_PERMISSION)
@require_http_methods(["GET", "POST"])
def passage_check(request):
    checkpoints = Checkpoint.objects.filter(active=True).order_by("code")
    remembered = checkpoints.filter(pk=request.session.get(SESSION_CHECKPOINT)).first() or (
        checkpoints.filter(hand_carry=True).first() or checkpoints.first()
    )
    initial = {"checkpoint": remembered, "document_type": request.session.get("passage_document_type")}
    form = PassageCheckForm(request.POST or None, initial={k: v for k, v in initial.items() if v})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        request.session[SESSION_CHECKPOINT] = data["checkpoint"].pk
        request.session["passage_document_type"] = data["document_type"]
        outcome = run_service(
            request,
            lambda: services.passage_check(
                checkpoint=data["checkpoint"],
                document_type=data["document_type"],
                document_number=data["document_number"],
                actor=request.user,
            ),
            form=form,
        )
        if outcome.ok:
            # The answer is shown by the next page, so that reloading it checks nobody twice.
            return redirect(f"{request.path}?check={outcome.value.pk}")
    checkpoint = (form.cleaned_data.get("checkpoint") if form.is_bound else None) or remembered
    result = None
    if request.method == "GET" and request.GET.get("check", "").isdigit():
        result = (
            PassageCheck.objects.select_related("checkpoint", "person__institution", "checked_by")
            .filter(pk=int(request.GET["check"]), checked_by=request.user)
            .first()
        )
        if result is not None:
            result.reason_text = services.reason_text(result)
    start, end = _day_bounds(timezone.localdate())
    today = (
        PassageCheck.objects.filter(checkpoint=checkpoint, checked_at__gte=start, checked_at__lt=end)
        .select_related("person__institution", "checked_by")
        .order_by("-checked_at", "-pk")[:TODAY_LIMIT]
        if checkpoint is not None
        else []
    )
    today = list(today)
    for check in today:
        check.reason_text = services.reason_text(check)
    counts = {"total": 0, "valid": 0}
    if checkpoint is not None:
        for row in services.passage_counts():
            if row["checkpoint__code"] == checkpoint.code:
                counts = row
    return render(
        request,
        "customs/passage_check.html",
        {
            "form": form,
            "checkpoint": checkpoint,
            "result": result,
            "today_checks": today,
            "counts": counts,
            "listed_all": len(today) < TODAY_LIMIT,
        },
    )
