"""The sandbox's 2.x responses validated against Intercom's OpenAPI description of the version
asked for: 2.0-2.11 against 2.11's, 2.12-2.16 against 2.16's, Preview against Preview's.

Every 2.x route is either exercised here over real HTTP and its responses validated with
openapi-core (on 2.11, or on the newer version that introduced it: NEWER_CASES, or whose
shape it answers in: NEWER_SHAPES), or listed in NOT_IN_SPEC with the reason the descriptions
cannot check it.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

from intercom_sandbox import Sandbox, SandboxConfig, WorkspaceSize
from intercom_sandbox.api import links
from intercom_sandbox.api.state import SandboxState
from intercom_sandbox.api.v2 import routes

SPEC_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "openapi"
VERSION = "2.11"
SIZE = WorkspaceSize(users=300, leads=100, companies=40, conversations=60, long_conversations=1)
SCROLL_PAGE = 15
MISSING_ID = "000000000000000000000000"

# Routes of intercom_sandbox.api.v2 that the 2.11 description does not describe.
NOT_IN_SPEC = {
    "GET /counts": "the 2.11 description has no /counts path (it was dropped after 1.x)",
    "GET /events": "the non-summary event.list is undocumented: the only 200 schema is "
                   "data_event_summary (the summary=true case is covered)",
}


def description_file(version: str) -> Path:
    """The description a version's answers are checked against."""
    if version == "Preview":
        return SPEC_DIR / "intercom-api-preview.yaml"
    minor = int(version.split(".")[1])
    return SPEC_DIR / ("intercom-api-2.11.yaml" if minor <= 11 else "intercom-api-2.16.yaml")


SPEC_PATH = description_file(VERSION)


@pytest.fixture(scope="module")
def spec() -> dict:
    """The 2.11 description, parsed once, with its dangling references patched in memory."""
    return description(VERSION)


@functools.cache
def description(version: str) -> dict:
    """A version's description, parsed once, with its dangling references patched in memory."""
    path = description_file(version)
    if not path.is_file():
        pytest.skip(f"Intercom's OpenAPI description is not at {path}")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=loader)
    schemas = data["components"]["schemas"]
    # The description refers to schemas it never defines (e.g. custom_attributes of a
    # contact); add permissive object schemas under those names so that the references resolve.
    for name in sorted(dangling_schema_refs(data) - set(schemas)):
        schemas[name] = {"type": "object", "description": "Missing from the published file."}
    return data


def dangling_schema_refs(node: Any) -> set[str]:
    """Names of every `#/components/schemas/<name>` reference in a parsed description."""
    prefix = "#/components/schemas/"
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and ref.startswith(prefix):
                found.add(ref[len(prefix):])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """A small 2.x workspace with short scroll pages so that a scroll has a second page."""
    config = SandboxConfig(size=SIZE, scroll_page_size=SCROLL_PAGE)
    with Sandbox(config) as sb:
        yield sb


@pytest.fixture(scope="module")
def openapi(spec: dict, sandbox: Sandbox) -> OpenAPI:
    """The description with the sandbox as its only server, so that request paths match."""
    return OpenAPI.from_dict({**spec, "servers": [{"url": sandbox.url}]})


@dataclass
class Client:
    """Real HTTP calls to the sandbox, and a read-only view of its workspace for picking ids."""

    url: str
    session: requests.Session
    state: SandboxState
    seen: list[requests.Response] = field(default_factory=list)

    @property
    def ws(self) -> Any:
        return self.state.workspace

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send a request and remember its response for validation."""
        response = self.session.request(method, self.url + path, timeout=30, **kwargs)
        self.seen.append(response)
        return response

    def setup(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send a preparatory request whose response is not under test."""
        response = self.session.request(method, self.url + path, timeout=30, **kwargs)
        assert response.status_code < 300, response.text
        return response

    def contact_id(self, predicate: Callable[[dict], bool] = lambda c: True) -> str:
        """The id of the first live contact that satisfies `predicate`."""
        return next(c["id"] for c in self.ws.live_contacts() if predicate(c))

    def company(self, predicate: Callable[[dict], bool] = lambda c: True) -> dict:
        """The first company that satisfies `predicate`."""
        return next(c for c in self.ws.companies.ordered() if predicate(c))

    def new_contact(self, tag: str) -> str:
        """A fresh user for a case that changes or removes one."""
        body = {"role": "user", "external_id": f"conformance-{tag}",
                "email": f"conformance-{tag}@example.com", "name": "Conformance Test"}
        return self.setup("POST", "/contacts", json=body).json()["id"]

    def new_company(self, tag: str) -> str:
        """A fresh company for a case that changes or removes one."""
        body = {"company_id": f"conformance-{tag}", "name": f"Conformance {tag}"}
        return self.setup("POST", "/companies", json=body).json()["id"]

    def finish_scroll(self) -> None:
        """Read the open companies scroll to its empty page, freeing the app's only slot."""
        scroll = self.ws.scrolls.current
        param = scroll.param if scroll is not None else None
        while param:
            page = self.setup("GET", "/companies/scroll", params={"scroll_param": param}).json()
            param = page["scroll_param"] if page["data"] else None


