// Countdown to a whistle's report deadline: <span data-countdown="ISO-8601">. No inline script (CSP).
(function () {
  "use strict";
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var nodes = document.querySelectorAll("[data-countdown]");
    var now = Date.now();
    for (var i = 0; i < nodes.length; i++) {
      var el = nodes[i];
      var due = Date.parse(el.getAttribute("data-countdown"));
      if (isNaN(due)) { continue; }
      var left = Math.round((due - now) / 1000);
      if (left <= 0) {
        el.textContent = el.getAttribute("data-overdue-label") || "0:00";
        el.classList.add("countdown-overdue");
        continue;
      }
      var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
      el.textContent = (h > 0 ? h + ":" + pad(m) : m) + ":" + pad(s);
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    tick();
    window.setInterval(tick, 1000);
  });
})();
