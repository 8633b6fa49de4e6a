// Permit list: the Export button takes the ticked rows (?id=…), else the list's filters.
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("[data-ptw-export-link]");
  if (link) {
    var ids = Array.prototype.map.call(document.querySelectorAll("[data-ptw-export-select]:checked"), function (box) {
      return "id=" + encodeURIComponent(box.value);
    });
    if (ids.length) {
      event.preventDefault();
      window.location.href = link.getAttribute("href").split("?")[0] + "?" + ids.join("&");
    }
  }
});
document.addEventListener("change", function (event) {
  if (event.target.matches && event.target.matches("[data-ptw-export-all]")) {
    document.querySelectorAll("[data-ptw-export-select]").forEach(function (box) { box.checked = event.target.checked; });
  }
});
