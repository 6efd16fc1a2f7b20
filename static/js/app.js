/* Progressive enhancement for every page. No inline scripts anywhere (strict CSP). */
(function () {
  "use strict";
  document.documentElement.classList.add("js-enabled");
  /* An error summary takes the focus, so that screen reader and keyboard users start from it. */
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  /* A search box over a long list of checkboxes (input[data-filter-list] names the list's id):
   * hides the options whose label does not contain the text; ticked ones always stay. */
  document.querySelectorAll("input[data-filter-list]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("data-filter-list"));
    if (!list) { return; }
    var wrapper = input.closest("[data-filter-wrapper]");
    if (wrapper) { wrapper.hidden = false; }
    var status = document.getElementById(input.getAttribute("aria-describedby") || "");
    function fold(text) {
      return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
    }
    input.addEventListener("input", function () {
      var wanted = fold(input.value.trim());
      var shown = 0;
      list.querySelectorAll(".form-check").forEach(function (item) {
        var box = item.querySelector("input");
        var match = !wanted || fold(item.textContent).indexOf(wanted) !== -1 || (box && box.checked);
        item.hidden = !match;
        if (match) { shown += 1; }
      });
      if (status) { status.textContent = status.getAttribute("data-template").replace("COUNT", shown); }
    });
  });
})();
