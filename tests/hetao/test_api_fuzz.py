"""Schema-driven fuzzing: every operation of /api/schema/, run by Schemathesis against the WSGI app.

Twice, as a zone administrator's token with every scope and as a token bound to an institution:
no answer is a 5xx, and every answer is documented (status code, content type, headers, body).
Generation is deterministic (a fixed seed, no example database), so a failure reproduces.
"""

import json
import time
from collections import Counter
from pathlib import Path

import hypothesis
import hypothesis.configuration
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hetao.models import ApiScope
from hetao.wsgi import application
from tests.factories import ApiTokenFactory, StaffUserFactory
from tests.zone.whitelist_helpers import application_under_review, make_member, submitted_application
from zone import services
from zone.models import Membership

BASE_DIR = Path(__file__).resolve().parents[2]
VAR = BASE_DIR / "var"
# Hypothesis keeps caches (Unicode tables, constants) under its home; none of it in the repository.
hypothesis.configuration.set_hypothesis_home_dir(VAR / "hypothesis")

SEED = 20_260_601
MAX_EXAMPLES = 15
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
CONFIG = {
    "seed": SEED,
    "suppress-health-check": ["all"],
    "cache": {"enabled": False},
    "generation": {
        "mode": "all",  # valid and invalid input alike
        "max-examples": MAX_EXAMPLES,
        "deterministic": True,
        "database": "none",
        "with-security-parameters": False,  # each run sends its own token
    },
    # Stateful runs chain operations; here every operation is fuzzed on its own, seeded data aside.
    "phases": {"stateful": {"enabled": False}},
}

pytestmark = [pytest.mark.django_db]

FIGURES: dict[str, Counter] = {}


@pytest.fixture(scope="module", autouse=True)
def _report_figures(request):
    started = time.monotonic()
    yield
    if not FIGURES:
        return
    elapsed = time.monotonic() - started
    lines = [
        f"API fuzz ({principal}): {figures['operations']} operations, {figures['cases']} cases, "
        f"{figures['5xx']} answers 5xx, statuses {dict(sorted(figures['statuses'].items()))}"
        for principal, figures in sorted(FIGURES.items())
    ]
    lines.append(f"API fuzz: {elapsed:.0f} s in all")
    VAR.mkdir(exist_ok=True)
    (VAR / "api-fuzz-figures.json").write_text(
        json.dumps(
            {principal: {**figures, "statuses": dict(figures["statuses"])} for principal, figures in FIGURES.items()},
            indent=2,
            default=str,
        )
    )
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write("\n")
            for line in lines:
                reporter.write_line(line)


@pytest.fixture
def world():
    """Seed data the generated requests can find: institutions, applications, an entry, documents."""
    application, filer, reviewer = application_under_review()
    entry = services.application_approve(application_id=application.pk, actor=reviewer)
    pending, _ = submitted_application(institution=application.institution, filer=filer)
    services.comment_add(application_id=pending.pk, actor=filer, body="Lab list attached", visibility="applicant")
    elsewhere, _ = submitted_application()
    return {
        "institution": application.institution,
        "filer": filer,
        "reviewer": reviewer,
        "applications": [application.pk, pending.pk, elsewhere.pk],
        "entry": entry,
        "documents": list(pending.documents.values_list("pk", flat=True)),
    }


@pytest.fixture(params=["staff", "institution"])
def principal(request, world):
    if request.param == "staff":
        _token, secret = ApiTokenFactory.create(owner=StaffUserFactory(role="zone_admin"), scopes=list(ApiScope.values))
    else:
        owner = make_member(world["institution"], Membership.Role.OWNER)
        _token, secret = ApiTokenFactory.create(
            owner=owner,
            institution=world["institution"],
            scopes=list(ApiScope.values),
        )
    return request.param, {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def _one_connection_for_the_test():
    """The app runs in the test's thread and transaction: keep Django from closing the connection per request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _known_ids(world) -> dict:
    return {
        "/api/v1/whitelist/applications/": world["applications"],
        "/api/v1/whitelist/entries/": [world["entry"].pk],
        "/api/v1/institutions/": [world["institution"].pk],
        "document_id": world["documents"],
        "filing_no": [world["entry"].filing_no],
    }


# The seeded records of the running test, read when a case is drawn (the schema is loaded once).
KNOWN: dict[str, list] = {}

schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=schemathesis.Config.from_dict(CONFIG))


def _seeded(key: str):
    return st.integers(min_value=0, max_value=999).map(lambda index: KNOWN[key][index % len(KNOWN[key])])


@schema.hook
def before_generate_path_parameters(context, strategy):
    # Half the cases address the seeded records, so that the answers are not only 404s.
    path = context.operation.path
    choices = {}
    for prefix in ("/api/v1/whitelist/applications/", "/api/v1/whitelist/entries/", "/api/v1/institutions/"):
        if path.startswith(prefix) and "{id}" in path:
            choices["id"] = _seeded(prefix)
    for parameter in ("document_id", "filing_no"):
        if "{" + parameter + "}" in path:
            choices[parameter] = _seeded(parameter)
    if not choices:
        return strategy
    seeded = st.fixed_dictionaries(choices)

    def with_seeded(pair):
        generated, values = pair
        # Schemathesis wraps what it generates with where it came from; keep that, change the values.
        if hasattr(generated, "map_value"):
            return generated.map_value(lambda parameters: {**parameters, **values})
        return {**generated, **values}

    return st.one_of(strategy, st.tuples(strategy, seeded).map(with_seeded))


@pytest.fixture
def seeded(world, principal, _one_connection_for_the_test):
    name, headers = principal
    KNOWN.clear()
    KNOWN.update(
        {
            "/api/v1/whitelist/applications/": world["applications"],
            "/api/v1/whitelist/entries/": [world["entry"].pk],
            "/api/v1/institutions/": [world["institution"].pk],
            "document_id": world["documents"],
            "filing_no": [world["entry"].filing_no],
        }
    )
    figures = FIGURES.setdefault(name, Counter(operations=0, cases=0, **{"5xx": 0}))
    figures.setdefault("statuses", Counter())
    figures["operations"] += 1
    return figures, headers


@schema.parametrize()
@hypothesis.settings(deadline=None, database=None, derandomize=True, max_examples=MAX_EXAMPLES)
def test_every_operation_answers_as_documented_and_never_with_a_server_error(case, seeded):
    figures, headers = seeded
    response = case.call(headers=headers)
    figures["cases"] += 1
    figures["statuses"][response.status_code] += 1
    if response.status_code >= 500:
        figures["5xx"] += 1
    case.validate_response(response, checks=CHECKS, headers=headers)