@pytest.fixture(scope="module")
def client(sandbox: Sandbox) -> Iterator[Client]:
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {sandbox.token}",
                            "Intercom-Version": VERSION, "Accept": "application/json"})
    yield Client(sandbox.url, session, sandbox.state)
    session.close()


@dataclass(frozen=True)
class Case:
    """One endpoint exercise: the route it covers, its expected status and the calls to make."""

    route: str
    status: int
    run: Callable[[Client], object]

    def __call__(self, client: Client) -> object:
        return self.run(client)


# -- contacts ---------------------------------------------------------------------------------


def contacts_next_page(c: Client) -> None:
    first = c.setup("GET", "/contacts", params={"per_page": 25}).json()
    cursor = first["pages"]["next"]["starting_after"]
    c.call("GET", "/contacts", params={"per_page": 25, "starting_after": cursor})


SEARCH_QUERY = {"operator": "AND", "value": [
    {"field": "created_at", "operator": ">", "value": 0},
    {"operator": "OR", "value": [
        {"field": "role", "operator": "=", "value": "user"},
        {"field": "email", "operator": "~", "value": "example"},
    ]},
]}


def search_contacts(c: Client) -> None:
    body = {"query": SEARCH_QUERY, "sort": {"field": "created_at", "order": "ascending"},
            "pagination": {"per_page": 20}}
    first = c.call("POST", "/contacts/search", json=body).json()
    cursor = first["pages"]["next"]["starting_after"]
    c.call("POST", "/contacts/search",
           json={**body, "pagination": {"per_page": 20, "starting_after": cursor}})


def update_contact(c: Client) -> None:
    contact_id = c.new_contact("update")
    c.call("PUT", f"/contacts/{contact_id}",
           json={"name": "Renamed", "phone": "+353 1 555 0100", "signed_up_at": 1700000000})


def merge_contacts(c: Client) -> None:
    lead = c.setup("POST", "/contacts", json={"role": "lead", "name": "Merged away"}).json()["id"]
    c.call("POST", "/contacts/merge", json={"from": lead, "into": c.new_contact("merge-into")})


def delete_tag(c: Client) -> None:
    c.call("DELETE", f"/tags/{c.ws.tags.ordered()[-1]['id']}")


def delete_contact(c: Client) -> None:
    c.call("DELETE", f"/contacts/{c.new_contact('delete')}")


def archive_contact(c: Client) -> None:
    c.call("POST", f"/contacts/{c.new_contact('archive')}/archive")


def unarchive_contact(c: Client) -> None:
    contact_id = c.new_contact("unarchive")
    c.setup("POST", f"/contacts/{contact_id}/archive")
    c.call("POST", f"/contacts/{contact_id}/unarchive")


# -- companies --------------------------------------------------------------------------------


def company_by_company_id(c: Client) -> None:
    c.call("GET", "/companies", params={"company_id": c.company()["company_id"]})


def companies_by_tag(c: Client) -> None:
    tag_id = c.company(lambda r: r["tag_ids"])["tag_ids"][0]
    c.call("GET", "/companies", params={"tag_id": tag_id})


def scroll_first(c: Client) -> None:
    try:
        c.call("GET", "/companies/scroll")
    finally:
        c.finish_scroll()


def scroll_next(c: Client) -> None:
    try:
        page = c.setup("GET", "/companies/scroll").json()
        pages = 0
        while page["data"]:
            page = c.call("GET", "/companies/scroll",
                          params={"scroll_param": page["scroll_param"]}).json()
            pages += 1
        assert pages > 1, "the scroll should have more than one page after the first"
    finally:
        c.finish_scroll()


