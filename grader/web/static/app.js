// Progressive behaviour for the grader's pages; served as a file so the CSP allows no inline
// script. Every page works without it, only less conveniently.
(function () {
  "use strict";

  var POLL_MS = 1500;

  // <span data-poll="/…/status" data-reload-on-done>: follow a grading or validation live.
  function poll(el) {
    var url = el.getAttribute("data-poll");
    var last = el.textContent.trim();
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (doc) {
          if (doc.label && doc.label !== last) {
            last = doc.label;
            el.textContent = doc.label.replace(/_/g, " ");
            el.className = el.className.replace(/\bbadge-\S+/g, "") + " badge-" + doc.label;
          }
          if (doc.done) {
            if (el.hasAttribute("data-reload-on-done")) { window.location.reload(); }
            return;
          }
          window.setTimeout(tick, POLL_MS);
        })
        .catch(function () { window.setTimeout(tick, POLL_MS * 4); });
    }
    window.setTimeout(tick, POLL_MS);
  }

  // <iframe data-autosize>: grow a same-origin report frame to its content's height.
  function autosize(frame) {
    function fit() {
      try {
        var doc = frame.contentDocument;
        if (doc && doc.documentElement) {
          frame.style.height = doc.documentElement.scrollHeight + 24 + "px";
        }
      } catch (e) { /* not readable: keep the fixed height */ }
    }
    frame.addEventListener("load", fit);
    fit();
  }

  // <button data-copy="input-id">: copy a link to the clipboard (and select it regardless).
  function copier(button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.getAttribute("data-copy"));
      if (!input) { return; }
      input.select();
      var done = function () { button.textContent = "Copied"; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () {});
      } else {
        try { document.execCommand("copy"); done(); } catch (e) { /* selected; copy by hand */ }
      }
    });
  }

  // <form data-confirm="question">: ask before a destructive action.
  function confirmer(form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  }

  // <form data-busy>: show that an upload is on its way and stop a double submit.
  function busy(form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) {
        button.disabled = true;
        button.textContent = button.getAttribute("data-busy-text") || "Uploading…";
      }
    });
  }

  // <time datetime="…Z" data-countdown>: the time left until a deadline, every second.
  function countdown(el) {
    var end = Date.parse(el.getAttribute("datetime"));
    if (isNaN(end)) { return; }
    function pad(n) { return (n < 10 ? "0" : "") + n; }
    function tick() {
      var left = Math.max(0, Math.floor((end - Date.now()) / 1000));
      var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
      el.textContent = (h ? h + " h " : "") + pad(m) + " min " + pad(s) + " s";
      if (left === 0) {
        el.textContent = "time is up: uploads already under way are still accepted briefly";
        return;
      }
      window.setTimeout(tick, 1000);
    }
    tick();
  }

  function each(selector, fn) {
    Array.prototype.forEach.call(document.querySelectorAll(selector), fn);
  }

  document.addEventListener("DOMContentLoaded", function () {
    each("[data-poll]", poll);
    each("iframe[data-autosize]", autosize);
    each("[data-copy]", copier);
    each("form[data-confirm]", confirmer);
    each("form[data-busy]", busy);
    each("time[data-countdown]", countdown);
  });
})();
