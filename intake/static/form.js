// Progressive enhancement only: the form works without this file.
(function () {
  "use strict";
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
