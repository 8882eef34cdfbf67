"""A store that is lost, emptied beside its manifest, or damaged is refused the same way
before a server listens (one line naming the file, what is wrong and what to do; exit 2;
no traceback), and ``qa check`` reads an index back whole and names what to re-ingest."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from index.local.layout import STORE_NAME
from index.local.sqlite_store import PassageStore
from index.local.text_blobs import TextCodec
from tests.conftest import FIXTURE_ARTICLES
from tests.servers import run_cli

BARRIER = "Port Elsby council approves tidal barrier after decade of flooding"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index = tmp_path_factory.mktemp("built") / "index"
    ingested = run_cli("ingest", str(FIXTURE_ARTICLES), "--index", str(index))
    assert ingested.returncode == 0, ingested.stderr
    return index


@pytest.fixture
def index(built: Path, tmp_path: Path) -> Path:
    """A copy of the built index, to damage."""
    return Path(shutil.copytree(built, tmp_path / "index"))


def lose(index: Path) -> None:
    for path in index.glob(f"{STORE_NAME}*"):
        path.unlink()


def empty(index: Path) -> None:
    lose(index)
    PassageStore(index / STORE_NAME).close()  # a new store, with no documents in it


def scramble(index: Path) -> None:
    """The headers and cell pointers of every page past the first (the schema's)."""
    store = index / STORE_NAME
    data = bytearray(store.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for start in range(page, len(data), page):
        data[start : start + 200] = bytes(range(200))
    store.write_bytes(bytes(data))


def only_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lose, "is missing or empty, but the index's manifest says it holds 2 documents"),
        (empty, "is missing or empty, but the index's manifest says it holds 2 documents"),
        (scramble, "damaged|cannot be read"),
    ],
    ids=["lost", "empty", "damaged"],
)
def test_qa_serve_refuses_a_broken_store_before_it_listens(index: Path, damage, says) -> None:
    damage(index)
    manifest = (index / "manifest.json").read_bytes()
    served = run_cli("serve", "--index", str(index), "--port", "0", timeout=120)
    assert served.returncode == 2
    line = only_line(served.stderr)
    assert line.startswith("error: ") and str(index / STORE_NAME) in line
    assert re.search(says, line)
    assert "restore" in line  # what to do
    assert "Uvicorn running" not in served.stdout + served.stderr
    assert (index / "manifest.json").read_bytes() == manifest  # nothing rewritten


def test_qa_check_finds_a_sound_index_sound(built: Path) -> None:
    checked = run_cli("check", "--index", str(built))
    assert checked.returncode == 0, checked.stderr
    assert "2 documents, 4 passages" in checked.stdout
    assert "sound: every row reads back" in checked.stdout


@pytest.mark.parametrize(
    ("stored", "problem"),
    [
        (TextCodec().compress("overwritten"), "its text is not characters"),
        (b"overwritten", "its text cannot be decompressed"),
        (None, "does not match its checksum"),  # its first letter changed
    ],
    ids=["shorter", "not-compressed", "same-length"],
)
def test_qa_check_names_the_documents_that_do_not_read_back(
    index: Path, stored: bytes | None, problem: str
) -> None:
    with sqlite3.connect(index / STORE_NAME) as connection:
        (doc_id,) = connection.execute(
            "SELECT doc_id FROM documents WHERE title = ?", (BARRIER,)
        ).fetchone()
        if stored is None:
            (key, blob) = connection.execute(
                "SELECT key, compressed_text FROM passages WHERE doc_id = ? ORDER BY ordinal",
                (doc_id,),
            ).fetchone()
            text = TextCodec().decompress(blob)
            stored = TextCodec().compress(("X" if text[0] != "X" else "Y") + text[1:])
            connection.execute(
                "UPDATE passages SET compressed_text = ? WHERE key = ?", (stored, key)
            )
        else:
            connection.execute(
                "UPDATE passages SET compressed_text = ? WHERE doc_id = ?", (stored, doc_id)
            )
    checked = run_cli("check", "--index", str(index))
    assert checked.returncode == 1
    assert "1 documents do not read back; ingest them again:" in checked.stdout
    (named,) = [line for line in checked.stdout.splitlines() if line.startswith("  ")]
    assert doc_id in named and BARRIER in named and problem in named


def test_qa_check_finds_a_passage_missing_from_the_lexical_index(index: Path) -> None:
    store = PassageStore(index / STORE_NAME)
    (first, *_) = store.passages_of(store.document_ids()[0])
    title = store.citations([first.doc_id])[first.doc_id].title
    store.close()
    with sqlite3.connect(index / STORE_NAME) as connection:
        # The lexical index keeps no texts: a row leaves it given what it was indexed with.
        connection.execute(
            "INSERT INTO passages_fts(passages_fts, rowid, title, text) VALUES ('delete', ?, ?, ?)",
            (first.key, title, first.text),
        )
    checked = run_cli("check", "--index", str(index))
    assert checked.returncode == 1
    assert "missing from the lexical index" in checked.stdout


@pytest.mark.parametrize("damage", [lose, scramble], ids=["lost", "damaged"])
def test_qa_check_of_a_store_it_cannot_open_says_so_in_a_line(index: Path, damage) -> None:
    damage(index)
    checked = run_cli("check", "--index", str(index))
    assert checked.returncode in (1, 2)
    assert "Traceback" not in checked.stderr
    if checked.returncode == 2:
        assert only_line(checked.stderr).startswith("error: ")


def test_qa_check_where_there_is_no_index(tmp_path: Path) -> None:
    checked = run_cli("check", "--index", str(tmp_path / "nothing"))
    assert checked.returncode == 2
    assert only_line(checked.stderr) == f"error: there is no index at {tmp_path / 'nothing'} " + (
        f"(no {STORE_NAME})"
    )