def update_company(c: Client) -> None:
    company_id = c.new_company("update")
    c.call("PUT", f"/companies/{company_id}",
           json={"name": "Renamed", "monthly_spend": 120, "plan": "pro"})


def delete_company(c: Client) -> None:
    c.call("DELETE", f"/companies/{c.new_company('delete')}")


# -- conversations ----------------------------------------------------------------------------


def conversations_next_page(c: Client) -> None:
    first = c.setup("GET", "/conversations", params={"per_page": 20}).json()
    cursor = first["pages"]["next"]["starting_after"]
    c.call("GET", "/conversations", params={"per_page": 20, "starting_after": cursor})


def long_conversation(c: Client) -> None:
    record = next(r for r in c.ws.conversations.ordered() if len(r["parts"]) > 500)
    c.call("GET", f"/conversations/{record['id']}")


def search_conversations(c: Client) -> None:
    query = {"operator": "OR", "value": [
        {"field": "state", "operator": "=", "value": "open"},
        {"operator": "AND", "value": [
            {"field": "updated_at", "operator": ">", "value": 0},
            {"field": "priority", "operator": "!=", "value": "priority"},
        ]},
    ]}
    body = {"query": query, "sort": {"field": "updated_at", "order": "descending"},
            "pagination": {"per_page": 10}}
    first = c.call("POST", "/conversations/search", json=body).json()
    cursor = first["pages"]["next"]["starting_after"]
    c.call("POST", "/conversations/search",
           json={**body, "pagination": {"per_page": 10, "starting_after": cursor}})


def event_summary(c: Client) -> None:
    owner = c.ws.events.ordered()[0]["contact_id"]
    c.call("GET", "/events", params={"type": "user", "intercom_user_id": owner,
                                     "summary": "true"})


def submit_event(c: Client) -> None:
    c.call("POST", "/events", json={"event_name": "conformance-checked",
                                    "created_at": 1767225600, "id": c.contact_id(),
                                    "metadata": {"source": "tests"}})


def activity_logs(c: Client) -> None:
    first = c.call("GET", "/admins/activity_logs",
                   params={"created_at_after": "0", "per_page": 5}).json()
    c.call("GET", "/admins/activity_logs",
           params={"created_at_after": "0", "per_page": 5,
                   "starting_after": first["pages"]["next"]["starting_after"]})


def search_tickets(c: Client) -> None:
    attribute = next(a for t in c.ws.ticket_types.ordered() for a in t["attributes"]
                     if a["data_type"] == "integer")
    query = {"operator": "AND", "value": [
        {"field": "updated_at", "operator": ">", "value": 0},
        {"operator": "OR", "value": [
            {"field": "state", "operator": "!=", "value": "resolved"},
            {"field": f"ticket_attribute.{attribute['id']}", "operator": ">", "value": 10}]},
    ]}
    body = {"query": query, "sort": {"field": "updated_at", "order": "ascending"},
            "pagination": {"per_page": 10}}
    first = c.call("POST", "/tickets/search", json=body).json()
    body["pagination"]["starting_after"] = first["pages"]["next"]["starting_after"]
    c.call("POST", "/tickets/search", json=body)


def articles_pages(c: Client) -> None:
    c.call("GET", "/articles", params={"per_page": 25})
    c.call("GET", "/articles", params={"per_page": 25, "page": 2})


def tickets_with_parts(c: Client) -> None:
    """A ticket of each type, the one past the 500-part limit among them."""
    seen: set[str] = set()
    for record in c.ws.tickets.ordered():
        if record["ticket_type_id"] not in seen or len(record["parts"]) > 500:
            seen.add(record["ticket_type_id"])
            c.call("GET", f"/tickets/{record['id']}")


def get(path: str | Callable[[Client], str], **params: Any) -> Callable[[Client], None]:
    """A case that GETs one path, given as a string or computed from the workspace."""
    def run(c: Client) -> None:
        c.call("GET", path if isinstance(path, str) else path(c), params=params or None)
    return run


def send(method: str, path: str | Callable[[Client], str], body: object = None
         ) -> Callable[[Client], None]:
    """A case that sends one request with an optional JSON body."""
    def run(c: Client) -> None:
        c.call(method, path if isinstance(path, str) else path(c), json=body)
    return run


def contact_with(key: str) -> Callable[[Client], str]:
    """The id of the first contact with a non-empty `key` (tags, companies, segments)."""
    return lambda c: c.contact_id(lambda r: bool(r[key]))


