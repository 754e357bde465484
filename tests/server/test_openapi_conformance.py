"""The API's OpenAPI schema tells the truth.

A schema fuzzer, schemathesis, runs against the real app (in-process over ASGI, real SQLite in
``tmp_path``) as a new user would run ``st run``: its coverage, fuzzing and stateful phases
(the stateful one chains operations along the links it infers, e.g. a created node's id into
GET/PATCH/DELETE of that node) with every check on, once per role: the superuser (admin token)
and an administrator, a publisher, a reviewer and a viewer of a branch, made through the API.
Each run must find nothing: no server error, no status code, content type, header or body the
schema does not declare, no request the schema forbids accepted, no route answering without
its token. Generation is derandomized with a fixed seed and example count, so a run is the same
on every machine.

Left out: ``positive_data_acceptance`` (schema-valid data must be accepted). Item, meeting and
settings bodies are free-form objects in the schema (the wire models validate them inside the
route), and a role name, a screen id's pattern or an unknown node are refused with 422 by
design, so schema-valid is not valid there.
"""

from __future__ import annotations

import collections
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from account_helpers import add_account, bearer, login, personal_token
from fastapi.testclient import TestClient
from org_helpers import committee_with_two_branches
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema
from server_helpers import AUTH, TOKEN

ROLES = ("superuser", "administrator", "publisher", "reviewer", "viewer")
ERROR_BODY = {"$ref": "#/components/schemas/ErrorBody"}
# Error answers FastAPI and content_server.api_schema declare for a route by themselves.
AUTOMATIC = {"400", "401", "422"}
# Operations whose only errors are the automatic ones (a missing token, a bad parameter).
NOTHING_ELSE_TO_DECLARE = {
    ("get", "/healthz"),
    ("get", "/api/items"),
    ("get", "/api/learning/totals"),
    ("get", "/api/meetings"),
    ("get", "/api/org/nodes"),
    ("post", "/api/logout"),
    ("get", "/api/me"),
    ("get", "/api/accounts"),
    ("get", "/api/screens"),
    ("get", "/api/signing-keys"),
    ("get", "/api/reviews"),
}
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


@dataclass
class Finding:
    check: str
    operation: str
    status: int | None
    title: str
    message: str
    curl: str

    def __str__(self) -> str:
        return (
            f"{self.check}: {self.operation} answered {self.status}: {self.title}\n"
            f"    {self.message.strip()[:400]}\n    {self.curl[:400]}"
        )


@dataclass
class Report:
    """What a schemathesis run did and found."""

    requests: int = 0
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    answered: dict[str, set[int]] = field(default_factory=lambda: collections.defaultdict(set))
    phases: dict[str, str] = field(default_factory=dict)


def run_schemathesis(client: TestClient, token: str, **phases: bool) -> Report:
    """schemathesis' engine against ``client.app`` with ``token``, as ``st run`` would."""
    config = SchemathesisConfig.from_dict(
        {
            "seed": 20260601,
            "cache": {"enabled": False},  # no state carried between runs (nor files written)
            "workers": 1,
            # Health checks judge the generator (too slow on a busy machine), not the API.
            "suppress-health-check": ["all"],
            "generation": {"deterministic": True, "max-examples": 4, "database": "none"},
            "auth": {"openapi": {"bearer": {"bearer": token}}},
            "checks": {"positive_data_acceptance": {"enabled": False}},
            "phases": {
                "examples": {"enabled": False},
                "coverage": {"enabled": phases.get("coverage", True)},
                "fuzzing": {"enabled": phases.get("fuzzing", True)},
                "stateful": {"enabled": True, "max-steps": 8},
            },
            # Event streams never end: one event is enough to check an answer.
            "max-stream-events": 1,
            "request-timeout": 60,
        }
    )
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", client.app, config=config)
    report = Report()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            _record(report, event.recorder)
        elif isinstance(event, events.PhaseFinished):
            report.phases[event.phase.name.value] = event.status.value
        elif isinstance(event, events.NonFatalError | events.FatalError):
            report.errors.append(repr(event))
    return report


