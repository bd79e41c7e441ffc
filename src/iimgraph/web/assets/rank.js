// Sends the findings to the endpoint that served this page (iimgraph serve): GET rank?hpo=...&absent=...
// and shows the ranking it answers with, each subtype with its per-finding likelihood ratios.
"use strict";
(function () {
  if (window.location.protocol === "file:") {
    document.getElementById("offline").hidden = false;
  }
  var form = document.getElementById("rank-form");
  var target = document.getElementById("rank-result");
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }
  // 3 significant digits, never "1" or "0" (as the CLI's table)
  function prob(p) {
    if (p >= 0.9995) return "> 0.999";
    if (p <= 0) return "< 1e-300";
    return p.toPrecision(3);
  }
  function show(data) {
    target.textContent = "";
    target.appendChild(el("p", data.notice, "warning"));
    (data.notes || []).forEach(function (n) { target.appendChild(el("p", n, "note")); });
    target.appendChild(el("p", "P(IIM) = " + prob(data.iim_probability) + ": " + data.probabilities.iim_probability, "note"));
    target.appendChild(el("p", "posterior: " + data.probabilities.posterior + ". post-test: " +
      data.probabilities.post_test_probability + ".", "note"));
    var table = el("table", undefined, "rows");
    var head = el("tr");
    ["rank", "candidate", "posterior", "post-test", "log10 LR", "findings"].forEach(function (h) {
      head.appendChild(el("th", h));
    });
    table.appendChild(head);
    data.results.forEach(function (r) {
      var tr = el("tr");
      tr.appendChild(el("td", String(r.rank)));
      tr.appendChild(el("td", r.label + " (" + r.disease + (r.is_iim ? ", IIM" : ", not IIM") + ")"));
      tr.appendChild(el("td", prob(r.posterior)));
      tr.appendChild(el("td", prob(r.post_test_probability)));
      tr.appendChild(el("td", r.log10_lr.toFixed(2)));
      var list = el("ul");
      r.terms.forEach(function (t) {
        var text = (t.status === "absent" ? "absent " : "") + t.term + " " + t.label + ": LR " +
          t.lr.toPrecision(3) + " (" + t.match + "); " + t.explanation;
        if (t.sources && t.sources.length) text += "; source " + t.sources.join(", ");
        list.appendChild(el("li", text));
      });
      var td = el("td");
      td.appendChild(list);
      tr.appendChild(td);
      table.appendChild(tr);
    });
    target.appendChild(table);
    if (data.not_scorable && data.not_scorable.length) {
      target.appendChild(el("p", "Not scorable (no curated phenotype annotation): " +
        data.not_scorable.map(function (n) { return n.label; }).join(", "), "note"));
    }
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var params = new URLSearchParams();
    ["hpo", "absent", "onset", "top"].forEach(function (name) {
      var value = form.elements[name].value.trim();
      if (value) params.append(name, value);
    });
    if (!params.has("top")) params.append("top", "20");  // 477 candidates: the best 20 unless asked
    target.textContent = "ranking...";
    fetch("rank?" + params.toString(), { headers: { Accept: "application/json" } })
      .then(function (resp) { return resp.json().then(function (body) { return [resp.ok, body]; }); })
      .then(function (pair) {
        if (pair[0]) show(pair[1]);
        else { target.textContent = ""; target.appendChild(el("p", pair[1].error, "error")); }
      })
      .catch(function (err) { target.textContent = ""; target.appendChild(el("p", String(err), "error")); });
  });
})();