def contact_with_notes(c: Client) -> str:
    """The id of the first live contact with notes (the workspace keeps notes apart)."""
    return c.contact_id(lambda r: bool(c.ws.notes_of(r["id"])))


def first_company_with(key: str) -> Callable[[Client], str]:
    """The id of the first company with a non-empty `key`."""
    return lambda c: c.company(lambda r: bool(r[key]))["id"]


def first_conversation(c: Client) -> str:
    return f"/conversations/{c.ws.conversations.ordered()[0]['id']}"


def company_with_members(c: Client) -> str:
    """The id of the first company that has contacts."""
    return c.company(lambda r: bool(c.ws.company_members(r)))["id"]


SUCCESS_CASES: dict[str, Case] = {
    "list contacts": Case("GET /contacts", 200, get("/contacts", per_page=25)),
    "list contacts, starting_after": Case("GET /contacts", 200, contacts_next_page),
    "search contacts": Case("POST /contacts/search", 200, search_contacts),
    "get contact": Case("GET /contacts/{id}", 200,
                        get(lambda c: f"/contacts/{contact_with('company_ids')(c)}")),
    "create contact": Case("POST /contacts", 200, send("POST", "/contacts", {
        "role": "lead", "email": "conformance-lead@example.com", "name": "A Lead"})),
    "update contact": Case("PUT /contacts/{id}", 200, update_contact),
    "delete contact": Case("DELETE /contacts/{id}", 200, delete_contact),
    "merge a lead into a user": Case("POST /contacts/merge", 200, merge_contacts),
    "delete tag": Case("DELETE /tags/{id}", 200, delete_tag),
    "archive contact": Case("POST /contacts/{id}/archive", 200, archive_contact),
    "unarchive contact": Case("POST /contacts/{id}/unarchive", 200, unarchive_contact),
    "contact tags": Case("GET /contacts/{id}/tags", 200,
                         get(lambda c: f"/contacts/{contact_with('tag_ids')(c)}/tags")),
    "contact companies": Case("GET /contacts/{id}/companies", 200,
                              get(lambda c: f"/contacts/{contact_with('company_ids')(c)}"
                                  "/companies")),
    "contact notes": Case("GET /contacts/{id}/notes", 200,
                          get(lambda c: f"/contacts/{contact_with_notes(c)}/notes")),
    "contact notes, a later page": Case(
        "GET /contacts/{id}/notes", 200,
        get(lambda c: f"/contacts/{contact_with_notes(c)}/notes?per_page=2&page=2")),
    "contact segments": Case("GET /contacts/{id}/segments", 200,
                             get(lambda c: f"/contacts/{contact_with('segment_ids')(c)}"
                                 "/segments")),
    "list companies": Case("GET /companies", 200, get("/companies", per_page=15)),
    "company by company_id": Case("GET /companies", 200, company_by_company_id),
    "companies by tag_id": Case("GET /companies", 200, companies_by_tag),
    "list companies by last request": Case("POST /companies/list", 200,
                                           send("POST", "/companies/list?per_page=10")),
    "scroll companies, first page": Case("GET /companies/scroll", 200, scroll_first),
    "scroll companies, next page": Case("GET /companies/scroll", 200, scroll_next),
    "get company": Case("GET /companies/{id}", 200,
                        get(lambda c: f"/companies/{first_company_with('tag_ids')(c)}")),
    "create company": Case("POST /companies", 200, send("POST", "/companies", {
        "company_id": "conformance-new", "name": "New Co", "plan": "basic", "size": 5,
        "website": "https://example.com", "industry": "Software", "monthly_spend": 10})),
    "update company": Case("PUT /companies/{id}", 200, update_company),
    "delete company": Case("DELETE /companies/{id}", 200, delete_company),
    "company contacts": Case("GET /companies/{id}/contacts", 200,
                             get(lambda c: f"/companies/{company_with_members(c)}/contacts")),
    "company segments": Case("GET /companies/{id}/segments", 200,
                             get(lambda c: f"/companies/{first_company_with('segment_ids')(c)}"
                                 "/segments")),
    "list conversations": Case("GET /conversations", 200, get("/conversations", per_page=20)),
    "list conversations, starting_after": Case("GET /conversations", 200,
                                               conversations_next_page),
    "search conversations": Case("POST /conversations/search", 200, search_conversations),
    "get conversation": Case("GET /conversations/{id}", 200, get(first_conversation)),
    "get conversation with over 500 parts": Case("GET /conversations/{id}", 200,
                                                 long_conversation),
    "list tags": Case("GET /tags", 200, get("/tags")),
    "list segments with counts": Case("GET /segments", 200, get("/segments",
                                                                include_count="true")),
    "get tag": Case("GET /tags/{id}", 200,
                    get(lambda c: f"/tags/{c.ws.tags.ordered()[0]['id']}")),
    "get segment": Case("GET /segments/{id}", 200,
                        get(lambda c: f"/segments/{c.ws.segments.ordered()[0]['id']}")),
    "get company segment": Case("GET /segments/{id}", 200, get(
        lambda c: f"/segments/{next(s for s in c.ws.segments.ordered() if s['kind'] == 'company')['id']}")),
    "admin activity logs": Case("GET /admins/activity_logs", 200, activity_logs),
    "list admins": Case("GET /admins", 200, get("/admins")),
    "get admin": Case("GET /admins/{id}", 200,
                      get(lambda c: f"/admins/{c.ws.admins.ordered()[0]['id']}")),
    "me": Case("GET /me", 200, get("/me")),
    "list teams": Case("GET /teams", 200, get("/teams")),
    "get team": Case("GET /teams/{id}", 200,
                     get(lambda c: f"/teams/{c.ws.teams.ordered()[0]['id']}")),
    "data attributes": Case("GET /data_attributes", 200, get("/data_attributes")),
    **{f"data attributes of {model}": Case("GET /data_attributes", 200,
                                           get("/data_attributes", model=model,
                                               include_archived="true"))
       for model in ("contact", "company", "conversation")},
    "submit event": Case("POST /events", 202, submit_event),
    "search tickets": Case("POST /tickets/search", 200, search_tickets),
    "get tickets with parts": Case("GET /tickets/{id}", 200, tickets_with_parts),
    "list ticket types": Case("GET /ticket_types", 200, get("/ticket_types")),
    "subscription types": Case("GET /subscription_types", 200, get("/subscription_types")),
    "help centers": Case("GET /help_center/help_centers", 200, get("/help_center/help_centers")),
    "collections, second page": Case("GET /help_center/collections", 200,
                                     get("/help_center/collections", per_page=3, page=2)),
    "articles, two pages": Case("GET /articles", 200, articles_pages),
    "event summary": Case("GET /events", 200, event_summary),
}

