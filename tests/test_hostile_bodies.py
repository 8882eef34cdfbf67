"""Whatever a client sends, no route answers 5xx: generated JSON bodies and query strings
against the whole app in process (the real model, a real index)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from index import LocalIndex
from qa.service import QAService
from qa.settings import Settings
from tests.conftest import FIXTURE_ARTICLES, TOKEN

# Any JSON value, unicode text included (lone surrogates too), nested a few levels deep.
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
# Bodies shaped like the real ones, with values of any kind in their fields.
ASK_BODY = st.fixed_dictionaries(
    {"question": JSON}, optional={"k": JSON, "filters": JSON, "extra": JSON}
)
DOCUMENT_BODY = st.fixed_dictionaries(
    {},
    optional={
        "doc_id": JSON,
        "title": JSON,
        "text": JSON,
        "source": JSON,
        "url": JSON,
        "published": JSON,
        "metadata": JSON,
    },
)
EXAMPLES = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, encoder) -> Iterator[TestClient]:
    index_settings = Settings(
        index_dir=tmp_path_factory.mktemp("hostile") / "index", api_token=TOKEN
    )
    service = QAService(
        index_settings,
        encoder,
        LocalIndex(index_settings.index_dir, encoder.name, encoder.dimension),
    )
    service.add_files([FIXTURE_ARTICLES])
    with TestClient(create_app(index_settings, service=service)) as running:
        for _ in range(200):  # the service is given: ready at once, or nearly
            if running.get("/readyz").status_code == 200:
                break
            time.sleep(0.05)
        yield running


@EXAMPLES
@given(body=st.one_of(JSON, ASK_BODY))
def test_ask_never_fails_on_a_body(client: TestClient, body: object) -> None:
    assert client.post("/ask", json=body).status_code < 500


@EXAMPLES
@given(body=st.one_of(JSON, DOCUMENT_BODY))
def test_documents_never_fail_on_a_body(client: TestClient, body: object) -> None:
    response = client.post("/documents", json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code < 500, response.text
    if response.status_code in (200, 201):
        doc_id = response.json()["doc_id"]
        # What was accepted reads back, lists and deletes without a 5xx.
        assert client.get("/documents", params={"limit": 1000}).status_code == 200
        assert client.get(f"/documents/{_quoted(doc_id)}").status_code == 200
        auth = {"Authorization": f"Bearer {TOKEN}"}
        assert client.delete(f"/documents/{_quoted(doc_id)}", headers=auth).status_code == 200


@EXAMPLES
@given(
    q=st.text(max_size=50),
    k=st.text(max_size=25),
    limit=st.text(max_size=25),
    offset=st.text(max_size=25),
    doc_id=st.text(min_size=1, max_size=40),
)
def test_query_strings_and_paths_never_fail(
    client: TestClient, q: str, k: str, limit: str, offset: str, doc_id: str
) -> None:
    assert client.get("/ask", params={"q": q, "k": k}).status_code < 500
    assert client.get("/documents", params={"limit": limit, "offset": offset}).status_code < 500
    assert client.get(f"/documents/{_quoted(doc_id)}").status_code < 500


def _quoted(doc_id: str) -> str:
    import urllib.parse

    return urllib.parse.quote(doc_id.encode("utf-8", "surrogatepass"), safe="")
