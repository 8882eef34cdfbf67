// The article view: the whole text of one document, with the cited passage marked and
// scrolled into view (and, inside it, the answering sentence).
"use strict";

(async () => {
  const { el } = qa;
  const article = document.getElementById("article");
  const params = new URLSearchParams(window.location.search);
  const docId = params.get("doc") || "";

  function integer(name) {
    const value = Number.parseInt(params.get(name) || "", 10);
    return Number.isFinite(value) && value >= 0 ? value : null;
  }

  function fail(message) {
    article.setAttribute("aria-busy", "false");
    article.replaceChildren(el("p", { class: "error", role: "alert" }, message));
  }

  if (docId === "") {
    fail("No article was named. Open an article from an answer's “Read in context” link.");
    return;
  }

  let documentBody;
  try {
    const response = await fetch(`/documents/${encodeURIComponent(docId)}`, {
      headers: { Accept: "application/json" },
    });
    if (!response.ok) {
      fail(response.status === 404
        ? "This article is not in the index (it may have been removed)."
        : `The article could not be loaded: ${await qa.errorMessage(response)}.`);
      return;
    }
    documentBody = await response.json();
  } catch {
    fail("The service cannot be reached. Check that it is running, then reload.");
    return;
  }

  const text = String(documentBody.text || "");
  let start = integer("start");
  let end = integer("end");
  if (start === null || end === null || end <= start || end > text.length) {
    start = end = null;
  }
  let sentenceStart = integer("s_start");
  let sentenceEnd = integer("s_end");
  if (start === null || sentenceStart === null || sentenceEnd === null
      || sentenceStart < start || sentenceEnd > end || sentenceEnd <= sentenceStart) {
    sentenceStart = sentenceEnd = null;
  }

  // The body: text before, the cited passage (with its sentence marked inside), text after.
  const body = el("div", { class: "article-text" });
  if (start === null) {
    body.append(text);
  } else {
    const passage = el("mark", { class: "cited", id: "cited", tabindex: "-1" });
    if (sentenceStart === null) {
      passage.append(text.slice(start, end));
    } else {
      passage.append(...qa.markedText(
        text.slice(start, end), sentenceStart - start, sentenceEnd - start, "answer"));
    }
    body.append(text.slice(0, start), passage, text.slice(end));
  }

  const original = qa.safeHttpUrl(documentBody.url);
  const byline = [documentBody.source, qa.formatDate(documentBody.published)]
    .filter(Boolean).join(" · ");
  document.title = `${documentBody.title || "Article"} · passage-qa`;
  // replaceChildren would write a missing byline or link out as the text "null".
  article.replaceChildren(...[
    el("h1", { class: "article-title" }, documentBody.title || "Untitled article"),
    byline ? el("p", { class: "byline" }, byline) : null,
    original
      ? el("p", { class: "links" }, el("a", { href: original, class: "original-link",
          target: "_blank", rel: "noopener noreferrer" }, "Original article ↗"))
      : null,
    body,
  ].filter(Boolean));
  article.setAttribute("aria-busy", "false");
  const cited = document.getElementById("cited");
  if (cited) {
    cited.scrollIntoView({ block: "center" });
    cited.focus({ preventScroll: true });
  }
})();