ERROR_CASES: dict[str, Case] = {
    "company not found": Case("GET /companies/{id}", 404, get(f"/companies/{MISSING_ID}")),
    "company by unknown company_id": Case("GET /companies", 404,
                                          get("/companies", company_id="no-such-company")),
    "update missing company": Case("PUT /companies/{id}", 404,
                                   send("PUT", f"/companies/{MISSING_ID}", {"name": "x"})),
    "delete missing company": Case("DELETE /companies/{id}", 404,
                                   send("DELETE", f"/companies/{MISSING_ID}")),
    "contacts of missing company": Case("GET /companies/{id}/contacts", 404,
                                        get(f"/companies/{MISSING_ID}/contacts")),
    "segments of missing company": Case("GET /companies/{id}/segments", 404,
                                        get(f"/companies/{MISSING_ID}/segments")),
    "tags of missing contact": Case("GET /contacts/{id}/tags", 404,
                                    get(f"/contacts/{MISSING_ID}/tags")),
    "companies of missing contact": Case("GET /contacts/{id}/companies", 404,
                                         get(f"/contacts/{MISSING_ID}/companies")),
    "notes of missing contact": Case("GET /contacts/{id}/notes", 404,
                                     get(f"/contacts/{MISSING_ID}/notes")),
    "segments of missing contact": Case("GET /contacts/{id}/segments", 404,
                                        get(f"/contacts/{MISSING_ID}/segments")),
    "conversation not found": Case("GET /conversations/{id}", 404, get("/conversations/1")),
    "admin not found": Case("GET /admins/{id}", 404, get("/admins/1")),
    "tag not found": Case("GET /tags/{id}", 404, get("/tags/1")),
    "segment not found": Case("GET /segments/{id}", 404, get(f"/segments/{MISSING_ID}")),
    "team not found": Case("GET /teams/{id}", 404, get("/teams/1")),
}

