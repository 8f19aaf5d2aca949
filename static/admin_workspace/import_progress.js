// A background import's page (exports app, "My imports") reloads itself every few seconds
// while the import is queued or running; the server renders the progress, nothing else here.
(function () {
  "use strict";
  var marker = document.querySelector("[data-import-running]");
  if (!marker) {
    return;
  }
  window.setTimeout(function () {
    window.location.reload();
  }, 3000);
})();
