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
})();
