"""schemathesis against /openapi.json of the real server (its own, over loopback):
cases generated from the published schema for every operation, each answered as the
schema says: no 5xx, documented status codes and content types, conforming bodies, the
right Allow header."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.conftest import FIXTURE_ARTICLES, TOKEN
from tests.servers import RunningServer

EXAMPLES = int(os.environ.get("QA_TEST_SCHEMA_EXAMPLES", "100"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server of its own: the cases add and delete documents of every kind."""
    directory = tmp_path_factory.mktemp("contract")
    running = RunningServer(
        directory / "index", FIXTURE_ARTICLES, TOKEN, directory / "server.log"
    ).start()
    yield running
    running.stop()


def is_a_page(body: object) -> bool:
    """A document given as HTML or as a URL to fetch: whether a page holds an article, and
    whether a URL can be read at all, is found by reading it, which no schema can say, so
    a schema-valid page or URL may still be refused (422)."""
    given = (
        {name for name, value in body.items() if value is not None}
        if isinstance(body, dict)
        else set()
    )
    return bool({"html", "fetch"} & given) and not {"text", "body"} & given


def test_every_operation_answers_as_its_schema_says(server: RunningServer) -> None:
    schema = schemathesis.openapi.from_url(f"{server.base_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8  # ask (GET, POST), examples, documents (4), operations
    calls: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,  # the same cases every run: a failure is reproducible
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def answers_as_documented(case: schemathesis.Case) -> None:
            calls.append(case.operation.label)
            case.call_and_validate(
                headers={"Authorization": f"Bearer {TOKEN}"},
                timeout=60,
                excluded_checks=[positive_data_acceptance] if is_a_page(case.body) else [],
            )

        answers_as_documented()
    print(f"{len(calls)} cases over {len(operations)} operations")
    assert set(calls) == {operation.label for operation in operations}
