/* Five Clear: the one script of the web app (served from 'self' under the CSP). Every page works
   without it; it only folds the main navigation behind a "Menu" button on narrow screens. */
(function () {
  "use strict";
  var toggle = document.querySelector(".nav-toggle");
  var nav = document.getElementById("main-nav");
  if (!toggle || !nav) { return; }
  toggle.hidden = false;
  nav.setAttribute("data-collapsed", "true");
  toggle.addEventListener("click", function () {
    var open = toggle.getAttribute("aria-expanded") === "true";
    toggle.setAttribute("aria-expanded", open ? "false" : "true");
    nav.setAttribute("data-collapsed", open ? "true" : "false");
  });
})();

/* On a phone the filters of a list start folded (unless the form has an error), so the
   numbers come first; "Filters" opens them. */
(function () {
  "use strict";
  if (!window.matchMedia || !window.matchMedia("(max-width: 47.99rem)").matches) { return; }
  document.querySelectorAll("details[data-fold-narrow]").forEach(function (box) {
    if (!box.querySelector(".form-errors, .has-error")) { box.open = false; }
  });
})();
