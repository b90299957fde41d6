// Every desk page: focus where the result of an action is shown, and keyboard shortcuts
// (listed in the "?" overlay, #shortcuts in base.html). No inline script: the CSP allows files only.
(function () {
  "use strict";

  // After an action the page reloads; without this, focus starts again at the top of the page.
  function focusResult() {
    var target = null;
    if (window.location.hash.length > 1) {
      target = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
    }
    if (!target) target = document.querySelector("#action-error, #conflict, .messages");
    if (!target || document.activeElement !== document.body) return;
    if (!target.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus();
  }

  function typing(event) {
    var el = event.target;
    return el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName);
  }

  function visible(el) {
    return el.offsetParent !== null || el.getClientRects().length > 0;
  }

  // Move focus through a list of links: +1 next, -1 previous (wrapping at the ends).
  function step(selector, direction) {
    var items = Array.prototype.filter.call(document.querySelectorAll(selector), visible);
    if (!items.length) return false;
    var at = items.indexOf(document.activeElement);
    var next = at === -1 ? (direction > 0 ? 0 : items.length - 1) : (at + direction + items.length) % items.length;
    items[next].focus();
    items[next].scrollIntoView({ block: "nearest" });
    var row = items[next].closest("tr");
    document.querySelectorAll("tr.kb-current").forEach(function (r) { r.classList.remove("kb-current"); });
    if (row) row.classList.add("kb-current");
    return true;
  }

  function focusField(selector) {
    var el = document.querySelector(selector);
    if (!el) return false;
    el.focus();
    if (el.select) el.select();
    return true;
  }

  function toggleRowCheckbox() {
    var row = document.activeElement && document.activeElement.closest("tr");
    var box = row && row.querySelector("input[type=checkbox]");
    if (!box) return false;
    box.click();
    return true;
  }

  var overlay = document.getElementById("shortcuts");
  var keys = {
    "?": function () { if (overlay && overlay.showModal && !overlay.open) { overlay.showModal(); return true; } return false; },
    "/": function () { return focusField("#id_search, #id_q"); },
    // The claim queue
    j: function () { return step("table.queue a.claim-open", 1); },
    k: function () { return step("table.queue a.claim-open", -1); },
    x: toggleRowCheckbox,
    // The reader
    n: function () { return step("#article-body a.hl-marker", 1); },
    p: function () { return step("#article-body a.hl-marker", -1); },
    s: function () { return step("#article-body a.sg-marker", 1); },
    l: function () { return focusField("#id_quote"); },
    // The claim page
    w: function () {
      var first = document.querySelector("#workflow textarea, #workflow button:not([disabled])");
      if (!first) return false;
      first.focus();
      return true;
    },
  };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event)) return;
    var action = keys[event.key];
    if (action && action()) event.preventDefault();
  });

  if (overlay) {
    overlay.addEventListener("click", function (event) {
      if (event.target === overlay || event.target.closest("[data-close]")) overlay.close();
    });
  }
  var opener = document.getElementById("shortcuts-open");
  if (opener && overlay && overlay.showModal) {
    opener.addEventListener("click", function () { overlay.showModal(); });
    opener.hidden = false;
  }

  // Forms that ask before they act (data-confirm): a listener, since the
  // Content-Security-Policy allows no inline onsubmit handlers.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
  });

  // Name pickers (data-picker="claimant" etc.): a suggestion chosen from the datalist puts its id in
  // the hidden field of that name; any other text clears it, and the server resolves the name instead.
  function syncPicker(box) {
    var hidden = box.form && box.form.elements[box.getAttribute("data-picker")];
    if (!hidden) return;
    var id = "";
    if (box.list) {
      Array.prototype.forEach.call(box.list.options, function (option) {
        if (option.value === box.value) id = option.getAttribute("data-id") || "";
      });
    }
    hidden.value = id;
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("input[data-picker]")) syncPicker(event.target);
  });
  // Suggestions arrive after the last keystroke: a name typed in full matches one only then.
  document.addEventListener("htmx:afterSwap", function (event) {
    var list = event.detail && event.detail.target;
    if (!list || list.tagName !== "DATALIST") return;
    document.querySelectorAll("input[data-picker][list='" + list.id + "']").forEach(syncPicker);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusResult);
  } else {
    focusResult();
  }
})();
