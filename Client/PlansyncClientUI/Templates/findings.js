// plansync ui: the reviewer's findings while the clerk types. The page works without this file —
// findings refresh after every save — so it only adds: after a pause in typing, it asks the page
// for the findings the plan would have with the value typed so far (nothing is recorded) and puts
// them in the findings region, which a screen reader announces (aria-live="polite").
"use strict";
(function () {
  var page = document.querySelector("[data-check]");
  var region = document.getElementById("findings");
  var token = document.querySelector("input[name=formToken]");
  if (!page || !region || !token || !window.fetch) { return; }
  var url = page.getAttribute("data-check");
  var timer = null;
  var latest = 0;

  function check(input) {
    var asked = ++latest;
    var body = new URLSearchParams();
    body.set("formToken", token.value);
    body.set("path", input.getAttribute("data-path"));
    body.set("value", input.value);
    fetch(url, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        // Only the answer to the latest question: an older one arriving late is dropped.
        if (asked === latest) { region.innerHTML = html; }
      })
      .catch(function () { /* the page itself still works: the findings refresh at the next save */ });
  }

  page.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.hasAttribute || !input.hasAttribute("data-path") || input.readOnly) { return; }
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { check(input); }, 500);
  });
})();
