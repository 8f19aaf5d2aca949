/* Name/value rows of a contact's custom fields (crm/widgets.py CustomFieldsWidget). */
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-custom-fields]").forEach(function (box) {
    var body = box.querySelector("tbody");
    var template = box.querySelector("template.custom-field-template");
    box.addEventListener("click", function (event) {
      var target = event.target;
      if (target.classList.contains("custom-field-remove")) {
        target.closest("tr").remove();
      } else if (target.classList.contains("custom-field-add")) {
        var row = template.content.firstElementChild.cloneNode(true);
        body.appendChild(row);
        row.querySelector("input").focus();
      }
    });
  });
});
