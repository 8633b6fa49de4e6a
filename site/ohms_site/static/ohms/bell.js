// The notification bell: always visible in the admin, with the unread count (99+).
(function () {
  var script = document.currentScript;
  var countUrl = script.dataset.countUrl, inboxUrl = script.dataset.inboxUrl, label = script.dataset.label;
  function render(data) {
    var bell = document.querySelector("[data-ohms-bell]");
    if (!bell) {
      bell = document.createElement("a");
      bell.className = "ohms-bell";
      bell.href = inboxUrl;
      bell.setAttribute("data-ohms-bell", "");
      bell.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.5-2.5h-5A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2z"/></svg>' +
        '<span class="ohms-bell__count" data-ohms-bell-count></span>';
      document.body.appendChild(bell);
    }
    var count = bell.querySelector("[data-ohms-bell-count]");
    count.textContent = data.badge;
    count.dataset.count = data.unread;
    bell.title = label + ": " + data.badge;
    bell.setAttribute("aria-label", label + ": " + data.badge);
  }
  function refresh() {
    fetch(countUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) render(data); })
      .catch(function () {});
  }
  refresh();
  setInterval(refresh, 30000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
})();
