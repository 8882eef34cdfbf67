"""The real server (`qa serve`, real model, index on disk) driven over HTTP on loopback."""

from __future__ import annotations

import signal
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from qa.settings import Settings
from tests.conftest import FIXTURE_ARTICLES, TOKEN
from tests.servers import RunningServer, run_cli

pytestmark = pytest.mark.e2e


def ask(server: RunningServer, question: str, k: int = 5) -> dict:
    response = httpx.post(f"{server.base_url}/ask", json={"question": question, "k": k}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How much will the tidal barrier cost?", "84 million euros"),
        ("Why did the rail workers walk out?", "staffing on night shifts"),
        ("How much are sea levels expected to rise?", "40 centimetres by 2080"),
        ("What pay increase did the rail company offer?", "4 percent pay rise"),
        ("When will the trains run normally again?", "from Saturday morning"),
    ],
)
def test_questions_about_the_articles_find_the_answering_passage_first(
    server: RunningServer, question: str, expected: str
) -> None:
    """Over HTTP, on the fixtures' four passages; tests/test_quality.py asks real sets."""
    answer = ask(server, question)
    assert answer["answerable"] is True
    first = answer["passages"][0]
    assert expected in first["text"]
    assert first["rank"] == 1 and answer["took_ms"] > 0


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        (
            "When will the trains run normally again?",
            "A spokesperson for Valley Rail said trains should run normally again from Saturday "
            "morning, although the first services of the day may be delayed while crews return "
            "to their depots.",
        ),
        # Word overlap alone would mark the sentence naming the "tidal barrier".
        (
            "How much will the tidal barrier cost?",
            "The barrier will cost an estimated 84 million euros.",
        ),
    ],
)
def test_the_highlight_is_the_answering_sentence(
    server: RunningServer, question: str, sentence: str
) -> None:
    first = ask(server, question)["passages"][0]
    assert first["text"][first["highlight"]["start"] : first["highlight"]["end"]] == sentence


@pytest.mark.parametrize(
    "question",
    ["Who won the World Cup?", "How do I bake sourdough bread?", "What is the capital of France?"],
)
def test_off_topic_questions_are_not_answerable(server: RunningServer, question: str) -> None:
    answer = ask(server, question)
    assert answer["answerable"] is False
    assert answer["passages"], "the closest passages still come back for the page to show"


def test_every_citation_points_at_the_exact_text_of_its_document(server: RunningServer) -> None:
    questions = [
        "tidal barrier cost",
        "night shift staff",
        "insurers flood cover",
        "school attendance",
    ]
    documents: dict[str, dict] = {}
    for question in questions:
        for passage in ask(server, question, k=10)["passages"]:
            citation = passage["citation"]
            if citation["doc_id"] not in documents:
                response = httpx.get(
                    f"{server.base_url}/documents/{citation['doc_id']}", timeout=30
                )
                assert response.status_code == 200
                documents[citation["doc_id"]] = response.json()
            document = documents[citation["doc_id"]]
            assert document["text"][citation["start"] : citation["end"]] == passage["text"]
            for field in ("title", "source", "url", "published"):
                assert citation[field] == document[field]
            spans = {(p["passage_id"], p["start"], p["end"]) for p in document["passages"]}
            assert (citation["passage_id"], citation["start"], citation["end"]) in spans
            highlight, context = passage["highlight"], passage["context"]
            assert 0 <= highlight["start"] < highlight["end"] <= len(passage["text"])
            # The context holds the marked sentence and stays inside the passage.
            assert 0 <= context["start"] <= highlight["start"]
            assert highlight["end"] <= context["end"] <= len(passage["text"])
    assert len(documents) == 2


def test_concurrent_questions_each_get_their_own_answer(server: RunningServer) -> None:
    """Questions that arrive together share the model thread's work: none may get another's
    answer, and each gets the same answer it gets alone."""

    questions = [
        "How much will the tidal barrier cost?",
        "Why did the rail workers walk out?",
        "How much are sea levels expected to rise?",
        "When will the trains run normally again?",
        "who won the world cup?",
    ] * 4
    alone = {q: ask(server, q) for q in set(questions)}
    with ThreadPoolExecutor(max_workers=len(questions)) as pool:
        together = list(pool.map(lambda q: ask(server, q), questions))
    for question, answer in zip(questions, together, strict=True):
        assert answer["question"] == question
        expected = alone[question]
        assert answer["answerable"] == expected["answerable"]
        assert [p["citation"]["passage_id"] for p in answer["passages"]] == [
            p["citation"]["passage_id"] for p in expected["passages"]
        ]
        assert answer["passages"][0]["score"] == pytest.approx(
            expected["passages"][0]["score"], abs=1e-5
        )


