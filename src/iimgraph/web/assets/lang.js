// Shows the translated HPO labels a term page carries (hidden) in the language ?lang= names, beside the
// English labels. iimgraph serve renders ?lang= itself; this does the same for the static site.
"use strict";
(function () {
  var lang = new URLSearchParams(window.location.search).get("lang");
  if (!lang || !/^[a-z]{2,3}$/.test(lang)) return;
  var spans = document.querySelectorAll("span.translation");
  for (var i = 0; i < spans.length; i++) {
    if (spans[i].getAttribute("lang") === lang) spans[i].hidden = false;
  }
})();
