"""Staff page of the gate: the checkpoint officer scans or types a release slip when released
goods cross, and the passage is recorded.

Built for a scanner like the passage check: the slip field has the focus, a scanner types the
number and presses Enter. The answer says in large words whether the goods may cross, and the
page lists today's passages at the checkpoint and the releases still waiting to cross.
"""

from datetime import datetime, time, timedelta

from django import forms
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from hetao.forms import ServiceErrorsMixin
from hetao.pages import run_service, staff_permission

from .. import services
from ..models import Checkpoint, GatePassage
from ..services.gates import GATE_PERMISSION, PLATE_MAX

SESSION_CHECKPOINT = "gate_checkpoint"
LISTED = 100


class GateForm(ServiceErrorsMixin, forms.Form):
    checkpoint = forms.ModelChoiceField(
        label=_("Checkpoint"), queryset=Checkpoint.objects.filter(active=True).order_by("code"), empty_label=None
    )
    slip_number = forms.CharField(
        label=_("Release slip"),
        max_length=20,
        help_text=_("Scan the slip's QR code or type its number (HTRS-…), then press Enter."),
        widget=forms.TextInput(
            attrs={
                "class": "form-control form-control-lg font-monospace",
                "autofocus": True,
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
    )
    vehicle_plate = forms.CharField(label=_("Vehicle plate (optional)"), max_length=PLATE_MAX, required=False)


def _today(checkpoint):
    start = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    return (
        GatePassage.objects.filter(checkpoint=checkpoint, passed_at__gte=start, passed_at__lt=start + timedelta(days=1))
        .select_related("declaration__institution", "officer", "carrier")
        .order_by("-passed_at", "-pk")[:LISTED]
    )


@staff_permission(GATE_PERMISSION)
@require_http_methods(["GET", "POST"])
def gate(request):
    checkpoints = Checkpoint.objects.filter(active=True).order_by("code")
    remembered = checkpoints.filter(pk=request.session.get(SESSION_CHECKPOINT)).first() or checkpoints.first()
    form = GateForm(request.POST or None, initial={"checkpoint": remembered} if remembered else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        request.session[SESSION_CHECKPOINT] = data["checkpoint"].pk
        outcome = run_service(
            request,
            lambda: services.gate_pass(
                slip_number=data["slip_number"],
                checkpoint=data["checkpoint"],
                actor=request.user,
                vehicle_plate=data["vehicle_plate"],
            ),
            form=form,
        )
        if outcome.ok:
            # Shown by the next page, so that reloading it records nothing twice.
            return redirect(f"{request.path}?passage={outcome.value.pk}")
    checkpoint = (form.cleaned_data.get("checkpoint") if form.is_bound else None) or remembered
    passage = None
    if request.method == "GET" and request.GET.get("passage", "").isdigit():
        passage = (
            GatePassage.objects.select_related("declaration__institution", "checkpoint", "carrier")
            .prefetch_related("items__item")
            .filter(pk=int(request.GET["passage"]), officer=request.user)
            .first()
        )
    waiting = services.overdue_releases()
    return render(
        request,
        "customs/gate.html",
        {
            "form": form,
            "checkpoint": checkpoint,
            "passage": passage,
            "today_passages": list(_today(checkpoint)) if checkpoint else [],
            "overdue": list(waiting[:LISTED]),
            "overdue_days": services.gates_overdue_days(),
        },
    )