def _record(report: Report, recorder: Any) -> None:
    for case_id, interaction in recorder.interactions.items():
        report.requests += 1
        operation = recorder.cases[case_id].value.operation
        if interaction.response is not None:
            label = f"{operation.method.upper()} {operation.path}"
            report.answered[label].add(interaction.response.status_code)
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.failure_info is None:
                continue
            case = recorder.cases[case_id].value
            interaction = recorder.interactions.get(case_id)
            response = interaction.response if interaction is not None else None
            failure = check.failure_info.failure
            report.findings.append(
                Finding(
                    check.name,
                    f"{case.operation.method.upper()} {case.operation.path}",
                    response.status_code if response is not None else None,
                    failure.title,
                    str(getattr(failure, "message", "")),
                    check.failure_info.code_sample,
                )
            )


@pytest.fixture
def role_client(client: TestClient) -> Callable[[str], str]:
    """A tree with two branches, and a token for ``role``: the admin token for the superuser,
    else a personal API token of an account with that role on the first branch (not a
    session: the run's own POST /api/logout would end it)."""

    def token_for(role: str) -> str:
        branches = committee_with_two_branches(client)
        if role == "superuser":
            return TOKEN
        add_account(client, f"{role}-1", branches["a"], role)
        return str(personal_token(client, login(client, f"{role}-1"))["token"])

    return token_for


@pytest.mark.parametrize("role", ROLES)
def test_a_schemathesis_run_finds_nothing(
    client: TestClient, role_client: Callable[[str], str], role: str
) -> None:
    token = role_client(role)
    # What does not depend on who asks (405s and their Allow, boundary values of every
    # parameter) is the coverage phase's business: the superuser's run has it.
    report = run_schemathesis(client, token, coverage=role == "superuser")

    assert not report.errors, report.errors
    assert not report.findings, f"{len(report.findings)} nonconformities:\n" + "\n".join(
        str(finding) for finding in report.findings
    )
    # The run reached the API as this role all along: it ran every phase it was given, and
    # its token still works (had it been revoked, later requests would only have seen 401s).
    assert report.phases["stateful"] == "success", report.phases
    assert report.requests > 150, report.requests
    assert 200 in report.answered["GET /api/org/nodes"], dict(report.answered)
    assert client.get("/api/me", headers=bearer(token)).status_code == 200


def test_every_operation_declares_its_errors_with_the_error_body(client: TestClient) -> None:
    """Every error a route declares has the project's body (or is a page or the plain text of
    a Range error), FastAPI's validation-error schema is gone, and a route declares its own
    errors (``responses=error_responses(...)``) unless it truly has none."""
    schema = client.app.openapi()  # type: ignore[attr-defined]
    assert "HTTPValidationError" not in json.dumps(schema)
    undeclared = []
    for path, item in schema["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            errors = {
                code: answer for code, answer in operation["responses"].items() if code >= "4"
            }
            for code, answer in errors.items():
                content = answer.get("content", {})
                assert content, (method, path, code)
                if "application/json" in content:
                    assert content["application/json"]["schema"] == ERROR_BODY, (method, path)
                else:
                    assert set(content) <= {"text/html", "text/plain"}, (method, path, code)
            automatic = AUTOMATIC if "requestBody" in operation else AUTOMATIC - {"400"}
            if not set(errors) - automatic and (method, path) not in NOTHING_ELSE_TO_DECLARE:
                undeclared.append(f"{method.upper()} {path}")
    assert not undeclared, (
        "routes without their own error declarations (add responses=error_responses(...) "
        f"with what they answer, e.g. 403, 404, 409): {undeclared}"
    )


def test_token_routes_use_the_bearer_scheme(client: TestClient) -> None:
    schema = client.app.openapi()  # type: ignore[attr-defined]
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    operation = schema["paths"]["/api/items"]["get"]
    assert operation["security"] == [{"bearer": []}]
    assert "parameters" not in operation  # no Authorization header parameter
    assert "401" in operation["responses"] and "422" not in operation["responses"]
    assert "security" not in schema["paths"]["/api/meetings/{meeting_id}/live"]["get"]


def test_a_405_names_every_method_of_the_path(client: TestClient) -> None:
    answer = client.patch("/api/accounts", headers=AUTH)
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, POST"
    assert answer.json()["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("get", f"/api/org/nodes/{2**64}", None),
        ("post", "/api/org/nodes", {"parent_id": 2**70, "kind": "党支部", "name": "x"}),
    ],
)
def test_an_integer_too_large_to_store_is_the_requests_fault(
    client: TestClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    answer = client.request(method, path, headers=AUTH, json=body)
    assert answer.status_code == 422
    assert answer.json()["code"] == "number_too_large"
