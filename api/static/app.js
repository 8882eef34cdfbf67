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
  const announcer = document.getElementById("announcer");
  const asOfInput = document.getElementById("as-of");
  const { el } = qa;
  // The server's limit, read from /examples; until then, its default.
  let maxChars = 1000;

  // Each entry: {id, question, answer} once answered. Kept per tab, so a reload keeps it.
  let transcript = loadTranscript();
  let nextId = transcript.reduce((top, entry) => Math.max(top, entry.id), 0) + 1;
  let pending = false;

  function loadTranscript() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "[]");
      const entries = Array.isArray(saved) ? saved.filter((entry) => entry && entry.answer) : [];
      // Entries saved before they had ids get them now, in order.
      let next = entries.reduce((top, entry) => Math.max(top, entry.id | 0), 0) + 1;
      for (const entry of entries) {
        if (!Number.isInteger(entry.id) || entry.id < 1) entry.id = next++;
      }
      return entries;
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

  // The exchange's heading: the question, so a screen reader can jump between exchanges.
  function questionHeading(text) {
    return el("h2", { class: "bubble question", tabindex: "-1" },
      el("span", { class: "visually-hidden" }, "You asked: "), text);
  }

  // Where an article comes from, for the card's source line: its source, else its link's
  // domain, else nothing.
  function outletOf(citation) {
    if (citation.source) return citation.source;
    const url = qa.safeHttpUrl(citation.url);
    return url ? new URL(url).hostname.replace(/^www\./, "") : "";
  }

  // "1 · AP · Jane Doe · 14 Mar 2024 · Title": only the parts there are, separated only
  // between them.
  function sourceLine(passage, citation) {
    const title = citation.title || "Untitled article";
    const author = typeof citation.author === "string" ? citation.author : "";
    const parts = [
      el("span", { class: "outlet" }, outletOf(citation)),
      el("span", { class: "author", title: author }, author),
      el("span", { class: "date" }, qa.formatDate(citation.published)),
      el("span", { class: "title", title }, title),
    ].filter((part) => part.textContent !== "");
    const line = el("p", { class: "source-line" },
      el("span", { class: "rank" }, el("span", { class: "visually-hidden" }, "Passage "),
        String(passage.rank)));
    parts.forEach((part, position) => {
      if (position > 0) line.append(el("span", { class: "separator", "aria-hidden": "true" }, "·"));
      line.append(part);
    });
    if (passage.in_period === false) {
      line.append(el("span", { class: "outside-period" }, "outside the period"));
    }
    return line;
  }

  // The marked sentence, said in words too: colour alone is lost on some readers. Each
  // relative date in it ("on Thursday") is followed by the days it means, set apart from
  // the quote.
  function markedSentence(text, span, weak, dates) {
    const parts = [];
    let at = span.start;
    const meant = (Array.isArray(dates) ? dates : [])
      .filter((d) => Number.isInteger(d.start) && d.start >= at && d.end <= span.end)
      .sort((a, b) => a.start - b.start);
    for (const date of meant) {
      if (date.start < at) continue;
      parts.push(text.slice(at, date.end));
      // Drawn by CSS from data-meant: not part of the quote's text, nor of what is copied.
      parts.push(el("span", { class: "date-meant", title: "The date it means",
                              "data-meant": qa.formatDays(date.first, date.last) }));
      at = date.end;
    }
    parts.push(text.slice(at, span.end));
    return [
      el("span", { class: "visually-hidden" }, weak ? "Closest sentence: " : "Answer: "),
      el("mark", { class: "answer" }, parts),
    ];
  }

  // The marked sentence with a sentence either side; "…" where the passage goes on.
  function excerpt(text, highlight, context, weak, dates) {
    return [
      context.start > 0 ? "… " : "",
      el("span", { class: "context" }, text.slice(context.start, highlight.start)),
      markedSentence(text, highlight, weak, dates),
      el("span", { class: "context" }, text.slice(highlight.end, context.end)),
      context.end < text.length ? " …" : "",
    ];
  }

  function wholePassage(text, highlight, weak, dates) {
    return [
      text.slice(0, highlight.start),
      markedSentence(text, highlight, weak, dates),
      text.slice(highlight.end),
    ];
  }

  function span(value, text, fallback) {
    const start = Number.isInteger(value && value.start) ? value.start : fallback.start;
    const end = Number.isInteger(value && value.end) ? value.end : fallback.end;
    const safeStart = Math.max(0, Math.min(start, text.length));
    return { start: safeStart, end: Math.max(safeStart, Math.min(end, text.length)) };
  }

  // Outlets named in "Also in" before the rest are folded behind a button: a wire story
  // can have run in dozens.
  const ALSO_IN_SHOWN = 3;

  // The same passage in other articles (syndicated copies), each a link to read it there.
  function alsoIn(passage, cardId) {
    const copies = Array.isArray(passage.also_in) ? passage.also_in : [];
    if (copies.length === 0) return null;
    const links = copies.map((copy) => {
      const name = outletOf(copy) || copy.title || "another article";
      return el("a", { href: qa.readerHref(copy.doc_id, copy.start, copy.end),
                       "aria-label": `Read it in ${name}` }, name);
    });
    const listed = (some) => some.flatMap((link, position) => (position ? [", ", link] : [link]));
    const line = el("p", { class: "also-in" }, "Also in: ");
    // Folding only pays when it hides more than one.
    if (links.length <= ALSO_IN_SHOWN + 1) {
      line.append(...listed(links));
      return line;
    }
    const rest = el("span", { id: `${cardId}-also`, hidden: "" },
      ", ", ...listed(links.slice(ALSO_IN_SHOWN)));
    const more = el("button", { type: "button", class: "link-button more-outlets",
                                "aria-controls": rest.id },
      `and ${links.length - ALSO_IN_SHOWN} more`);
    more.addEventListener("click", () => {
      rest.hidden = false;
      more.remove();
      // Focus stays in the list: on the first outlet it uncovered.
      rest.querySelector("a").focus();
    });
    line.append(...listed(links.slice(0, ALSO_IN_SHOWN)), " ", more, rest);
    return line;
  }

  function passageCard(passage, entryId, weak) {
    const citation = passage.citation || {};
    const text = String(passage.text || "");
    const highlight = span(passage.highlight, text, { start: 0, end: 0 });
    const context = span(passage.context, text, highlight);
    const around = { start: Math.min(context.start, highlight.start),
                     end: Math.max(context.end, highlight.end) };
    const cardId = `q${entryId}-r${passage.rank}`;
    const original = qa.safeHttpUrl(citation.url);
    const title = citation.title || "Untitled article";
    const reader = qa.readerHref(
      citation.doc_id, citation.start, citation.end,
      citation.start + highlight.start, citation.start + highlight.end, cardId,
    );
    const dates = passage.dates;
    const quote = el("blockquote", { class: "passage", id: `${cardId}-text` },
      excerpt(text, highlight, around, weak, dates));
    const whole = around.start > 0 || around.end < text.length;
    let expand = null;
    if (whole) {
      expand = el("button", { type: "button", class: "link-button expand",
                              "aria-expanded": "false", "aria-controls": quote.id },
        "Show the whole passage");
      expand.addEventListener("click", () => {
        const open = expand.getAttribute("aria-expanded") !== "true";
        quote.replaceChildren(...(open
          ? wholePassage(text, highlight, weak, dates)
          : excerpt(text, highlight, around, weak, dates)).flat());
        quote.classList.toggle("whole", open);
        expand.setAttribute("aria-expanded", String(open));
        expand.textContent = open ? "Show less" : "Show the whole passage";
      });
    }
    return el("li", { class: "card", id: cardId },
      sourceLine(passage, citation),
      quote,
      alsoIn(passage, cardId),
      el("p", { class: "links" },
        expand,
        // Named for its article: a list of "Read in context" links says nothing apart.
        el("a", { href: reader, class: "read-link", "aria-label": `Read “${title}” in context` },
          "Read in context"),
        original
          ? el("a", { href: original, class: "original-link", target: "_blank",
                      rel: "noopener noreferrer" }, "Original article ↗")
          : null),
    );
  }

  // "last week" -> "Last week".
  function capitalised(phrase) {
    const text = String(phrase || "");
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  // Above the cards: the period the question named, as a chip that asks again without it,
  // and the order of the cards, best first or oldest first.
  function answerTools(entry) {
    const answer = entry.answer;
    const tools = el("div", { class: "answer-tools" });
    const period = answer.period;
    if (period && period.start && period.end) {
      const label = `${capitalised(period.phrase)} · ${qa.formatDays(period.start, period.end)}`;
      const remove = el("button", { type: "button", class: "chip-remove",
                                    "aria-label": `Ask again without “${period.phrase}”` }, "×");
      remove.addEventListener("click", () => askAgain(entry, { read_period: false }));
      tools.append(el("span", { class: "period-chip" },
        el("span", { class: "visually-hidden" }, "Period: "), label, remove));
    }
    const passages = Array.isArray(answer.passages) ? answer.passages : [];
    if (passages.length > 1) {
      const byDate = answer.order === "date";
      const toggle = el("button", { type: "button", class: "order-toggle",
                                    "aria-pressed": String(byDate) }, "Oldest first");
      toggle.addEventListener("click", () =>
        askAgain(entry, { order: byDate ? "relevance" : "date" }));
      tools.append(toggle);
    }
    return tools.childElementCount ? tools : null;
  }

  function answerBubble(entry) {
    const answer = entry.answer;
    const passages = Array.isArray(answer.passages) ? answer.passages : [];
    if (answer.answerable) {
      const card = (passage) => passageCard(passage, entry.id, false);
      // The best few stay in view; the rest wait behind a disclosure.
      const shown = passages.slice(0, SHOWN_PASSAGES);
      const more = passages.slice(SHOWN_PASSAGES);
      return el("div", { class: "bubble answer cards-only" },
        answerTools(entry),
        el("ol", { class: "cards" }, shown.map(card)),
        more.length
          ? el("details", { class: "more" },
              el("summary", {}, `Show ${more.length} more passage${more.length === 1 ? "" : "s"}`),
              el("ol", { class: "cards", start: SHOWN_PASSAGES + 1 }, more.map(card)))
          : null);
    }
    const cards = el("ol", { class: "cards" },
      passages.map((passage) => passageCard(passage, entry.id, true)));
    return el("div", { class: "bubble answer no-answer" },
      answerTools(entry),
      el("p", { class: "lead" }, "The articles do not seem to answer this question."),
      passages.length
        ? el("details", { class: "closest" },
            el("summary", {}, `Show the closest passages (${passages.length})`), cards)
        : null);
  }

  // What a screen reader hears of a new answer: its gist, not all of its text.
  function summaryOf(answer) {
    const passages = Array.isArray(answer.passages) ? answer.passages : [];
    if (!answer.answerable || passages.length === 0) {
      return "The articles do not seem to answer this question" +
        (passages.length ? `; the ${passages.length} closest passages are folded away.` : ".");
    }
    const best = passages[0];
    const text = String(best.text || "");
    const highlight = span(best.highlight, text, { start: 0, end: 0 });
    const citation = best.citation || {};
    const from = outletOf(citation) || citation.title || "an untitled article";
    return `${passages.length} passage${passages.length === 1 ? "" : "s"}; best: ` +
      `${text.slice(highlight.start, highlight.end)} — ${from}`;
  }

  function entryItem(entry) {
    return el("li", { class: "exchange", id: `q${entry.id}` },
      questionHeading(entry.question), answerBubble(entry));
  }

  function pendingItem(question) {
    return el("li", { class: "exchange", id: "pending" },
      questionHeading(question),
      el("div", { class: "bubble answer pending", "aria-busy": "true" },
        el("span", { class: "spinner", "aria-hidden": "true" }), "Searching the articles…"));
  }

  function renderAll() {
    messages.replaceChildren(...transcript.map(entryItem));
    welcome.hidden = transcript.length > 0;
    clearButton.hidden = transcript.length === 0;
  }

  function announce(message) {
    // Emptied first, so the same summary twice is still read out.
    announcer.textContent = "";
    setTimeout(() => { announcer.textContent = message; }, 50);
  }

  // Back from the article view (/#card=q3-r2): the card that was left, in view and focused
  // on its link, with the folded list it sits in opened. The fragment names no element, or
  // the browser would move focus to it after this script.
  function returnToCard() {
    const found = /^#card=(q\d+-r\d+)$/.exec(window.location.hash);
    const card = found ? document.getElementById(found[1]) : null;
    if (!card) return false;
    const folded = card.closest("details");
    if (folded) folded.open = true;
    card.scrollIntoView({ block: "center" });
    const link = card.querySelector("a.read-link");
    if (link) link.focus({ preventScroll: true });
    return true;
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

  // The body of POST /ask: the question and the options it is asked with.
  function askBody(question, options) {
    const body = { question };
    for (const name of ["as_of", "read_period", "order"]) {
      if (options[name] !== undefined && options[name] !== "") body[name] = options[name];
    }
    return body;
  }

  async function postAsk(question, options, signal) {
    const response = await fetch("/ask", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(askBody(question, options)),
      signal,
    });
    if (!response.ok) {
      const detail = await qa.errorMessage(response);
      throw new Error(response.status === 503
        ? `The service is starting up, try again in a moment (${detail}).`
        : `The question could not be answered: ${detail}.`);
    }
    return response.json();
  }

  // The same question asked again with changed options (no period, another order): its
  // answer replaces the old one in place, and focus goes to the new answer's tools.
  async function askAgain(entry, changes) {
    if (pending) return;
    hideError();
    setPending(true);
    const options = { ...(entry.options || {}), ...changes };
    try {
      const answer = await postAsk(entry.question, options);
      entry.answer = answer;
      entry.options = options;
      saveTranscript();
      const old = document.getElementById(`q${entry.id}`);
      const item = entryItem(entry);
      if (old) old.replaceWith(item);
      announce(summaryOf(answer));
      const focusable = item.querySelector(".order-toggle, .chip-remove") ||
        item.querySelector("h2");
      focusable.focus();
    } catch (error) {
      showError(error instanceof TypeError
        ? "The service cannot be reached. Check that it is running, then try again."
        : error.message);
    } finally {
      setPending(false);
    }
  }

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
    const options = asOfInput.value ? { as_of: asOfInput.value } : {};
    try {
      const answer = await postAsk(question, options, controller.signal);
      placeholder.remove();
      const entry = { id: nextId++, question, answer, options };
      transcript.push(entry);
      saveTranscript();
      const item = entryItem(entry);
      messages.append(item);
      welcome.hidden = true;
      clearButton.hidden = false;
      announce(summaryOf(answer));
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
  if (!returnToCard()) input.focus();
  window.addEventListener("hashchange", returnToCard);
})();
