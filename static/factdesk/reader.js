// The reader: turn a text selection in the article into the quote and its
// code-point offsets for the "Log claim" form. Offsets count Unicode code
// points (as Python does), not the UTF-16 units of JavaScript strings.
(function () {
  "use strict";
  var body = document.getElementById("article-body");
  var form = document.getElementById("log-claim-form");
  var button = document.getElementById("selection-button");
  if (!body) return;

  function codePoints(text) {
    var n = 0;
    for (var i = 0; i < text.length; i++) {
      var c = text.charCodeAt(i);
      // A high surrogate followed by a low one is one code point.
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
        var d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) i++;
      }
      n++;
    }
    return n;
  }

  // Never cut a surrogate pair: move a boundary that falls inside one outwards.
  function safeUnit(text, offset, forward) {
    if (offset > 0 && offset < text.length) {
      var before = text.charCodeAt(offset - 1), after = text.charCodeAt(offset);
      if (before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff) {
        return forward ? offset + 1 : offset - 1;
      }
    }
    return offset;
  }

  // Code-point offset in the body of a DOM boundary point. A point before the
  // body counts as its start and one after it as its end, so a selection that
  // overshoots the article keeps the part inside it.
  function toOffset(node, offset, forward) {
    var whole = document.createRange();
    whole.selectNodeContents(body);
    var where = whole.comparePoint(node, offset);
    if (where < 0) return 0;
    if (where > 0) return codePoints(body.textContent);
    if (node.nodeType === Node.TEXT_NODE) {
      var seg = node.parentElement && node.parentElement.closest("[data-o]");
      if (seg && body.contains(seg) && seg.firstChild === node) {
        return Number(seg.dataset.o) + codePoints(node.data.slice(0, safeUnit(node.data, offset, forward)));
      }
    }
    // An element boundary (or an unexpected node): count the text before it.
    var range = document.createRange();
    range.setStart(body, 0);
    range.setEnd(node, offset);
    return codePoints(range.toString());
  }

  function bodyText() {
    return body.textContent;
  }

  function sliceCodePoints(text, start, end) {
    return Array.from(text).slice(start, end).join("");
  }

  var current = null;

  function readSelection() {
    var sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    var range = sel.getRangeAt(0);
    var start = toOffset(range.startContainer, range.startOffset, false);
    var end = toOffset(range.endContainer, range.endOffset, true);
    var chars = Array.from(bodyText());
    // Leave out whitespace picked up at either end of the selection.
    while (start < end && /\s/.test(chars[start])) start++;
    while (end > start && /\s/.test(chars[end - 1])) end--;
    if (end <= start) return null;
    return { start: start, end: end, quote: chars.slice(start, end).join(""), rect: range.getBoundingClientRect() };
  }

  function hideButton() {
    if (button) button.hidden = true;
    current = null;
  }

  function update() {
    if (!form || !button) return;
    var found = readSelection();
    if (!found) { hideButton(); return; }
    current = found;
    button.hidden = false;
    var top = window.scrollY + found.rect.bottom + 6;
    var left = window.scrollX + Math.max(8, Math.min(found.rect.left, window.innerWidth - button.offsetWidth - 8));
    button.style.top = top + "px";
    button.style.left = left + "px";
  }

  function fill(found) {
    // A selection says exactly where the quote is: the chooser of an ambiguous quote's places is no longer needed.
    var chooser = document.getElementById("occurrences");
    if (chooser) {
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = "start";
      hidden.id = "id_start";
      chooser.replaceWith(hidden);
    }
    form.elements.quote.value = found.quote;
    form.elements.start.value = String(found.start);
    var position = document.getElementById("quote-position");
    if (position) {
      position.textContent = "At character " + found.start + "–" + found.end + " (" + (found.end - found.start) + " characters).";
    }
    form.scrollIntoView({ behavior: "smooth", block: "start" });
    form.elements.text.focus({ preventScroll: true });
    // "Possibly checked before" looks the new quote up (htmx listens for this event).
    document.body.dispatchEvent(new CustomEvent("quote-chosen"));
  }

  var timer = null;
  document.addEventListener("selectionchange", function () {
    clearTimeout(timer);
    timer = setTimeout(update, 120);
  });
  if (button) {
    // mousedown would collapse the selection before click: keep it.
    button.addEventListener("mousedown", function (event) { event.preventDefault(); });
    button.addEventListener("click", function () {
      var found = current || readSelection();
      if (found) fill(found);
      hideButton();
    });
  }
  if (form) {
    // A quote typed by hand has no known position: let the server find it.
    form.elements.quote.addEventListener("input", function () {
      form.elements.start.value = "";
      var position = document.getElementById("quote-position");
      if (position) position.textContent = "";
    });
  }

  // Clicking a highlight points at its claims in the list beside the text.
  body.addEventListener("click", function (event) {
    var mark = event.target.closest("mark[data-claims]");
    if (!mark || !window.getSelection().isCollapsed) return;
    document.querySelectorAll("#article-claims li.focus").forEach(function (li) { li.classList.remove("focus"); });
    var first = null;
    mark.dataset.claims.split(" ").forEach(function (id) {
      var li = document.getElementById("claim-" + id);
      if (li) { li.classList.add("focus"); first = first || li; }
    });
    if (first) first.scrollIntoView({ behavior: "smooth", block: "nearest" });
  });

  // "Use selected text" on a quote to re-attach: the selection's offsets go into its form.
  document.querySelectorAll("form.reattach button.use-selection").forEach(function (useButton) {
    // mousedown would collapse the selection before click: keep it.
    useButton.addEventListener("mousedown", function (event) { event.preventDefault(); });
    useButton.addEventListener("click", function () {
      var found = readSelection();
      var reattach = useButton.form;
      var preview = reattach.querySelector(".selection-preview");
      if (!found) {
        if (preview) preview.textContent = "Select the quote's words in the article text first.";
        return;
      }
      reattach.elements.start.value = String(found.start);
      reattach.elements.end.value = String(found.end);
      if (preview) preview.textContent = "Selected: “" + found.quote + "”";
    });
  });

  // A suggestion's "Log claim" fills the form in place (the link itself works without JavaScript).
  document.querySelectorAll("a.log-suggestion").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (!form) return;
      event.preventDefault();
      var start = Number(link.dataset.start), end = Number(link.dataset.end);
      fill({ start: start, end: end, quote: sliceCodePoints(bodyText(), start, end) });
    });
  });

  window.factdeskReader = { toOffset: toOffset, codePoints: codePoints, sliceCodePoints: sliceCodePoints };
})();