def test_get_and_post_ask_agree(server: RunningServer) -> None:
    posted = ask(server, "Who voted against the barrier?", k=3)
    got = httpx.get(
        f"{server.base_url}/ask", params={"q": "Who voted against the barrier?", "k": 3}, timeout=30
    ).json()
    assert [p["citation"]["passage_id"] for p in got["passages"]] == [
        p["citation"]["passage_id"] for p in posted["passages"]
    ]
    assert len(got["passages"]) == 3


def test_filters_restrict_answers_to_a_source(server: RunningServer) -> None:
    response = httpx.post(
        f"{server.base_url}/ask",
        json={"question": "strike", "k": 10, "filters": {"sources": ["Fixture Gazette"]}},
        timeout=30,
    )
    assert response.status_code == 200
    sources = {p["citation"]["source"] for p in response.json()["passages"]}
    assert sources == {"Fixture Gazette"}


@pytest.mark.parametrize(
    "doc_id", ["Victoria_(Australia)", "https://example.org/a b?c=1&d=2#e", "50% off", "Kyïv/2024"]
)
def test_ids_from_other_systems_travel_percent_encoded(server: RunningServer, doc_id: str) -> None:
    quoted = urllib.parse.quote(doc_id, safe="")
    with server.client() as client:
        created = client.post(
            "/documents",
            json={"doc_id": doc_id, "title": "Ids", "text": "An article with a foreign id."},
            headers=server.auth(),
        )
        assert created.status_code == 201, created.text
        assert created.json()["doc_id"] == doc_id
        assert client.get(f"/documents/{quoted}").json()["doc_id"] == doc_id
        listed = client.get("/documents", params={"limit": 1000}).json()["documents"]
        assert doc_id in [document["doc_id"] for document in listed]
        assert client.delete(f"/documents/{quoted}", headers=server.auth()).status_code == 200
        assert client.get(f"/documents/{quoted}").status_code == 404


def test_every_response_says_nosniff_and_pages_answer_head(server: RunningServer) -> None:
    with server.client() as client:
        for response in (
            client.post("/ask", json={"question": "barrier cost?"}),
            client.post("/ask", json={"question": ""}),
            client.get("/docs"),
            client.get("/documents/nope"),
            client.get("/static/app.js"),
        ):
            assert response.headers["x-content-type-options"] == "nosniff", response.url
        for path in ("/", "/read"):
            head, get = client.head(path), client.get(path)
            assert head.status_code == get.status_code == 200 and head.content == b""
            assert head.headers["content-type"] == get.headers["content-type"]


def test_operations_endpoints(server: RunningServer) -> None:
    with server.client() as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz").json()
        assert ready["status"] == "ready" and ready["documents"] == 2 and ready["passages"] > 2
        metrics = client.get("/metrics")
        assert metrics.status_code == 200
        assert 'qa_http_requests_total{method="GET",route="/readyz",status="200"}' in metrics.text
        assert "qa_passages " in metrics.text
        assert client.get("/docs").status_code == 200
        assert "/ask" in client.get("/openapi.json").json()["paths"]
        listing = client.get("/documents").json()
        assert listing["total"] == 2 and len(listing["documents"]) == 2


LONG = "x" * 1001

# Metadata nested 260 levels deep: once stored, it could no longer be read back as JSON.
DEEP: dict = {}
_level = DEEP
for _ in range(260):
    _level["inner"] = {}
    _level = _level["inner"]