# Every route the 2.11 description answers with a documented 401, tried with a bad token.
UNAUTHORISED_ROUTES = (
    "GET /contacts", "POST /contacts", "POST /contacts/search", "GET /contacts/{id}",
    "PUT /contacts/{id}", "DELETE /contacts/{id}", "GET /contacts/{id}/tags",
    "GET /contacts/{id}/companies", "GET /contacts/{id}/segments", "GET /companies",
    "POST /companies", "POST /companies/list", "GET /companies/scroll", "GET /companies/{id}",
    "PUT /companies/{id}", "DELETE /companies/{id}", "GET /companies/{id}/contacts",
    "GET /companies/{id}/segments", "GET /conversations", "GET /conversations/{id}",
    "GET /tags", "GET /tags/{id}", "GET /segments", "GET /segments/{id}", "GET /admins",
    "GET /admins/activity_logs", "GET /admins/{id}", "GET /teams",
    "GET /teams/{id}", "GET /data_attributes", "POST /events", "GET /events",
    "GET /tickets/{id}", "GET /ticket_types", "GET /subscription_types",
    "GET /help_center/help_centers", "GET /help_center/collections", "GET /articles",
)


def unauthorised(route: str) -> Callable[[Client], None]:
    """A case that calls a route with a wrong token."""
    method, path = route.split(" ", 1)

    def run(c: Client) -> None:
        url = c.url + path.replace("{id}", MISSING_ID)
        c.seen.append(requests.request(method, url, timeout=30, json={} if method != "GET"
                                       else None, headers={"Authorization": "Bearer wrong",
                                                           "Intercom-Version": VERSION}))
    return run


ERROR_CASES.update({f"401 {route}": Case(route, 401, unauthorised(route))
                    for route in UNAUTHORISED_ROUTES})


def spec_path(route: str) -> str:
    """The description's spelling of a sandbox route: `/contacts/{id}` -> `{contact_id}`."""
    method, path = route.split(" ", 1)
    parts = path.split("/")
    for i, part in enumerate(parts):
        if part == "{id}":
            parts[i] = "{" + parts[i - 1].rstrip("s").replace("companie", "company") + "_id}"
    return f"{method.lower()} {'/'.join(parts)}"


def schema_messages(error: Exception) -> list[str]:
    """Short `path: message` lines for the leaves of an openapi-core validation error."""
    cause = error.__cause__ or error
    lines: list[str] = []
    for schema_error in getattr(cause, "schema_errors", None) or []:
        for leaf in schema_error.context or [schema_error]:
            where = "/".join(str(p) for p in leaf.absolute_path)
            line = f"  {where}: {leaf.message[:160]}"
            if line not in lines:
                lines.append(line)
    return lines or [f"  {error}"]


def check(openapi: OpenAPI, client: Client, case: Case) -> None:
    """Run a case and validate each response it made against the description."""
    client.seen.clear()
    case(client)
    assert client.seen, "the case made no request under test"
    problems: list[str] = []
    for response in client.seen:
        request = response.request
        label = f"{request.method} {request.path_url} -> {response.status_code}"
        if response.status_code != case.status:
            problems.append(f"{label}: expected {case.status}: {response.text[:300]}")
            continue
        errors = list(openapi.iter_response_errors(RequestsOpenAPIRequest(request),
                                                   RequestsOpenAPIResponse(response)))
        for error in errors:
            problems.append(f"{label}: {type(error).__name__}")
            problems.extend(schema_messages(error)[:40])
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("case", SUCCESS_CASES.values(), ids=SUCCESS_CASES.keys())
def test_success_response_matches_spec(openapi: OpenAPI, client: Client, case: Case) -> None:
    check(openapi, client, case)


@pytest.mark.parametrize("case", ERROR_CASES.values(), ids=ERROR_CASES.keys())
def test_error_response_matches_spec(openapi: OpenAPI, client: Client, case: Case) -> None:
    check(openapi, client, case)


# -- routes that newer versions add, checked on the version that has them ---------------------


def deleted_conversations(c: Client) -> None:
    for conversation in c.ws.conversations.ordered()[-3:]:
        c.setup("DELETE", f"/conversations/{conversation['id']}")
    c.call("GET", "/conversations/deleted", params={"per_page": 2})
    c.call("GET", "/conversations/deleted", params={"per_page": 2, "page": 2, "order": "asc"})


def delete_conversation(c: Client) -> None:
    c.call("DELETE", f"/conversations/{c.ws.conversations.ordered()[0]['id']}",
           params={"retain_metrics": "false"})


def contact_activities(c: Client) -> None:
    c.setup("DELETE", f"/contacts/{c.new_contact('activity')}")
    first = c.call("GET", "/contacts/activities", params={"per_page": 1}).json()
    c.call("GET", "/contacts/activities",
           params={"starting_after": first["pages"]["next"]["starting_after"]})


