/* Progressive enhancement for every page. No inline scripts anywhere (strict CSP). */
(function () {
  "use strict";
  document.documentElement.classList.add("js-enabled");
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
