// A background import's page (exports app, "My imports") reloads itself every few seconds
// while the import is queued or running; the server renders the progress, nothing else here.
// Loaded in the page's head (the admin's form media): it looks once the page is parsed.
(function () {
  "use strict";
  function follow() {
    if (!document.querySelector("[data-import-running]")) {
      return;
    }
    window.setTimeout(function () {
      window.location.reload();
    }, 3000);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", follow);
  } else {
    follow();
  }
})();