BAD_REQUESTS = [
    ("empty question", "POST", "/ask", {"json": {"question": ""}}, 422, "question"),
    ("blank question", "POST", "/ask", {"json": {"question": "  \n "}}, 422, "question"),
    ("question too long", "POST", "/ask", {"json": {"question": LONG}}, 422, "1000"),
    ("question not a string", "POST", "/ask", {"json": {"question": 5}}, 422, "question"),
    ("missing question", "POST", "/ask", {"json": {"k": 3}}, 422, "question"),
    ("k zero", "POST", "/ask", {"json": {"question": "q", "k": 0}}, 422, "k"),
    ("k too big", "POST", "/ask", {"json": {"question": "q", "k": 51}}, 422, "k"),
    ("k not a number", "POST", "/ask", {"json": {"question": "q", "k": "five"}}, 422, "k"),
    ("k fractional", "POST", "/ask", {"json": {"question": "q", "k": 2.5}}, 422, "k"),
    ("unknown field", "POST", "/ask", {"json": {"question": "q", "kk": 1}}, 422, "kk"),
    ("bad filter", "POST", "/ask", {"json": {"question": "q", "filters": {"x": 1}}}, 422, "x"),
    (
        "malformed json",
        "POST",
        "/ask",
        {"content": b'{"question": "q"', "headers": {"content-type": "application/json"}},
        422,
        "JSON",
    ),
    (
        "not utf-8",
        "POST",
        "/ask",
        {"content": b'{"question": "caf\xe9"}', "headers": {"content-type": "application/json"}},
        422,
        "UTF-8",
    ),
    ("json array", "POST", "/ask", {"json": ["question"]}, 422, "object"),
    ("body too large", "POST", "/ask", {"json": {"question": "q" * 6_000_000}}, 413, "limit"),
    ("get without q", "GET", "/ask", {}, 422, "q"),
    ("get k not a number", "GET", "/ask", {"params": {"q": "x", "k": "many"}}, 422, "k"),
    ("get empty q", "GET", "/ask", {"params": {"q": ""}}, 422, "q: must not be empty"),
    ("blank question", "POST", "/ask", {"json": {"question": " \t"}}, 422, "must not be empty"),
    ("unknown document", "GET", "/documents/nope", {}, 404, "nope"),
    ("bad paging", "GET", "/documents", {"params": {"limit": 0}}, 422, "limit"),
    (
        "write without token",
        "POST",
        "/documents",
        {"json": {"title": "t", "text": "x"}},
        401,
        "Bearer",
    ),
    (
        "write with wrong token",
        "POST",
        "/documents",
        {"json": {"title": "t", "text": "x"}, "headers": {"Authorization": "Bearer wrong"}},
        403,
        "token",
    ),
    ("delete without token", "DELETE", "/documents/anything", {}, 401, "Bearer"),
    (
        "malformed write without token",
        "POST",
        "/documents",
        {"content": b'{"text": ', "headers": {"content-type": "application/json"}},
        401,
        "Bearer",
    ),
    (
        "document without text",
        "POST",
        "/documents",
        {"json": {"title": "t"}, "headers": {"Authorization": f"Bearer {TOKEN}"}},
        422,
        "text",
    ),
    (
        "document bad id",
        "POST",
        "/documents",
        {"json": {"doc_id": "ab\n", "text": "x"}, "headers": {"Authorization": f"Bearer {TOKEN}"}},
        422,
        "doc_id",
    ),
    (
        "document bad date",
        "POST",
        "/documents",
        {
            "json": {"text": "x", "published": "yesterday"},
            "headers": {"Authorization": f"Bearer {TOKEN}"},
        },
        422,
        "published",
    ),
    (
        "document metadata not object",
        "POST",
        "/documents",
        {"json": {"text": "x", "metadata": [1]}, "headers": {"Authorization": f"Bearer {TOKEN}"}},
        422,
        "metadata",
    ),
    (
        "question lone surrogate",
        "POST",
        "/ask",
        {
            "content": b'{"question": "war \\ud800"}',
            "headers": {"content-type": "application/json"},
        },
        422,
        "surrogate",
    ),
    (
        "document lone surrogate",
        "POST",
        "/documents",
        {
            "content": b'{"text": "war \\udc00 ends"}',
            "headers": {"content-type": "application/json", "Authorization": f"Bearer {TOKEN}"},
        },
        422,
        "surrogate",
    ),
    (
        "document empty text",
        "POST",
        "/documents",
        {"json": {"text": ""}, "headers": {"Authorization": f"Bearer {TOKEN}"}},
        422,
        "text",
    ),
    (
        "metadata too deep",
        "POST",
        "/documents",
        {"json": {"text": "x", "metadata": DEEP}, "headers": {"Authorization": f"Bearer {TOKEN}"}},
        422,
        "deeper",
    ),
    (
        "metadata not a finite number",
        "POST",
        "/documents",
        {
            "content": b'{"text": "x", "metadata": {"ratio": NaN}}',
            "headers": {"content-type": "application/json", "Authorization": f"Bearer {TOKEN}"},
        },
        422,
        "finite",
    ),
    (
        "json nested beyond the parser",
        "POST",
        "/ask",
        {
            "content": b'{"question": "q", "filters": ' + b"[" * 5000 + b"]" * 5000 + b"}",
            "headers": {"content-type": "application/json"},
        },
        422,
        "nested",
    ),
    (
        "number of thousands of digits",
        "POST",
        "/ask",
        {
            "content": b'{"question": "q", "k": 1' + b"0" * 5000 + b"}",
            "headers": {"content-type": "application/json"},
        },
        422,
        "long",
    ),
    ("offset beyond 64 bits", "GET", "/documents", {"params": {"offset": 2**63}}, 422, "offset"),
    (
        "delete unknown",
        "DELETE",
        "/documents/nope",
        {"headers": {"Authorization": f"Bearer {TOKEN}"}},
        404,
        "nope",
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "options", "status", "mentions"),
    [case[1:] for case in BAD_REQUESTS],
    ids=[case[0] for case in BAD_REQUESTS],
)
def test_bad_input_gets_a_clear_json_error(
    server: RunningServer, method: str, path: str, options: dict, status: int, mentions: str
) -> None:
    response = httpx.request(method, f"{server.base_url}{path}", timeout=30, **options)
    assert response.status_code == status, response.text
    body = response.json()
    assert mentions in body["detail"]


