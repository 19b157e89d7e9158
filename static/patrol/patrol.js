// Patrol page: the phone's location fills every form's lat/lng (and accuracy); forms that
// need a location wait for it rather than send a report that cannot say where.
(function () {
  "use strict";
  var status = document.getElementById("patrol-location");
  if (!status) return;
  var forms = document.querySelectorAll("form[data-needs-location]");
  function fill(lat, lng, accuracy) {
    forms.forEach(function (form) {
      form.querySelectorAll("input[name$='lat']").forEach(function (i) { i.value = lat.toFixed(6); });
      form.querySelectorAll("input[name$='lng']").forEach(function (i) { i.value = lng.toFixed(6); });
      var acc = form.querySelector("input[name='accuracy_m']");
      if (acc) acc.value = Math.round(accuracy);
    });
  }
  function say(state, text) { status.dataset.state = state; status.textContent = text; }
  if (!navigator.geolocation) { say("denied", status.dataset.denied); return; }
  say("locating", status.dataset.locating);
  navigator.geolocation.watchPosition(function (pos) {
    fill(pos.coords.latitude, pos.coords.longitude, pos.coords.accuracy || 0);
    say("found", status.dataset.found.replace("%(m)s", Math.round(pos.coords.accuracy || 0)));
  }, function () {
    say("denied", status.dataset.denied);
  }, { enableHighAccuracy: true, maximumAge: 30000, timeout: 20000 });
})();
