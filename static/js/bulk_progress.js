/* Bulk export progress: polls each unfinished export's JSON status and updates its row.
   Rows: <tr data-bulk-status-url="..."> with .js-progress (a <progress>), .js-done, .js-status
   and .js-download (hidden link). Without JavaScript the page has a refresh link instead. */
(function () {
  "use strict";
  var rows = document.querySelectorAll("[data-bulk-status-url]");
  if (!rows.length) { return; }

  function update(row, data) {
    var progress = row.querySelector(".js-progress");
    if (progress) { progress.max = data.total || 1; progress.value = data.done; }
    var done = row.querySelector(".js-done");
    if (done) { done.textContent = done.dataset.template.replace("%(done)s", data.done).replace("%(total)s", data.total); }
    var status = row.querySelector(".js-status");
    if (status) { status.textContent = data.status_label; }
    var link = row.querySelector(".js-download");
    if (link && data.download_url) { link.href = data.download_url; link.hidden = false; }
  }

  function poll(row) {
    fetch(row.dataset.bulkStatusUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        update(row, data);
        if (!data.finished) { window.setTimeout(function () { poll(row); }, 2000); }
      })
      .catch(function () { window.setTimeout(function () { poll(row); }, 5000); });
  }

  rows.forEach(function (row) {
    if (row.dataset.finished !== "true") { poll(row); }
  });
})();