def bulk_contacts(c: Client, method: str, path: str, contacts: list[dict]) -> str:
    """Submit a Preview contacts bulk request, then append the same to its job; the job id."""
    job = c.call(method, path, json={"contacts": contacts}).json()
    c.call(method, path, json={"contacts": contacts, "job": {"id": job["id"]}})
    return str(job["id"])


def bulk_create_contacts(c: Client) -> None:
    bulk_contacts(c, "POST", "/contacts/bulk",
                  [{"external_id": "bulk-new", "email": "bulk-new@example.com", "role": "user",
                    "owner_id": "1", "companies": [{"company_id": "bulk-co", "name": "Bulk"}]}])


def bulk_update_contacts(c: Client) -> None:
    bulk_contacts(c, "PUT", "/contacts/bulk", [{"id": c.new_contact("bulk-up"), "name": "B"}])


def bulk_delete_contacts(c: Client) -> None:
    bulk_contacts(c, "POST", "/contacts/bulk/delete", [{"id": c.new_contact("bulk-del")}])


def bulk_companies(method: str, path: str, by_id: bool) -> Callable[[Client], None]:
    def run(c: Client) -> None:
        company = {"id": c.new_company(f"bulk-{method}-{path[-6:]}")} if by_id \
            else {"company_id": "bulk-upsert", "name": "Bulk Upsert"}
        job = c.call(method, path, json={"companies": [company]}).json()
        c.call(method, path, json={"companies": [company], "job": {"id": job["id"]}})
    return run


def bulk_status(resource: str, body: dict) -> Callable[[Client], None]:
    """A job's status while it runs and once its tasks are done (one item rejected)."""
    def run(c: Client) -> None:
        job = c.setup("POST", f"/{resource}/bulk" + ("/delete" if "id" in body[resource][0]
                                                     else ""), json=body).json()
        c.call("GET", f"/{resource}/bulk/{job['id']}")
        time.sleep(c.ws.bulk_jobs.delay + 0.2)
        done = c.call("GET", f"/{resource}/bulk/{job['id']}").json()
        assert done["state"] == "completed_with_errors", done
    return run


def bulk_refused(path: str, body: object) -> Callable[[Client], None]:
    return lambda c: c.call("POST", path, json=body)


def bulk_closed(c: Client) -> None:
    job = c.setup("POST", "/contacts/bulk", json={"contacts": []}).json()
    c.ws.bulk_jobs.jobs[job["id"]].closing_at = 0
    c.call("POST", "/contacts/bulk", json={"contacts": [], "job": {"id": job["id"]}})


PREVIEW_BULK_CASES = {
    "bulk create contacts": Case("POST /contacts/bulk", 202, bulk_create_contacts),
    "bulk update contacts": Case("PUT /contacts/bulk", 202, bulk_update_contacts),
    "bulk delete contacts": Case("POST /contacts/bulk/delete", 202, bulk_delete_contacts),
    "contacts bulk job": Case("GET /contacts/bulk/{id}", 200, bulk_status(
        "contacts", {"contacts": [{"id": "no-such-contact"}]})),
    "bulk upsert companies": Case("POST /companies/bulk", 202,
                                  bulk_companies("POST", "/companies/bulk", False)),
    "bulk update companies": Case("PUT /companies/bulk", 202,
                                  bulk_companies("PUT", "/companies/bulk", True)),
    "bulk delete companies": Case("POST /companies/bulk/delete", 202,
                                  bulk_companies("POST", "/companies/bulk/delete", True)),
    "companies bulk job": Case("GET /companies/bulk/{id}", 200, bulk_status(
        "companies", {"companies": [{"id": "no-such-company"}]})),
    "bulk too many contacts": Case("POST /contacts/bulk", 422, bulk_refused(
        "/contacts/bulk", {"contacts": [{"email": f"x{i}@example.com"} for i in range(101)]})),
    "bulk contacts not a list": Case("POST /contacts/bulk", 422, bulk_refused(
        "/contacts/bulk", {"contacts": {"email": "x@example.com"}})),
    "bulk delete without id": Case("POST /contacts/bulk/delete", 422, bulk_refused(
        "/contacts/bulk/delete", {"contacts": [{"email": "x@example.com"}]})),
    "bulk unknown job": Case("POST /companies/bulk", 404, bulk_refused(
        "/companies/bulk", {"companies": [], "job": {"id": "job_v2_missing"}})),
    "bulk closed job": Case("POST /contacts/bulk", 403, bulk_closed),
}