def test_posted_documents_are_searchable_at_once_and_survive_a_crash(tmp_path: Path) -> None:
    running = RunningServer(tmp_path / "index", FIXTURE_ARTICLES, TOKEN, tmp_path / "log").start()
    try:
        article = {
            "doc_id": "lighthouse-1",
            "title": "Old lighthouse reopens as a museum",
            "text": "The Kessel Point lighthouse reopened on Saturday as a maritime museum. "
            "Its lamp, first lit in 1871, was restored by volunteers over six winters.",
            "source": "Fixture Courier",
            "url": "https://example.org/fixtures/lighthouse",
            "published": "2024-06-01",
            "section": "culture",
        }
        with running.client() as client:
            created = client.post("/documents", json=article, headers=running.auth())
            assert created.status_code == 201, created.text
            assert created.json() == {"doc_id": "lighthouse-1", "status": "added", "passages": 1}
            again = client.post("/documents", json=article, headers=running.auth())
            assert again.status_code == 200 and again.json()["status"] == "unchanged"
            answer = ask(running, "When was the lighthouse lamp first lit?")
            assert answer["passages"][0]["citation"]["doc_id"] == "lighthouse-1"
            deleted = client.post(
                "/documents",
                json={"doc_id": "gone-1", "text": "A doomed article about lighthouses."},
                headers=running.auth(),
            )
            assert deleted.status_code == 201
            assert client.delete("/documents/gone-1", headers=running.auth()).status_code == 200
        # A crash: no shutdown, no flush of the FAISS file. The SQLite commit is the durability.
        running.stop(signal.SIGKILL)
        running.start()
        answer = ask(running, "When was the lighthouse lamp first lit?")
        assert answer["passages"][0]["citation"]["doc_id"] == "lighthouse-1"
        with running.client() as client:
            document = client.get("/documents/lighthouse-1").json()
            assert document["metadata"] == {"section": "culture"}
            assert client.get("/documents/gone-1").status_code == 404
            assert client.get("/readyz").json()["documents"] == 3
    finally:
        running.stop()


def first_title(server: RunningServer, question: str) -> str:
    return str(ask(server, question)["passages"][0]["citation"]["title"])


def wait_for_first_title(server: RunningServer, question: str, title: str) -> str:
    """The title ranked first, asked again until it is `title` or 30 s have passed."""
    deadline = time.monotonic() + 30
    found = first_title(server, question)
    while found != title and time.monotonic() < deadline:
        time.sleep(0.5)
        found = first_title(server, question)
    return found


