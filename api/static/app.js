// The chat page: asks POST /ask and shows each answer as passage cards with citations.
"use strict";

(() => {
  const STORAGE_KEY = "passage-qa:transcript";
  const MAX_ENTRIES = 100;
  const SHOWN_PASSAGES = 3;
  // A question still waiting after this long says so, and can be cancelled.
  const SLOW_MS = 15000;
  // The counter shows from this share of the length limit on.
  const COUNTER_FROM = 0.9;

  const form = document.getElementById("ask-form");
  const input = document.getElementById("question");
  const send = document.getElementById("send");
  const messages = document.getElementById("messages");
  const welcome = document.getElementById("welcome");
  const examples = document.getElementById("examples");
  const clearButton = document.getElementById("clear");
  const errorBox = document.getElementById("error");
  const counter = document.getElementById("counter");
  const { el } = qa;
  // The server's limit, read from /examples; until then, its default.
  let maxChars = 1000;

  // Each entry: {question, answer} once answered. Kept per tab, so a reload keeps it.
  let transcript = loadTranscript();
  let pending = false;

  function loadTranscript() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "[]");
      return Array.isArray(saved) ? saved.filter((entry) => entry && entry.answer) : [];
    } catch {
      return [];
    }
  }

  function saveTranscript() {
    try {
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(transcript.slice(-MAX_ENTRIES)));
    } catch {
      /* storage full or disabled: the page still works, it just forgets on reload */
    }
  }

  // -- rendering --------------------------------------------------------------

  function questionBubble(text) {
    return el("div", { class: "bubble question" },
      el("span", { class: "visually-hidden" }, "You asked: "), text);
  }

  function passageCard(passage) {
    const citation = passage.citation || {};
    const text = String(passage.text || "");
    const highlight = passage.highlight || { start: 0, end: 0 };
    const original = qa.safeHttpUrl(citation.url);
    const byline = [citation.source, qa.formatDate(citation.published)].filter(Boolean).join(" · ");
    const reader = qa.readerHref(
      citation.doc_id, citation.start, citation.end,
      citation.start + highlight.start, citation.start + highlight.end,
    );
    return el("li", { class: "card" },
      el("blockquote", { class: "passage" },
        qa.markedText(text, highlight.start, highlight.end, "answer")),
      el("div", { class: "citation" },
        el("p", { class: "title" }, citation.title || "Untitled article"),
        byline ? el("p", { class: "byline" }, byline) : null,
        el("p", { class: "links" },
          // Named for its article: a list of "Read in context" links says nothing apart.
          el("a", { href: reader, class: "read-link",
                    "aria-label": `Read “${citation.title || "Untitled article"}” in context` },
            "Read in context"),
          original
            ? el("a", { href: original, class: "original-link", target: "_blank",
                        rel: "noopener noreferrer" }, "Original article ↗")
            : null),
      ),
    );
  }

  function answerBubble(answer) {
    const passages = Array.isArray(answer.passages) ? answer.passages : [];
    if (answer.answerable) {
      // The best few stay in view; the rest wait behind a disclosure.
      const shown = passages.slice(0, SHOWN_PASSAGES);
      const more = passages.slice(SHOWN_PASSAGES);
      return el("div", { class: "bubble answer" },
        el("p", { class: "lead" }, "From the articles, best match first:"),
        el("ol", { class: "cards" }, shown.map(passageCard)),
        more.length
          ? el("details", { class: "more" },
              el("summary", {}, `Show ${more.length} more passage${more.length === 1 ? "" : "s"}`),
              el("ol", { class: "cards", start: SHOWN_PASSAGES + 1 }, more.map(passageCard)))
          : null);
    }
    const cards = el("ol", { class: "cards" }, passages.map(passageCard));
    return el("div", { class: "bubble answer no-answer" },
      el("p", { class: "lead" }, "The articles do not seem to answer this question."),
      passages.length
        ? el("details", { class: "closest" },
            el("summary", {}, `Show the closest passages (${passages.length})`), cards)
        : null);
  }

  function entryItem(entry) {
    return el("li", { class: "exchange" }, questionBubble(entry.question), answerBubble(entry.answer));
  }

  function pendingItem(question) {
    return el("li", { class: "exchange", id: "pending" },
      questionBubble(question),
      el("div", { class: "bubble answer pending", "aria-busy": "true" },
        el("span", { class: "spinner", "aria-hidden": "true" }), "Searching the articles…"));
  }

  function renderAll() {
    messages.replaceChildren(...transcript.map(entryItem));
    welcome.hidden = transcript.length > 0;
    clearButton.hidden = transcript.length === 0;
  }

  // A message, and a Retry button that asks the question again when there is one.
  function showError(message, retryQuestion) {
    errorBox.replaceChildren(message);
    if (retryQuestion !== undefined) {
      const retry = el("button", { type: "button", class: "retry" }, "Retry");
      retry.addEventListener("click", () => {
        // The question was given back to the box: asked again, it leaves it.
        if (input.value.trim() === retryQuestion) input.value = "";
        autoGrow();
        ask(retryQuestion);
      });
      errorBox.append(retry);
    }
    errorBox.hidden = false;
  }

  function hideError() {
    errorBox.hidden = true;
    errorBox.textContent = "";
  }

  function setPending(value) {
    pending = value;
    send.disabled = value;
    send.textContent = value ? "Asking…" : "Ask";
    form.setAttribute("aria-busy", String(value));
  }

  // -- asking -----------------------------------------------------------------

  async function ask(question) {
    if (pending) return;
    hideError();
    setPending(true);
    welcome.hidden = true;
    const placeholder = pendingItem(question);
    messages.append(placeholder);
    placeholder.scrollIntoView({ block: "end", behavior: "smooth" });
    const controller = new AbortController();
    const slow = setTimeout(() => {
      const status = placeholder.querySelector(".pending");
      const cancel = el("button", { type: "button", class: "cancel" }, "Cancel");
      cancel.addEventListener("click", () => controller.abort());
      status.replaceChildren(
        el("span", { class: "spinner", "aria-hidden": "true" }),
        "Still searching; the service is slow to answer.", cancel);
    }, SLOW_MS);
    try {
      const response = await fetch("/ask", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ question }),
        signal: controller.signal,
      });
      if (!response.ok) {
        const detail = await qa.errorMessage(response);
        throw new Error(response.status === 503
          ? `The service is starting up, try again in a moment (${detail}).`
          : `The question could not be answered: ${detail}.`);
      }
      const answer = await response.json();
      placeholder.remove();
      const entry = { question, answer };
      transcript.push(entry);
      saveTranscript();
      const item = entryItem(entry);
      messages.append(item);
      welcome.hidden = true;
      clearButton.hidden = false;
      item.scrollIntoView({ block: "start", behavior: "smooth" });
    } catch (error) {
      placeholder.remove();
      welcome.hidden = transcript.length > 0;
      // Give the question back so nothing typed is lost.
      if (input.value.trim() === "") input.value = question;
      autoGrow();
      if (error.name === "AbortError") {
        showError("Cancelled. The question is back in the box.", question);
      } else {
        const message = error instanceof TypeError
          ? "The service cannot be reached. Check that it is running, then try again."
          : error.message;
        showError(message, question);
      }
    } finally {
      clearTimeout(slow);
      setPending(false);
      input.focus();
    }
  }

  function submit() {
    const question = input.value.trim();
    if (question === "") {
      showError("Type a question first.");
      input.focus();
      return;
    }
    if (pending) return;
    if (question.length > maxChars) {
      showError(`Questions are limited to ${maxChars.toLocaleString()} characters; this one ` +
        `has ${question.length.toLocaleString()}. Shorten it, then ask.`);
      input.focus();
      return;
    }
    input.value = "";
    autoGrow();
    updateCounter();
    ask(question);
  }

  // Shown near the limit: the count, and beyond it a warning (nothing is cut).
  function updateCounter() {
    const length = input.value.length;
    counter.hidden = length < maxChars * COUNTER_FROM;
    counter.textContent = `${length.toLocaleString()} / ${maxChars.toLocaleString()}`;
    counter.classList.toggle("over", length > maxChars);
  }

  function autoGrow() {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
  }

  async function loadExamples() {
    let list = [];
    try {
      const response = await fetch("/examples", { headers: { Accept: "application/json" } });
      if (response.ok) {
        const body = await response.json();
        list = body.examples || [];
        if (Number.isInteger(body.max_question_chars)) maxChars = body.max_question_chars;
      }
    } catch {
      /* no examples: the page still works */
    }
    examples.replaceChildren(...list.map((question) =>
      el("li", {}, el("button", { type: "button", class: "example" }, question))));
    examples.parentElement.querySelector(".examples-label").hidden = list.length === 0;
  }

  // -- events -----------------------------------------------------------------

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });

  input.addEventListener("input", () => {
    autoGrow();
    updateCounter();
    if (!errorBox.hidden && input.value.trim() !== "" && input.value.length <= maxChars) {
      hideError();
    }
  });

  // An example is asked at once. It goes into an empty box, and never replaces typed text.
  examples.addEventListener("click", (event) => {
    const button = event.target.closest("button.example");
    if (!button) return;
    if (input.value.trim() === "") {
      input.value = button.textContent;
      submit();
    } else {
      ask(button.textContent);
    }
  });

  clearButton.addEventListener("click", () => {
    transcript = [];
    saveTranscript();
    renderAll();
    hideError();
    input.focus();
  });

  // Tell a first visitor plainly when there is nothing to search yet.
  async function checkIndex() {
    try {
      const response = await fetch("/readyz", { headers: { Accept: "application/json" } });
      if (response.ok) {
        const ready = await response.json();
        document.getElementById("empty-index").hidden = ready.documents !== 0;
      }
    } catch {
      /* the error shows when a question is asked */
    }
  }

  renderAll();
  loadExamples();
  checkIndex();
  input.focus();
})();
