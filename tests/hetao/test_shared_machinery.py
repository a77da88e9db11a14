"""The pieces every app builds on: the state machine, one visibility rule, one definition of each
role and count, writes through services from every interface, and dependencies pointing one way."""

import ast
import re
from pathlib import Path

import pghistory.models
import pytest
from django.contrib.admin.utils import quote
from django.db import models
from django.test import Client
from django.urls import reverse

from hetao import registry, roles
from hetao.errors import InvalidTransition, NotAllowed
from hetao.models import Notification
from hetao.principal import Principal
from hetao.tasks import send_notification_email
from hetao.workflow import StateMachine, Transition
from tests.factories import InstitutionFactory, MembershipFactory, StaffUserFactory, UserFactory
from tests.zone.whitelist_helpers import application_under_review, make_member, make_reviewer, submitted_application
from zone import services as zone_services
from zone.models import ApplicationStatus, Membership, WhitelistApplication

BASE_DIR = Path(__file__).resolve().parent.parent.parent

pytestmark = pytest.mark.django_db


# --- the state machine --------------------------------------------------------------------------


class Light(models.TextChoices):
    RED = "red", "red"
    GREEN = "green", "green"
    BROKEN = "broken", "broken"


class Signal:
    def __init__(self, status):
        self.status = status


def _only(name):
    return lambda user, obj: (user == name, f"only {name}")


LIGHT = StateMachine(
    noun="a light",
    states=Light,
    transitions=[
        Transition("go", {Light.RED}, Light.GREEN, allowed=_only("driver")),
        Transition("stop", {Light.GREEN}, Light.RED),
        Transition("break", {Light.RED, Light.GREEN}, lambda obj: Light.BROKEN, allowed=_only("vandal")),
    ],
)


def test_a_state_machine_gives_the_target_of_an_allowed_action_and_409s_the_others():
    assert LIGHT.take("go", Signal(Light.RED), "driver") == Light.GREEN
    assert LIGHT.take("break", Signal(Light.GREEN), "vandal") == Light.BROKEN  # a computed target
    with pytest.raises(InvalidTransition) as refused:
        LIGHT.take("stop", Signal(Light.RED), "anyone")
    assert refused.value.code == "invalid_transition" and refused.value.status_code == 409
    assert str(refused.value.message) == "You cannot stop a light that is red."


def test_a_state_machine_checks_the_role_before_the_state():
    with pytest.raises(NotAllowed) as refused:
        LIGHT.take("go", Signal(Light.GREEN), "pedestrian")  # wrong role and wrong state: the role answers
    assert refused.value.message == "only driver"


def test_available_actions_are_those_both_the_state_and_the_role_allow():
    assert LIGHT.available_actions(Signal(Light.RED), "driver") == ["go"]
    assert LIGHT.available_actions(Signal(Light.RED), "vandal") == ["break"]
    assert LIGHT.available_actions(Signal(Light.BROKEN), "vandal") == []


def test_a_state_machine_refuses_unknown_states_and_actions_declared_twice():
    with pytest.raises(ValueError, match="unknown states"):
        StateMachine(noun="x", states=Light, transitions=[Transition("fly", {"blue"}, Light.RED)])
    with pytest.raises(ValueError, match="declared twice"):
        StateMachine(
            noun="x",
            states=Light,
            transitions=[Transition("go", {Light.RED}, Light.GREEN), Transition("go", {Light.GREEN}, Light.RED)],
        )


def test_the_application_workflow_offers_each_person_only_what_they_may_do():
    from zone.workflow import APPLICATION

    application, filer, reviewer = application_under_review()
    assert APPLICATION.available_actions(application, reviewer) == ["assign", "request_changes", "approve", "reject"]
    assert APPLICATION.available_actions(application, filer) == ["withdraw"]
    member_reviewer = make_reviewer()
    MembershipFactory(user=member_reviewer, institution=application.institution, role=Membership.Role.VIEWER)
    # A reviewer who is a member of the applying institution may assign others, not decide.
    assert APPLICATION.available_actions(application, member_reviewer) == ["assign"]


# --- one visibility rule --------------------------------------------------------------------------