def post_article(server: RunningServer, doc_id: str, title: str, text: str) -> None:
    article = {"doc_id": doc_id, "title": title, "text": text, "source": "Fixture Courier"}
    response = httpx.post(
        f"{server.base_url}/documents", json=article, headers=server.auth(), timeout=60
    )
    assert response.status_code == 201, response.text


OBSERVATORY = "Hill observatory opens to the public"
FERRY = "Island ferry adds a night crossing"
MARKET = "Covered market reopens after repairs"


def test_a_server_and_a_separate_ingest_process_write_to_one_index(tmp_path: Path) -> None:
    """`qa ingest` in its own process while `qa serve` writes too: the server answers from
    the command's article, and the command's write loses none of the server's."""
    running = RunningServer(tmp_path / "index", FIXTURE_ARTICLES, TOKEN, tmp_path / "log").start()
    try:
        post_article(
            running,
            "ferry-1",
            FERRY,
            "The island ferry will add a crossing at eleven at night from May. "
            "A single fare on the night boat costs six euros.",
        )
        article = tmp_path / "observatory.md"
        article.write_text(
            f"---\ntitle: {OBSERVATORY}\nsource: Fixture Courier\n---\n"
            "The Brannock Hill observatory opened its telescope dome to visitors on Friday. "
            "Tickets for the evening sky tours cost twelve euros.",
            encoding="utf-8",
        )
        result = run_cli("ingest", str(article), "--index", str(tmp_path / "index"))
        assert result.returncode == 0, result.stderr
        question = "How much is an observatory sky tour?"
        assert wait_for_first_title(running, question, OBSERVATORY) == OBSERVATORY
        assert first_title(running, "What does the night ferry cost?") == FERRY
        post_article(
            running,
            "market-1",
            MARKET,
            "The covered market on Quay Street reopened on Monday after roof repairs "
            "that took eight months.",
        )
        assert first_title(running, "How long did the market roof repairs take?") == MARKET
        assert first_title(running, question) == OBSERVATORY
        with running.client() as client:
            assert client.get("/readyz").json()["documents"] == 5
    finally:
        running.stop()


def test_two_servers_on_one_index_each_see_the_others_writes(tmp_path: Path) -> None:
    """Dense retrieval only: lexical search reads the shared store on every question, so
    it is each server's vectors in memory that must catch up with the other's writes."""
    index_dir = tmp_path / "index"
    dense = {"QA_RETRIEVAL_MODE": "dense"}
    first = RunningServer(index_dir, FIXTURE_ARTICLES, TOKEN, tmp_path / "first.log", dense)
    first.start()
    second = RunningServer(index_dir, None, TOKEN, tmp_path / "second.log", dense)
    try:
        second.start()
        assert first.base_url != second.base_url
        post_article(
            first,
            "observatory-1",
            OBSERVATORY,
            "The Brannock Hill observatory opened its telescope dome to visitors on Friday. "
            "Tickets for the evening sky tours cost twelve euros.",
        )
        sky_tour = "How much is an observatory sky tour?"
        assert wait_for_first_title(second, sky_tour, OBSERVATORY) == OBSERVATORY
        post_article(
            second,
            "ferry-1",
            FERRY,
            "The island ferry will add a crossing at eleven at night from May. "
            "A single fare on the night boat costs six euros.",
        )
        night_ferry = "What does the night ferry cost?"
        assert wait_for_first_title(first, night_ferry, FERRY) == FERRY
        response = httpx.delete(
            f"{second.base_url}/documents/observatory-1", headers=second.auth(), timeout=60
        )
        assert response.status_code == 200, response.text
        deadline = time.monotonic() + 30
        while first_title(first, sky_tour) == OBSERVATORY and time.monotonic() < deadline:
            time.sleep(0.5)
        assert first_title(first, sky_tour) != OBSERVATORY
        assert httpx.get(f"{first.base_url}/documents/observatory-1", timeout=30).status_code == 404
        for server in (first, second):
            assert httpx.get(f"{server.base_url}/readyz", timeout=30).json()["documents"] == 3
    finally:
        second.stop()
        first.stop()