NEWER_CASES: dict[str, dict[str, Case]] = {
    "2.16": {"list deleted conversations": Case("GET /conversations/deleted", 200,
                                                deleted_conversations),
             "delete conversation": Case("DELETE /conversations/{id}", 200,
                                         delete_conversation),
             "list ticket states": Case("GET /ticket_states", 200, get("/ticket_states")),
             "list office hours schedules": Case("GET /office_hours_schedules", 200,
                                                 get("/office_hours_schedules"))},
    "Preview": {"list contact activities": Case("GET /contacts/activities", 200,
                                                contact_activities), **PREVIEW_BULK_CASES},
}
# Routes 2.11 has as well, answered in a newer version's shape: tickets take 2.16's from 2.12
# on (state as an object, assignee ids as integers, lists under `data`).
TICKET_CASES = {"search tickets": Case("POST /tickets/search", 200, search_tickets),
                "get tickets with parts": Case("GET /tickets/{id}", 200, tickets_with_parts),
                "list ticket types": Case("GET /ticket_types", 200, get("/ticket_types"))}
NEWER_SHAPES: dict[str, dict[str, Case]] = {"2.12": TICKET_CASES, "2.16": TICKET_CASES}
VERSIONED = [(v, name, case) for table in (NEWER_CASES, NEWER_SHAPES)
             for v, cases in table.items() for name, case in cases.items()]


@pytest.mark.parametrize(("version", "case"), [(v, case) for v, _name, case in VERSIONED],
                         ids=[f"{v} {name}" for v, name, _case in VERSIONED])
def test_newer_version_response_matches_its_spec(sandbox: Sandbox, version: str,
                                                 case: Case) -> None:
    # The newer descriptions fail openapi-spec-validator on paths we do not serve (e.g. an
    # unresolved `job_identifier`), so the description as a whole is not validated.
    openapi = OpenAPI.from_dict({**description(version), "servers": [{"url": sandbox.url}]},
                                config=Config(spec_validator_cls=None))
    with requests.Session() as session:
        session.headers.update({"Authorization": f"Bearer {sandbox.token}",
                                "Intercom-Version": version, "Accept": "application/json"})
        check(openapi, Client(sandbox.url, session, sandbox.state), case)


@pytest.mark.parametrize("case", [case for cases in NEWER_CASES.values()
                                  for case in cases.values()], ids=lambda c: c.route)
def test_newer_routes_are_unknown_to_2_11(client: Client, case: Case) -> None:
    """On 2.11 a route of a newer version answers 404, as a path Intercom does not know."""
    method, path = case.route.split(" ", 1)
    response = client.session.request(method, client.url + path.replace("{id}", "1"), timeout=30)
    assert response.status_code == 404, response.text


def test_every_route_is_covered_or_listed(spec: dict, sandbox: Sandbox) -> None:
    """Each 2.x route is exercised above, or named in NOT_IN_SPEC with a reason."""
    sandbox_routes = {f"{method} {r.path}" for r in routes(sandbox.state)
                      for method in sorted(r.methods or ()) if method != "HEAD"}
    by_version = {VERSION: {case.route for case in [*SUCCESS_CASES.values(),
                                                    *ERROR_CASES.values()]},
                  **{v: {c.route for c in cases.values()} for v, cases in NEWER_CASES.items()}}
    for v, cases in NEWER_SHAPES.items():
        by_version[v] = by_version.get(v, set()) | {c.route for c in cases.values()}
    covered = set().union(*by_version.values())
    assert sandbox_routes - covered - set(NOT_IN_SPEC) == set()
    link_routes = {f"{method} {r.path}" for r in links.routes_v2(sandbox.state)
                   for method in sorted(r.methods or ()) if method != "HEAD"}
    assert covered | set(NOT_IN_SPEC) <= sandbox_routes | link_routes  # links: see the replay
    for version, version_routes in by_version.items():
        paths = description(version)["paths"]
        documented = {f"{m} {p}" for p, ops in paths.items() for m in ops}
        for route in version_routes:  # newer descriptions keep the plain `{id}`
            method, path = route.split(" ", 1)
            assert {spec_path(route), f"{method.lower()} {path}"} & documented, (version, route)
    assert "get /counts" not in {f"{m} {p}" for p, ops in spec["paths"].items() for m in ops}