def test_every_institution_owned_model_has_the_one_visibility_rule():
    from django.apps import apps

    from hetao.visibility import VisibleToQuerySet

    owned = []
    for model in apps.get_models():
        if model.__module__.startswith(("pghistory", "django.")) or issubclass(model, pghistory.models.Event):
            continue
        fields = {field.name: field for field in model._meta.get_fields()}
        points_to_institution = any(
            getattr(field, "related_model", None) is not None
            and field.related_model._meta.label == "zone.Institution"
            and field.many_to_one
            for field in fields.values()
        )
        owns_one = model._meta.label == "zone.Institution" or (
            points_to_institution and model._meta.label != "hetao.ApiToken"
        )
        through_parent = model._meta.label in {
            "zone.ApplicationDocument",
            "zone.ApplicationComment",
            "zone.ApplicationStep",
        }
        if owns_one or through_parent:
            owned.append(model)
            assert isinstance(model._default_manager.all(), VisibleToQuerySet), model._meta.label
            assert hasattr(model, "tenant_field"), model._meta.label
    assert len(owned) >= 7


def test_a_member_sees_only_their_institutions_records_and_staff_only_with_the_view_permission():
    application, filer, _reviewer = application_under_review()
    other, _other_filer = submitted_application()

    def visible(user):
        return set(WhitelistApplication.objects.visible_to(Principal(user)).values_list("pk", flat=True))

    assert visible(filer) == {application.pk}
    assert visible(StaffUserFactory(role=roles.AUDITOR)) == {application.pk, other.pk}
    assert visible(StaffUserFactory(role=roles.CUSTOMS_OFFICER)) == set()
    assert visible(UserFactory()) == set()
    assert WhitelistApplication.objects.visible_to(None).count() == 0


def test_applicants_never_see_internal_comments_nor_pending_invitations_of_institutions_they_do_not_own():
    from zone.models import ApplicationComment, Invitation

    application, filer, reviewer = application_under_review()
    zone_services.comment_add(application_id=application.pk, actor=reviewer, body="internal", visibility="internal")
    zone_services.comment_add(application_id=application.pk, actor=reviewer, body="to you", visibility="applicant")
    owner = make_member(application.institution, Membership.Role.OWNER)
    zone_services.invitation_create(
        institution=application.institution, email="x@example.org", role="viewer", actor=owner
    )

    comments = ApplicationComment.objects.visible_to(Principal(filer)).values_list("body", flat=True)
    assert list(comments) == ["to you"]
    assert Invitation.objects.visible_to(Principal(filer)).count() == 0
    assert Invitation.objects.visible_to(Principal(owner)).count() == 1


# --- one definition of "waiting for review" -------------------------------------------------------


def test_the_dashboard_tile_and_the_review_queue_count_the_same_applications_in_every_state():
    reviewer = make_reviewer()
    institution = InstitutionFactory()
    filer = make_member(institution, Membership.Role.FILER)
    for status in ApplicationStatus.values:
        application = zone_services.application_create(
            institution=institution, actor=filer, requested_scopes=["goods"], justification="Why"
        )
        WhitelistApplication.objects.filter(pk=application.pk).update(status=status, submitted_at="2026-01-02T00:00Z")
    client = Client()
    client.force_login(reviewer)

    dashboard = client.get("/").content.decode()
    waiting = int(re.search(r"(\d+) waiting \(", dashboard).group(1))
    queue = client.get("/staff/whitelist/").content.decode()
    rows = len(re.findall(r'href="/staff/whitelist/applications/\d+/"', queue))
    assert waiting == rows == 2  # submitted and under review: what waits for the zone


# --- writes through services from every interface -----------------------------------------------


def _membership_events(membership_ids):
    events = pghistory.models.Events.objects.filter(pgh_model="zone.MembershipEvent", pgh_obj_id__in=membership_ids)
    return sorted((event.pgh_label, tuple(sorted(event.pgh_data.keys()))) for event in events)


