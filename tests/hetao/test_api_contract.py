"""The partner API's contract, for every route the URL configuration serves under /api/v1/.

The routes are read from the URL resolver (the router's viewsets, their list and detail routes
and every @action, with the HTTP methods each allows, and any other API view), never from a
list kept by hand: a viewset is under contract the moment it is registered. For each route and
method:

- without credentials the answer is 401 with a JSON `code`, unless the view is public (all its
  permission classes are AllowAny): then anyone gets 200 or 404 and nothing private;
- a token without the scope the view declares for the method (`read_scope` / `write_scope`) is
  refused with 403 `scope_missing`; a view declaring none admits any authenticated principal;
- a token bound to institution A holding every scope, and a browser session of A's owner (CSRF
  enforced), get 404 for institution B's record on every detail route, sub-resource and action,
  and lists leave B's records out; reference data (not institution-owned) is read by everyone,
  and staff-only views (IsAuditor) refuse both with 403.

What "a record of institution B" is comes from tests/api_objects.py, by the viewset's model.
"""

import json
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.utils.regex_helper import normalize
from rest_framework.permissions import SAFE_METHODS, AllowAny
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from hetao.api.permissions import IsAuditor
from hetao.api.urls import router
from hetao.models import ApiScope, User
from tests.api_objects import RECIPES, URL_VALUES, Built, private_of
from tests.factories import PASSWORD, ApiTokenFactory, InstitutionFactory, MembershipFactory

pytestmark = pytest.mark.django_db

API_PREFIX = "api/v1/"
# Permission classes that refuse every principal bound to an institution, whatever its scopes.
STAFF_ONLY_PERMISSIONS = (IsAuditor,)
# Keys that name or identify an institution's record: a public answer carries none of them.
PRIVATE_KEYS = frozenset(
    {"id", "institution", "institution_id", "institution_name", "registration_no", "email", "phone", "address"}
)
UNKNOWN_VALUE = "ZZ-CONTRACT-0000"


# -- the routes -------------------------------------------------------------------------------------


@dataclass
class Route:
    name: str
    method: str
    view_class: type
    action: str | None
    initkwargs: dict
    url_kwargs: tuple[str, ...]
    in_router: bool
    regex: str
    callback: object

    @property
    def id(self) -> str:
        return f"{self.method} {self.name}"

    def path(self, **kwargs) -> str:
        """The route's address with these URL arguments, built from its own pattern (names may be
        shared with pages, so not through reverse())."""
        for template, params in normalize(self.regex):
            if set(params) == set(kwargs):
                url = "/" + template % {
                    name: quote(str(value), safe=":@!$&'()*+,;=~") for name, value in kwargs.items()
                }
                assert resolve(url).func is self.callback, f"{url} does not reach the view of {self.id}"
                return url
        raise AssertionError(f"{self.id}: no form of {self.regex!r} takes the arguments {sorted(kwargs)}")

    def attr(self, name: str, default=None):
        """The view's attribute as the request sees it: an @action's arguments override the class's."""
        if name in self.initkwargs:
            return self.initkwargs[name]
        return getattr(self.view_class, name, default)

    @property
    def safe(self) -> bool:
        return self.method in SAFE_METHODS

    @property
    def scope(self) -> str | None:
        return self.attr("read_scope" if self.safe else "write_scope")

    @property
    def permission_classes(self) -> list:
        return list(self.attr("permission_classes") or [])

    @property
    def public(self) -> bool:
        return all(isinstance(p, type) and issubclass(p, AllowAny) for p in self.permission_classes)

    @property
    def staff_only_permission(self) -> type | None:
        for permission in self.permission_classes:
            if isinstance(permission, type) and issubclass(permission, STAFF_ONLY_PERMISSIONS):
                return permission
        return None

    @property
    def serves_records(self) -> bool:
        return hasattr(self.view_class, "get_queryset")

    @property
    def lookup_field(self) -> str | None:
        return self.attr("lookup_field") if self.serves_records else None

    @property
    def lookup_kwarg(self) -> str | None:
        return (self.attr("lookup_url_kwarg") or self.lookup_field) if self.serves_records else None

    @property
    def detail(self) -> bool:
        return self.lookup_kwarg is not None and self.lookup_kwarg in self.url_kwargs

    @property
    def sub_kwargs(self) -> list[str]:
        return [name for name in self.url_kwargs if name != self.lookup_kwarg]


