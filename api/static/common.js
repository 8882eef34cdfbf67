// Helpers shared by the chat page and the article view. Everything from the server is put
// on the page as text nodes, never as HTML, so an article cannot inject markup or script.
"use strict";

const qa = {
  // An element with attributes and children (strings become text nodes).
  el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === false || value === null || value === undefined) continue;
      if (name === "class") node.className = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  },

  // The URL when it is an absolute http(s) one, else null: javascript:, data: and
  // relative URLs never become links.
  safeHttpUrl(value) {
    if (typeof value !== "string" || value.trim() === "") return null;
    try {
      const url = new URL(value.trim());
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch {
      return null;
    }
  },

  // "2024-03-14" -> "14 Mar 2024" in the reader's locale; anything else as given.
  formatDate(value) {
    if (typeof value !== "string" || value === "") return "";
    const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
    if (!match) return value;
    const date = new Date(Date.UTC(+match[1], +match[2] - 1, +match[3]));
    return date.toLocaleDateString(undefined, {
      year: "numeric", month: "short", day: "numeric", timeZone: "UTC",
    });
  },

  // "2025-12-18" -> "Dec 18" (with the year when it is not this one's), for short spans.
  formatDay(value, withYear) {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(value));
    if (!match) return String(value);
    const date = new Date(Date.UTC(+match[1], +match[2] - 1, +match[3]));
    return date.toLocaleDateString(undefined, {
      month: "short", day: "numeric", timeZone: "UTC",
      ...(withYear ? { year: "numeric" } : {}),
    });
  },

  // "Dec 18", or "Dec 8 – 14"-like spans as "Dec 8 – Dec 14", the year shown when the span
  // is not in the current one.
  formatDays(first, last) {
    const thisYear = String(new Date().getUTCFullYear());
    const withYear = !String(first).startsWith(thisYear) || !String(last).startsWith(thisYear);
    if (first === last) return qa.formatDay(first, withYear);
    return `${qa.formatDay(first, withYear)} – ${qa.formatDay(last, withYear)}`;
  },

  // The article view of this service, with a span (document offsets) to mark and the card
  // to come back to.
  readerHref(docId, start, end, sentenceStart, sentenceEnd, fromCard) {
    const params = new URLSearchParams({ doc: docId, start, end });
    if (sentenceStart !== undefined) {
      params.set("s_start", sentenceStart);
      params.set("s_end", sentenceEnd);
    }
    if (fromCard) params.set("from", fromCard);
    return `/read?${params.toString()}`;
  },

  // The server's {"detail": "..."} message of a failed response, or a fallback.
  async errorMessage(response) {
    try {
      const body = await response.json();
      if (body && typeof body.detail === "string") return body.detail;
    } catch {
      /* not JSON: fall through */
    }
    return `the server answered ${response.status} ${response.statusText}`.trim();
  },
};
