// Runs a catalogue query on the endpoint that served this page (iimgraph serve): GET run/NAME?param=value.
// The server binds the parameters as typed RDF terms; the page only shows the JSON results it gets back.
"use strict";
(function () {
  var offline = window.location.protocol === "file:";
  if (offline) {
    document.getElementById("offline").hidden = false;
  }
  function cellText(cell) {
    if (!cell) return "";
    return cell.value;
  }
  function showError(target, message) {
    target.textContent = "";
    var p = document.createElement("p");
    p.className = "error";
    p.textContent = message;
    target.appendChild(p);
  }
  function showTable(target, data) {
    target.textContent = "";
    var vars = (data.head && data.head.vars) || [];
    var rows = (data.results && data.results.bindings) || [];
    var count = document.createElement("p");
    count.className = "count";
    count.textContent = rows.length + (rows.length === 1 ? " row" : " rows");
    target.appendChild(count);
    if (!rows.length) return;
    var table = document.createElement("table");
    table.className = "rows";
    var head = table.createTHead().insertRow();
    vars.forEach(function (v) { var th = document.createElement("th"); th.textContent = v; head.appendChild(th); });
    var body = table.createTBody();
    rows.forEach(function (row) {
      var tr = body.insertRow();
      vars.forEach(function (v) { tr.insertCell().textContent = cellText(row[v]); });
    });
    target.appendChild(table);
  }
  document.querySelectorAll("form.run").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var name = form.getAttribute("data-query");
      var target = document.getElementById("result-" + name);
      if (offline) {
        showError(target, "Queries need iimgraph serve: open this page from the server, not as a file.");
        return;
      }
      var params = new URLSearchParams();
      new FormData(form).forEach(function (value, key) { if (value !== "") params.append(key, value); });
      target.textContent = "running\u2026";
      fetch("run/" + encodeURIComponent(name) + "?" + params.toString(), {headers: {Accept: "application/sparql-results+json"}})
        .then(function (response) {
          if (!response.ok) {
            return response.text().then(function (text) { throw new Error(text.trim() || response.statusText); });
          }
          return response.json();
        })
        .then(function (data) { showTable(target, data); })
        .catch(function (err) {
          showError(target, "Could not run the query (" + err.message + "). Queries need iimgraph serve.");
        });
    });
  });
})();