def _api_patterns(patterns=None, prefix="", prefix_regex=""):
    """(path, full regex, pattern) of every URL pattern under /api/v1/."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        here = prefix + str(entry.pattern).lstrip("^")
        here_regex = prefix_regex + entry.pattern.regex.pattern.lstrip("^")
        if isinstance(entry, URLResolver):
            if API_PREFIX.startswith(here) or here.startswith(API_PREFIX):
                yield from _api_patterns(entry.url_patterns, here, here_regex)
        elif here.startswith(API_PREFIX):
            yield here, here_regex, entry


def _walk():
    router_callbacks = {id(pattern.callback) for pattern in router.urls}
    routes, not_drf = [], []
    for path, regex, pattern in _api_patterns():
        url_kwargs = tuple(pattern.pattern.regex.groupindex)
        if "format" in url_kwargs:
            continue  # the `.json` twin of a route: the same view
        callback = pattern.callback
        view_class = getattr(callback, "cls", None)
        if view_class is None:
            not_drf.append(path)
            continue
        actions = getattr(callback, "actions", None)
        allowed = view_class.http_method_names
        if actions:
            methods = {method: action for method, action in actions.items() if method in allowed}
        else:
            methods = {method: None for method in allowed if hasattr(view_class, method)}
        for method, action in methods.items():
            if method in ("head", "options"):
                continue
            routes.append(
                Route(
                    name=pattern.name or path,
                    method=method.upper(),
                    view_class=view_class,
                    action=action,
                    initkwargs=dict(getattr(callback, "initkwargs", {}) or {}),
                    url_kwargs=url_kwargs,
                    in_router=id(callback) in router_callbacks,
                    regex=regex,
                    callback=callback,
                )
            )
    return routes, not_drf


ROUTES, NOT_DRF_VIEWS = _walk()
PROTECTED = [route for route in ROUTES if not route.public]
PUBLIC = [route for route in ROUTES if route.public]
SCOPED = [route for route in PROTECTED if route.scope]
UNSCOPED = [route for route in PROTECTED if not route.scope]
RECORD_ROUTES = [route for route in PROTECTED if route.serves_records]
UNSAFE = [route for route in PROTECTED if not route.safe]


def _cases(routes):
    return [pytest.param(route, id=route.id) for route in routes]


# -- what each viewset serves -----------------------------------------------------------------------

_MODELS: dict[tuple[str, str], type] = {}


def model_of(route: Route) -> type:
    """The viewset's model: `queryset.model`, or the model of `get_queryset()` for zone staff."""
    key = (route.name, route.method)
    if key not in _MODELS:
        queryset = route.attr("queryset")
        if queryset is None:
            view = route.view_class(**route.initkwargs)
            request = Request(APIRequestFactory().get("/"))
            request.user = User(username="contract-staff", is_staff=True, is_superuser=True)
            request.auth = None
            view.request, view.args, view.kwargs, view.format_kwarg = request, (), {}, None
            view.action = route.action
            queryset = view.get_queryset()
        _MODELS[key] = queryset.model
    return _MODELS[key]


def institution_owned(route: Route, model: type) -> bool:
    """Declared by the viewset (`tenant_scoped`) or the model (`tenant_field`), else read from the model:
    Institution itself, or a model with a ForeignKey `institution` to it."""
    declared = route.attr("tenant_scoped")
    if declared is not None:
        return bool(declared)
    if getattr(model, "tenant_field", None):
        return True
    institution = apps.get_model("zone", "Institution")
    if issubclass(model, institution):
        return True
    try:
        relation = model._meta.get_field("institution")
    except FieldDoesNotExist:
        return False
    return bool(relation.many_to_one and relation.related_model is institution)


def recipe_for(model: type):
    recipe = RECIPES.get(model)
    if recipe is None:
        pytest.fail(
            f"No recipe makes a {model._meta.label} record of an institution: add `@builds({model.__name__})` "
            "to tests/api_objects.py, so that the API contract can check its viewset."
        )
    return recipe


# -- two institutions -------------------------------------------------------------------------------


