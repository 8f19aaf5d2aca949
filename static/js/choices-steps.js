// Show the choices questionnaire one step at a time. Without this script the three steps
// are simply shown together, and the form works the same.
(function () {
  "use strict";
  var form = document.querySelector("form[data-steps]");
  if (!form) return;
  var steps = Array.prototype.slice.call(form.querySelectorAll(".step"));
  var actions = form.querySelector(".form-actions");
  if (steps.length < 2 || !actions) return;

  function button(label, className, onClick) {
    var el = document.createElement("button");
    el.type = "button";
    el.className = className;
    el.textContent = label;
    el.addEventListener("click", onClick);
    return el;
  }

  function stepIsValid(step) {
    var fields = step.querySelectorAll("input, select, textarea");
    for (var i = 0; i < fields.length; i++) {
      if (!fields[i].checkValidity()) {
        fields[i].reportValidity();
        return false;
      }
    }
    return true;
  }

  function show(index, moveFocus) {
    steps.forEach(function (step, i) { step.hidden = i !== index; });
    actions.hidden = index !== steps.length - 1;
    if (moveFocus) {
      var first = steps[index].querySelector("input, select, textarea");
      if (first) first.focus();
    }
  }

  steps.forEach(function (step, index) {
    var nav = document.createElement("div");
    nav.className = "step-nav";
    if (index > 0) {
      nav.appendChild(button("Back", "button-secondary", function () { show(index - 1, true); }));
    }
    if (index < steps.length - 1) {
      nav.appendChild(button("Next", "button-next", function () {
        if (stepIsValid(step)) show(index + 1, true);
      }));
      step.appendChild(nav);
    } else if (nav.firstChild) {
      actions.insertBefore(nav.firstChild, actions.firstChild);
    }
  });

  form.classList.add("js-steps");
  // After a refused submission, open the first step that holds an error.
  var withError = steps.findIndex(function (step) { return step.querySelector(".errorlist"); });
  show(withError === -1 ? 0 : withError, false);
})();
