// Progressive enhancement only: the form works without this file.
(function () {
  "use strict";
  // A count of the characters left, warning before the limit (the server refuses past it and
  // says so; nothing is cut off silently).
  var narrative = document.getElementById("narrative");
  var count = document.getElementById("narrative-count");
  if (narrative && count) {
    var limit = parseInt(narrative.getAttribute("data-limit"), 10);
    var left = narrative.getAttribute("data-count-template");
    var over = narrative.getAttribute("data-over-template");
    var update = function () {
      var remaining = limit - narrative.value.length;
      if (remaining > limit * 0.1) { count.hidden = true; return; }
      count.hidden = false;
      count.className = remaining < 0 ? "error char-count" : "hint char-count";
      count.textContent = remaining < 0
        ? over.replace("{over}", String(-remaining))
        : left.replace("{left}", String(remaining));
    };
    narrative.addEventListener("input", update);
    update();
  }
  var button = document.getElementById("use-location");
  if (!button || !("geolocation" in navigator)) { return; }
  var wrapper = button.parentElement;
  var status = document.getElementById("location-status");
  var lat = document.getElementById("lat");
  var lon = document.getElementById("lon");
  wrapper.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = "…";
    navigator.geolocation.getCurrentPosition(function (position) {
      lat.value = position.coords.latitude.toFixed(6);
      lon.value = position.coords.longitude.toFixed(6);
      status.textContent = button.getAttribute("data-done") || "✓";
    }, function () {
      status.textContent = button.getAttribute("data-failed") || "✗";
    }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 });
  });
}());
