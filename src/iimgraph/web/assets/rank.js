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
  function show(data) {
    target.textContent = "";
    target.appendChild(el("p", data.notice, "warning"));
    (data.notes || []).forEach(function (n) { target.appendChild(el("p", n, "note")); });
    var table = el("table", undefined, "rows");
    var head = el("tr");
    ["rank", "subtype", "post-test probability", "log10 LR", "findings"].forEach(function (h) {
      head.appendChild(el("th", h));
    });
    table.appendChild(head);
    data.results.forEach(function (r) {
      var tr = el("tr");
      tr.appendChild(el("td", String(r.rank)));
      tr.appendChild(el("td", r.label + " (" + r.disease + ")"));
      tr.appendChild(el("td", r.post_test_probability.toPrecision(3)));
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