class World:
    """Institutions A (the caller's) and B (another), an owner of each, and records made on demand."""

    def __init__(self):
        self.institution = {"a": InstitutionFactory(), "b": InstitutionFactory()}
        self.member = {side: MembershipFactory(institution=inst).user for side, inst in self.institution.items()}
        self._built: dict[tuple[type, str], Built] = {}

    def built(self, model: type, side: str) -> Built:
        if (model, side) not in self._built:
            self._built[model, side] = recipe_for(model).build(self.institution[side], self.member[side])
        return self._built[model, side]

    def record(self, route: Route, side: str):
        return self.built(model_of(route), side).obj

    def private(self, side: str) -> list[str]:
        texts = dict.fromkeys(private_of(self.institution[side]))
        for (_model, built_side), built in self._built.items():
            if built_side == side:
                texts.update(dict.fromkeys(built.private))
        return list(texts)

    def url(self, route: Route, side: str, sub_side: str | None = None) -> str:
        """The route's address for `side`'s record, its sub-resources taken from `sub_side`'s."""
        kwargs = {}
        if route.detail:
            kwargs[route.lookup_kwarg] = getattr(self.record(route, side), route.lookup_field)
        for name in route.sub_kwargs:
            if route.serves_records and name in self.built(model_of(route), sub_side or side).url_kwargs:
                kwargs[name] = self.built(model_of(route), sub_side or side).url_kwargs[name]
            elif name in URL_VALUES:
                model, attribute = URL_VALUES[name]
                kwargs[name] = getattr(self.built(model, sub_side or side).obj, attribute)
            else:
                pytest.fail(
                    f"{route.id}: nothing fills the URL argument {name!r}. Give it in the recipe's "
                    "Built(url_kwargs=…) in tests/api_objects.py, or in URL_VALUES for a view outside the router."
                )
        return route.path(**kwargs)

    def token_client(self, scopes) -> APIClient:
        """A token of A's owner, bound to A."""
        _token, secret = ApiTokenFactory.create(
            owner=self.member["a"], institution=self.institution["a"], scopes=list(scopes)
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client

    def session_client(self) -> tuple[APIClient, str]:
        """A browser signed in as A's owner through the sign-in page, with CSRF checks on: (client, CSRF token)."""
        client = APIClient(enforce_csrf_checks=True)
        login = reverse("login")
        assert client.get(login).status_code == 200
        response = client.post(
            login,
            {
                "username": self.member["a"].username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
            },
        )
        assert response.status_code == 302, response.content[:500]
        return client, client.cookies["csrftoken"].value


@pytest.fixture
def world():
    return World()


# -- requests and answers ---------------------------------------------------------------------------


def send(client, route: Route, url: str, data=None, csrf: str | None = None):
    extra = {"HTTP_X_CSRFTOKEN": csrf} if csrf else {}
    call = getattr(client, route.method.lower())
    if route.safe:
        return call(url, data, **extra)
    return call(url, data or {}, format="json", **extra)


def _said(route: Route, url: str, response) -> str:
    return f"{route.id} {url} answered {response.status_code}: {response.content[:300]!r}"


def error_code(route: Route, url: str, response, status: int) -> str:
    """The answer is `status` with a JSON error body; its code."""
    assert response.status_code == status, f"{_said(route, url, response)}; it must answer {status}"
    assert response["Content-Type"].startswith("application/json"), _said(route, url, response)
    body = response.json()
    assert body.get("code") and body.get("detail"), _said(route, url, response)
    return body["code"]


def assert_nothing_private(route: Route, url: str, response, texts: list[str]):
    content = response.content.decode("utf-8", "replace")
    leaked = [text for text in texts if text in content]
    assert not leaked, f"{_said(route, url, response)}; it shows another institution's {leaked}"


def results_of(route: Route, url: str, response) -> list:
    body = response.json()
    items = body["results"] if isinstance(body, dict) and "results" in body else body
    assert isinstance(items, list), f"{_said(route, url, response)}; a list answers a list or {{'results': […]}}"
    return items


def ids_in(route: Route, url: str, response) -> set[str]:
    items = results_of(route, url, response)
    assert all(isinstance(item, dict) and "id" in item for item in items), (
        f"{_said(route, url, response)}; every item of a list carries its `id`"
    )
    return {str(item["id"]) for item in items}


def snapshot(obj) -> tuple:
    """The record's row and how many rows refer to it (documents, comments, steps, audit events …)."""
    model = type(obj)
    row = model._default_manager.filter(pk=obj.pk).values().first()
    related = {
        relation.get_accessor_name(): getattr(obj, relation.get_accessor_name()).count()
        for relation in model._meta.related_objects
        if relation.one_to_many
    }
    return row, related


# -- the routes walked ------------------------------------------------------------------------------


def test_every_view_under_api_v1_is_a_rest_framework_view_the_contract_can_read():
    assert not NOT_DRF_VIEWS, f"views under /{API_PREFIX} that are not REST framework views: {NOT_DRF_VIEWS}"


def test_the_contract_walks_every_route_and_action_of_every_registered_viewset():
    walked = {(route.name, route.method) for route in ROUTES if route.in_router}
    missing = []
    for _prefix, viewset, basename in router.registry:
        for route in router.get_routes(viewset):
            for method in router.get_method_map(viewset, route.mapping):
                if method in viewset.http_method_names and method not in ("head", "options"):
                    name = route.name.format(basename=basename)
                    if (name, method.upper()) not in walked:
                        missing.append(f"{method.upper()} {name}")
        for action in viewset.get_extra_actions():
            if not any(name == f"{basename}-{action.url_name}" for name, _method in walked):
                missing.append(f"{basename}-{action.url_name}")
    assert not missing, f"registered but not reachable under /{API_PREFIX}: {missing}"
    assert len(router.registry) > 0 and PROTECTED and RECORD_ROUTES


def test_every_registered_viewset_has_a_recipe_for_its_model():
    missing = sorted(
        {
            f"{model_of(route)._meta.label} ({route.view_class.__name__})"
            for route in RECORD_ROUTES
            if model_of(route) not in RECIPES
        }
    )
    assert not missing, f"add `@builds(Model)` to tests/api_objects.py for: {missing}"


# -- 1. credentials ---------------------------------------------------------------------------------


@pytest.mark.parametrize("route", _cases(PROTECTED))
def test_without_credentials_the_answer_is_401_with_a_code(route, world, api_client):
    url = world.url(route, "b")

    response = send(api_client, route, url)

    assert error_code(route, url, response, 401) == "not_authenticated"
    assert response.has_header("WWW-Authenticate"), _said(route, url, response)
    assert_nothing_private(route, url, response, world.private("b"))


def _private_keys(value) -> set[str]:
    if isinstance(value, dict):
        return {key for key in value if key in PRIVATE_KEYS} | {k for v in value.values() for k in _private_keys(v)}
    if isinstance(value, list):
        return {key for item in value for key in _private_keys(item)}
    return set()


@pytest.mark.parametrize("route", _cases(PUBLIC))
def test_a_public_view_answers_anyone_and_shows_nothing_private(route, world, api_client):
    known = world.url(route, "b")
    unknown = route.path(**dict.fromkeys(route.url_kwargs, UNKNOWN_VALUE))

    for url in (known, unknown):
        response = send(api_client, route, url)

        assert response.status_code in (200, 404), f"{_said(route, url, response)}; a public view answers 200 or 404"
        assert response["Content-Type"].startswith("application/json"), _said(route, url, response)
        assert not _private_keys(response.json()), f"{_said(route, url, response)}; it names private fields"
        assert_nothing_private(route, url, response, world.private("b"))


# -- 2. scopes --------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", _cases(SCOPED))
def test_a_token_without_the_scope_the_view_declares_is_refused_with_403(route, world):
    client = world.token_client(scope for scope in ApiScope.values if scope != route.scope)
    url = world.url(route, "a")

    response = send(client, route, url)

    assert error_code(route, url, response, 403) == "scope_missing", f"{route.id} declares {route.scope}"


@pytest.mark.parametrize("route", _cases(UNSCOPED))
def test_a_view_declaring_no_scope_admits_any_authenticated_principal(route, world):
    url = world.url(route, "a")

    # A token holds at least one scope; whichever it is, the view lets it in.
    for scope in ApiScope.values:
        response = send(world.token_client([scope]), route, url)

        assert response.status_code != 401, f"{_said(route, url, response)} to a token of {scope}"
        if response.status_code == 403:
            assert response.json().get("code") != "scope_missing", f"{_said(route, url, response)} to {scope}"
        if route.safe and not route.staff_only_permission:
            assert response.status_code == 200, f"{_said(route, url, response)} to {scope}; it declares no scope"


# -- 3. tenancy -------------------------------------------------------------------------------------


def check_isolation(world: World, route: Route, client, csrf: str | None = None):
    """What A's principal gets for B's records on `route`."""
    model = model_of(route)
    url = world.url(route, "b")

    staff_only = route.staff_only_permission
    if staff_only is not None:
        response = send(client, route, url, csrf=csrf)
        assert error_code(route, url, response, 403) == staff_only.code
        return

    if not institution_owned(route, model):
        # Reference data: every principal reads it, and no institution changes it.
        record = world.record(route, "b")
        response = send(client, route, url, {"page_size": 500} if not route.detail else None, csrf=csrf)
        if not route.safe:
            assert response.status_code >= 400, f"{_said(route, url, response)}; reference data is read-only here"
        elif route.detail:
            assert response.status_code == 200, f"{_said(route, url, response)}; reference data is readable"
        else:
            assert response.status_code == 200, _said(route, url, response)
            if route.action == "list":
                assert str(getattr(record, route.lookup_field)) in ids_in(route, url, response), _said(
                    route, url, response
                )
        return

    if route.detail:
        other = world.record(route, "b")
        before = None if route.safe else snapshot(other)
        response = send(client, route, url, csrf=csrf)
        assert error_code(route, url, response, 404) == "not_found", "another institution's record is a 404"
        assert_nothing_private(route, url, response, world.private("b"))
        if route.sub_kwargs:
            # Its own record, with another institution's sub-resource.
            mixed = world.url(route, "a", sub_side="b")
            response = send(client, route, mixed, csrf=csrf)
            assert error_code(route, mixed, response, 404) == "not_found", "another's sub-resource is a 404"
        if before is not None:
            assert snapshot(other) == before, f"{route.id} {url} changed another institution's record"
        return

    if route.safe:
        own = world.record(route, "a")
        other = world.record(route, "b")
        texts = world.private("b")
        response = send(client, route, url, {"page_size": 500}, csrf=csrf)
        assert response.status_code == 200, _said(route, url, response)
        body = response.json()
        if route.action == "list" or isinstance(body, list) or (isinstance(body, dict) and "results" in body):
            ids = ids_in(route, url, response)
            assert str(getattr(other, route.lookup_field)) not in ids, f"{_said(route, url, response)}; it lists B's"
            if route.action == "list":
                assert str(getattr(own, route.lookup_field)) in ids, f"{_said(route, url, response)}; it misses A's"
        assert_nothing_private(route, url, response, texts)
        return

    # A create on the list: naming another institution answers 404, and nothing is made.
    recipe = recipe_for(model)
    if recipe.create_body is None:
        pytest.fail(
            f"{route.id} creates {model._meta.label} records: give its recipe in tests/api_objects.py a "
            "create_body, so that the contract can file one for another institution."
        )
    body = recipe.create_body(world.institution["b"])
    before = model._default_manager.count()
    response = send(client, route, url, body, csrf=csrf)
    assert error_code(route, url, response, 404) == "not_found", (
        f"{route.id} for another institution must be a 404: {json.dumps(body)}"
    )
    assert model._default_manager.count() == before, f"{route.id} created a record for another institution"
    assert_nothing_private(route, url, response, world.private("b"))


@pytest.mark.parametrize("route", _cases(RECORD_ROUTES))
def test_a_token_of_another_institution_with_every_scope_gets_404_and_lists_leave_the_record_out(route, world):
    check_isolation(world, route, world.token_client(ApiScope.values))


@pytest.mark.parametrize("route", _cases(RECORD_ROUTES))
def test_a_browser_session_of_another_institution_gets_404_and_lists_leave_the_record_out(route, world):
    client, csrf = world.session_client()
    check_isolation(world, route, client, csrf)


@pytest.mark.parametrize("route", _cases(UNSAFE))
def test_a_browser_session_without_the_csrf_token_is_refused(route, world):
    client, _csrf = world.session_client()
    url = world.url(route, "a")

    response = send(client, route, url)

    error_code(route, url, response, 403)
    assert "CSRF" in response.json()["detail"], _said(route, url, response)