def test_admin_inline_edits_of_members_leave_the_same_audit_as_the_service():
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(superuser)
    by_service, by_admin = InstitutionFactory(), InstitutionFactory()
    person_a, person_b = UserFactory(), UserFactory()

    created = zone_services.membership_set(user=person_a, institution=by_service, role="viewer")
    zone_services.membership_set(user=person_a, institution=by_service, role="filer")
    zone_services.membership_remove(membership_id=created.pk)

    url = reverse("admin:zone_institution_change", args=[quote(by_admin.pk)])
    page = client.get(url)
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields if name in form.initial}
    prefix = "memberships"
    base = {**data, f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    response = client.post(
        url, {**base, f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-0-user": person_b.pk, f"{prefix}-0-role": "viewer"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    admin_made = Membership.objects.get(institution=by_admin)
    edit = {
        **base,
        f"{prefix}-INITIAL_FORMS": "1",
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-0-id": admin_made.pk,
        f"{prefix}-0-institution": by_admin.pk,
        f"{prefix}-0-user": person_b.pk,
    }
    assert client.post(url, {**edit, f"{prefix}-0-role": "filer"}).status_code == 302
    assert client.post(url, {**edit, f"{prefix}-0-role": "filer", f"{prefix}-0-DELETE": "on"}).status_code == 302

    assert not Membership.objects.filter(institution=by_admin).exists()
    assert _membership_events([admin_made.pk]) == _membership_events([created.pk])
    assert [label for label, _fields in _membership_events([admin_made.pk])] == ["delete", "insert", "update"]


def test_the_admin_refuses_to_delete_what_no_service_deletes():
    from django.contrib import admin

    from hetao.admin import ServiceAdminMixin

    for model, model_admin in admin.site._registry.items():
        if isinstance(model_admin, ServiceAdminMixin) and type(model_admin).delete_service is None:
            request = type("Request", (), {"user": UserFactory(is_staff=True, is_superuser=True)})()
            assert not model_admin.has_delete_permission(request), model._meta.label


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_notification_emails_are_sent_by_the_worker_in_the_recipients_language(worker_outbox):
    application, filer, reviewer = application_under_review()
    owner = make_member(application.institution, Membership.Role.OWNER, language="zh-hans")
    zone_services.application_reject(application_id=application.pk, actor=reviewer, reason="资料不全")

    sent = worker_outbox(wait_for=2)
    by_address = {message.to[0]: message for message in sent}
    assert "驳回" in by_address[owner.email].subject and "资料不全" in by_address[owner.email].body
    assert "rejected" in by_address[filer.email].subject
    assert Notification.objects.filter(kind="application_rejected").count() == 2
    assert send_notification_email.name == "hetao.tasks.send_notification_email"


def test_no_view_sends_mail_itself():
    offenders = []
    for path in (BASE_DIR / "zone" / "views").glob("*.py"):
        if re.search(r"\bsend_mail\b|\bsend_templated_mail\b|\.delay\(", path.read_text()):
            offenders.append(path.name)
    for path in [BASE_DIR / "hetao" / "views.py"]:
        if re.search(r"\bsend_mail\b|\bsend_templated_mail\b|\.delay\(", path.read_text()):
            offenders.append(path.name)
    assert offenders == []


# --- dependencies point one way -------------------------------------------------------------------

APPS = {"zone", "customs", "funding", "projects"}
# The composition roots: the only modules of the core that name the apps.
COMPOSITION_ROOTS = {"hetao/urls.py", "hetao/api/urls.py", "hetao/settings.py", "hetao/settings_test.py"}


def _imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & APPS


def test_the_core_imports_no_app_but_in_its_composition_roots():
    offenders = {}
    for path in (BASE_DIR / "hetao").rglob("*.py"):
        relative = path.relative_to(BASE_DIR).as_posix()
        if "/migrations/" in relative or relative in COMPOSITION_ROOTS:
            continue
        found = _imported_apps(path)
        if found:
            offenders[relative] = sorted(found)
    assert offenders == {}


def test_apps_import_only_the_apps_below_them():
    # zone is the base of the domain apps; customs builds on zone; funding on zone and customs.
    allowed = {
        "zone": set(),
        "customs": {"zone"},
        "funding": {"zone", "customs"},
        "projects": {"zone", "customs", "funding"},
    }
    offenders = {}
    for app, may_import in allowed.items():
        for path in (BASE_DIR / app).rglob("*.py"):
            if "/migrations/" in path.as_posix():
                continue
            wrong = _imported_apps(path) - may_import - {app}
            if wrong:
                offenders[path.relative_to(BASE_DIR).as_posix()] = sorted(wrong)
    assert offenders == {}


def test_apps_bring_their_own_navigation_and_tiles():
    staff_urls = {entry.url_name for entry in registry._registry.navigation if entry.area == registry.STAFF}
    assert {"home", "staff-review-queue", "staff-registry", "staff-audit", "staff-tokens"} <= staff_urls
    count_tiles = {spec.build.key for spec in registry._registry.tiles if spec.kind == "count"}
    assert {("count", "zone.Park"), ("count", "customs.Checkpoint")} <= count_tiles
