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

  // The way back leads to the card the reader came from.
  const fromCard = params.get("from") || "";
  if (/^q\d+-r\d+$/.test(fromCard)) document.getElementById("back").href = `/#card=${fromCard}`;

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

  const original = qa.safeHttpUrl(documentBody.url);
  const metadata = documentBody.metadata || {};
  const author = typeof metadata.author === "string" ? `By ${metadata.author}` : "";
  const byline = [author, documentBody.source, qa.formatDate(documentBody.published)]
    .filter(Boolean).join(" · ");
  const title = documentBody.title || "Untitled article";
  document.title = `${title} · passage-qa`;
  // The title stays in the sticky bar while the article scrolls under it.
  const barTitle = document.getElementById("bar-title");
  barTitle.textContent = title;
  barTitle.title = title;

  // replaceChildren would write a missing byline or link out as the text "null".
  article.replaceChildren(...[
    el("h1", { class: "article-title" }, title),
    byline ? el("p", { class: "byline" }, byline) : null,
    original
      ? el("p", { class: "links" }, el("a", { href: original, class: "original-link",
          target: "_blank", rel: "noopener noreferrer" }, "Original article ↗"))
      : null,
    articleBody(text, start, end, sentenceStart, sentenceEnd),
  ].filter(Boolean));
  article.setAttribute("aria-busy", "false");
  const cited = document.getElementById("cited");
  if (cited) {
    cited.scrollIntoView({ block: "center" });
    cited.focus({ preventScroll: true });
  }

  // [start, end) of each paragraph: the text between line breaks (one or more).
  function paragraphsOf(value) {
    const spans = [];
    const breaks = /[ \t]*\r?\n\s*/g;
    let from = 0;
    for (const found of value.matchAll(breaks)) {
      if (found.index > from) spans.push([from, found.index]);
      from = found.index + found[0].length;
    }
    if (from < value.length) spans.push([from, value.length]);
    return spans;
  }

  // One paragraph, its cited part tinted and its answering sentence marked.
  function paragraph(value, from, to, citeStart, citeEnd, markStart, markEnd) {
    const cuts = [from, to, citeStart, citeEnd, markStart, markEnd]
      .filter((cut) => cut !== null && cut > from && cut < to);
    const points = [...new Set([from, to, ...cuts])].sort((a, b) => a - b);
    const node = el("p");
    for (let i = 0; i + 1 < points.length; i += 1) {
      const [a, b] = [points[i], points[i + 1]];
      const piece = value.slice(a, b);
      if (markStart !== null && a >= markStart && b <= markEnd) {
        if (a === markStart) node.append(el("span", { class: "visually-hidden" }, "Answer: "));
        node.append(el("mark", { class: "answer" }, piece));
      } else if (citeStart !== null && a >= citeStart && b <= citeEnd) {
        node.append(el("mark", { class: "cited-text" }, piece));
      } else if (citeStart !== null && from < citeEnd && citeStart < to) {
        // The part of a cited paragraph that the passage leaves out.
        node.append(el("span", { class: "uncited" }, piece));
      } else {
        node.append(piece);
      }
    }
    return node;
  }

  // The article as paragraphs; those holding the cited passage grouped under a label and a
  // bar, so the passage is found by more than its tint.
  function articleBody(value, citeStart, citeEnd, markStart, markEnd) {
    const body = el("div", { class: "article-text" });
    let citedBlock = null;
    for (const [from, to] of paragraphsOf(value)) {
      const node = paragraph(value, from, to, citeStart, citeEnd, markStart, markEnd);
      if (citeStart !== null && from < citeEnd && citeStart < to) {
        if (!citedBlock) {
          citedBlock = el("section", { class: "cited", id: "cited", tabindex: "-1",
                                       "aria-labelledby": "cited-label" },
            el("p", { class: "cited-label", id: "cited-label" }, "Cited passage"));
          body.append(citedBlock);
        }
        citedBlock.append(node);
      } else {
        body.append(node);
      }
    }
    return body;
  }
})();