def test_writes_are_refused_when_no_token_is_configured(tmp_path: Path) -> None:
    running = RunningServer(tmp_path / "index", FIXTURE_ARTICLES, None, tmp_path / "log").start()
    try:
        response = httpx.post(
            f"{running.base_url}/documents",
            json={"title": "t", "text": "x"},
            headers={"Authorization": "Bearer anything"},
            timeout=30,
        )
        assert response.status_code == 403
        assert "QA_API_TOKEN" in response.json()["detail"]
    finally:
        running.stop()


KREMLIN_NATO = "The Kremlin is also insisting that Ukraine drop its bid to join NATO"


def test_the_card_question_over_the_seed_articles(seed_server: RunningServer) -> None:
    """`make run` as a new user meets it: the seeds ingested on first start, the card's
    question answered with Russia's NATO demand, every citation checkable."""
    running = seed_server
    answer = ask(running, "what does Russia demand on NATO?")
    assert answer["answerable"] is True
    passages = answer["passages"]
    first = passages[0]
    marked = first["text"][first["highlight"]["start"] : first["highlight"]["end"]]
    assert "NATO" in marked and ("Kremlin" in marked or "Russian demands" in marked), marked
    assert any(KREMLIN_NATO in passage["text"] for passage in passages[:3])
    documents: dict[str, dict] = {}
    spans: list[tuple[str, int, int]] = []
    for passage in passages:
        citation = passage["citation"]
        if citation["doc_id"] not in documents:
            response = httpx.get(f"{running.base_url}/documents/{citation['doc_id']}")
            assert response.status_code == 200
            documents[citation["doc_id"]] = response.json()
        text = documents[citation["doc_id"]]["text"]
        assert text[citation["start"] : citation["end"]] == passage["text"]
        # The seeds give no date and no article link: those stay empty, not invented.
        assert citation["url"] == "" and citation["published"] == ""
        for doc_id, start, end in spans:
            assert (
                doc_id != citation["doc_id"]
                or end <= citation["start"]
                or (citation["end"] <= start)
            ), "two passages of one answer share text"
        spans.append((citation["doc_id"], citation["start"], citation["end"]))
    # The whole article is quotable, its lead sentence included.
    assert all(d["text"].startswith("Russian President Vladimir Putin") for d in documents.values())
    off_topic = ask(running, "What is a good recipe for banana bread?")
    assert off_topic["answerable"] is False


def test_questions_are_answered_while_a_long_article_is_written(server: RunningServer) -> None:
    # About 160 passages to embed: seconds of work on the writer thread.
    sentences = [
        f"Ledger entry {n} records a shipment of {n % 97} crates to the port." for n in range(2_600)
    ]
    article = {"doc_id": "ledger-1", "title": "Port ledger", "text": " ".join(sentences)}
    assert len(article["text"]) <= Settings().max_document_chars
    with ThreadPoolExecutor(max_workers=1) as pool:
        write = pool.submit(
            httpx.post,
            f"{server.base_url}/documents",
            json=article,
            headers=server.auth(),
            timeout=300,
        )
        answered_meanwhile = 0
        deadline = time.monotonic() + 120
        while not write.done() and time.monotonic() < deadline:
            answer = ask(server, "How much will the tidal barrier cost?")
            assert "84 million euros" in answer["passages"][0]["text"]
            answered_meanwhile += 1 if not write.done() else 0
        assert write.result().status_code == 201, write.result().text
    # The write embeds for seconds and a question takes tens of milliseconds: three
    # answered before it ended cannot have queued behind it.
    assert answered_meanwhile >= 3, "questions waited for the write"
    ready = httpx.get(f"{server.base_url}/readyz", timeout=30).json()
    assert ready["writes_waiting"] == 0 and ready["writes_backed_up"] is False
    httpx.delete(f"{server.base_url}/documents/ledger-1", headers=server.auth(), timeout=60)


