// The export page's "Select all": ticks or clears every column of the shown resource, and
// follows the columns when they are ticked one by one. Loaded as a file (the CSP refuses
// inline handlers).
(function () {
  "use strict";

  function columnBoxes() {
    return Array.from(
      document.querySelectorAll('.selectable-field-export-row input[type="checkbox"]')
    ).filter((box) => box.closest(".selectable-field-export-row").offsetParent !== null);
  }

  function init() {
    const toggle = document.getElementById("export-select-all");
    if (!toggle) {
      return;
    }
    const follow = () => {
      const boxes = columnBoxes();
      const ticked = boxes.filter((box) => box.checked).length;
      toggle.checked = boxes.length > 0 && ticked === boxes.length;
      toggle.indeterminate = ticked > 0 && ticked < boxes.length;
    };
    toggle.addEventListener("change", () => {
      columnBoxes().forEach((box) => {
        box.checked = toggle.checked;
      });
      toggle.indeterminate = false;
    });
    document.querySelectorAll('.selectable-field-export-row input[type="checkbox"]').forEach(
      (box) => box.addEventListener("change", follow)
    );
    follow();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
