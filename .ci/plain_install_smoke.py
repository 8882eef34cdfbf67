"""Run from outside the checkout by .ci/plain-install, with the interpreter of a virtualenv
that holds only the wheel (no extras): every kind of ingest, an answer, and a server that
answers /ask and stores a page posted as HTML. Only the standard library, so that nothing
of the dev tools helps. Exits non-zero, saying what failed."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

CHECKOUT = Path(sys.argv[1]).resolve()
QA = str(Path(sys.executable).with_name("qa"))
TOKEN = "plain-install-token"
FIXTURES = CHECKOUT / "tests" / "fixtures"


def run(*args: str) -> str:
    print("$ qa", " ".join(args), flush=True)
    done = subprocess.run([QA, *args], capture_output=True, text=True, timeout=900)
    if done.returncode != 0 or "Traceback" in done.stderr:
        sys.exit(f"qa {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def request(method: str, url: str, body: object = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
    call = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(call, timeout=120) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_and_ask(here: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {**os.environ, "QA_API_TOKEN": TOKEN}
    # A new index, seeded from a folder of this directory: no checkout's seeds/ to find.
    command = [QA, "serve", "--index", "served", "--port", str(port), "--seed", "articles"]
    with open(here / "server.log", "wb") as log:
        server = subprocess.Popen(command, env=environment, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and server.poll() is None:
            try:
                if request("GET", f"{base}/readyz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            sys.exit(f"qa serve was not ready:\n{(here / 'server.log').read_text()}")
        status, answer = request("GET", f"{base}/ask?q=How+much+will+the+tidal+barrier+cost%3F")
        assert status == 200 and "84 million euros" in answer["passages"][0]["text"], answer
        page = (FIXTURES / "pages" / "ferry-fares.html").read_text(encoding="utf-8")
        status, stored = request("POST", f"{base}/documents", {"html": page})
        assert status == 201 and stored["doc_id"].startswith("url-"), (status, stored)
        status, version = request("GET", f"{base}/version")
        assert status == 200 and version["backend"] == "local", version
        with urllib.request.urlopen(f"{base}/", timeout=30) as chat_page:
            assert b"<html" in chat_page.read().lower(), "the chat page is not served"
        logged = (here / "server.log").read_text()
        assert "Traceback" not in logged and " ERROR " not in logged, logged
    finally:
        server.terminate()
        server.wait(timeout=60)


def main() -> None:
    here = Path.cwd()
    assert not here.is_relative_to(CHECKOUT), "run it from outside the checkout"
    shutil.copytree(FIXTURES / "articles", here / "articles")
    shutil.copy(FIXTURES / "pages" / "ferry-fares.html", here)
    shutil.copy(FIXTURES / "feeds" / "harbour-news.rss", here)
    print(run("--version"), end="")
    print(run("ingest", "articles", "ferry-fares.html", "harbour-news.rss", "--index", "index"))
    asked = run("ask", "How much will island ferry tickets cost?", "--index", "index")
    assert "17 euros" in asked, asked
    serve_and_ask(here)
    print("the plain install runs every command")


if __name__ == "__main__":
    main()