def test_a_rare_word_finds_its_document_among_near_copies(tmp_path: Path) -> None:
    """A burst of near-identical articles, posted by concurrent clients that retry when
    writes are backed up; each is then found by the one word only it holds."""
    running = RunningServer(tmp_path / "index", FIXTURE_ARTICLES, TOKEN, tmp_path / "log").start()
    report = (
        "The harbour authority published its quarterly shipping report on Monday. Container "
        "traffic rose slightly while bulk cargo fell, and the ferry routes kept their timetable."
    )
    codes = [f"zq{number:03d}vex" for number in range(60)]

    def post(number: int) -> int:
        for _ in range(200):
            response = httpx.post(
                f"{running.base_url}/documents",
                json={"doc_id": f"copy-{number}", "text": f"{report} Its code is {codes[number]}."},
                headers=running.auth(),
                timeout=60,
            )
            if response.status_code != 503:
                return response.status_code
            time.sleep(float(response.headers["Retry-After"]) / 10)
        return response.status_code

    try:
        with ThreadPoolExecutor(max_workers=12) as pool:
            assert set(pool.map(post, range(len(codes)))) == {201}
        for number, code in enumerate(codes):
            answer = ask(running, f"Which shipping report has the code {code}?", k=10)
            assert f"copy-{number}" in [p["citation"]["doc_id"] for p in answer["passages"]]
    finally:
        running.stop()


def test_a_server_rebuilds_a_damaged_vector_file_and_answers_right(tmp_path: Path) -> None:
    index = tmp_path / "index"
    RunningServer(index, FIXTURE_ARTICLES, None, tmp_path / "log").start().stop()
    vector_file = index / "vectors.faiss"
    data = bytearray(vector_file.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 512] = b"\xff" * 512  # vectors overwritten, header intact
    vector_file.write_bytes(bytes(data))
    running = RunningServer(index, FIXTURE_ARTICLES, None, tmp_path / "log").start()
    try:
        answer = ask(running, "How much will the tidal barrier cost?")
        assert "84 million euros" in answer["passages"][0]["text"]
        assert all(0 < passage["score"] < 2 for passage in answer["passages"])
        assert "does not match its checksum" in (tmp_path / "log").read_text()
    finally:
        running.stop()


def test_a_news_page_posted_as_html_is_stored_as_its_article(server: RunningServer) -> None:
    from tests.news_pages import BOILERPLATE, news_page
    from tests.test_pages import seed_articles

    article = seed_articles()[0]
    auth = {"Authorization": f"Bearer {TOKEN}"}
    posted = httpx.post(
        f"{server.base_url}/documents",
        json={"html": news_page(article), "metadata": {"desk": "world"}},
        headers=auth,
        timeout=120,
    )
    assert posted.status_code == 201, posted.text
    doc_id = posted.json()["doc_id"]
    try:
        stored = httpx.get(f"{server.base_url}/documents/{doc_id}", timeout=30).json()
        assert stored["text"] == "\n".join(article.paragraphs)
        assert not any(phrase in stored["text"] for phrase in BOILERPLATE.values())
        assert (stored["title"], stored["source"], stored["published"], stored["url"]) == (
            article.title, "Daily Planet", "2025-12-17", article.url
        )  # fmt: skip
        assert stored["metadata"] == {"author": "Jane Reporter", "desk": "world"}
        # The client's own fields win over the page's.
        again = httpx.post(
            f"{server.base_url}/documents",
            json={"html": news_page(article), "doc_id": doc_id, "source": "Wire copy"},
            headers=auth,
            timeout=120,
        )
        assert again.status_code == 200, again.text
        assert httpx.get(f"{server.base_url}/documents/{doc_id}").json()["source"] == "Wire copy"
        refused = httpx.post(
            f"{server.base_url}/documents",
            json={"html": "<html><body><nav>Home</nav></body></html>"},
            headers=auth,
            timeout=30,
        )
        assert refused.status_code == 422
        assert refused.json()["detail"].startswith("html: no article found")
    finally:
        httpx.delete(f"{server.base_url}/documents/{doc_id}", headers=auth, timeout=60)


def test_the_server_and_the_command_say_the_same_version(server: RunningServer) -> None:
    served = httpx.get(f"{server.base_url}/version", timeout=30)
    assert served.status_code == 200
    version = served.json()
    assert version["backend"] == "local" and version["encoder_backend"] == "onnx-int8"
    assert version["model"] == Settings().index_model
    assert version["version"] != "unknown"  # read from the installed distribution
    printed = run_cli("--version")
    assert printed.returncode == 0
    assert printed.stdout.strip() == (
        f"passage-qa {version['version']}: model {version['model']} "
        f"({version['encoder_backend']}), backend {version['backend']}, "
        f"index format {version['index_format']}"
    )
