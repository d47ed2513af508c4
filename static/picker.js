/* Searchable pickers (lodestar/core/widgets.py Picker): filter the options by what is typed, matched
   against each option's data-search (name, title, department, pinyin: "lx" or "linxiao" finds 林晓),
   and list the chosen ones above the list. Event delegation, so pickers swapped in by HTMX work too. */
(function () {
  "use strict";
  function norm(text) { return (text || "").toLowerCase().replace(/\s+/g, ""); }

  function filter(picker) {
    const search = picker.querySelector("[data-picker-search]");
    const query = norm(search ? search.value : "");
    let shown = 0;
    picker.querySelectorAll("[data-picker-group]").forEach(function (group) {
      let inGroup = 0;
      group.querySelectorAll("[data-search]").forEach(function (option) {
        const words = option.dataset.search.split(" ");
        const hit = !query || norm(option.dataset.search).includes(query) || words.some(function (w) { return w.startsWith(query); });
        option.hidden = !hit;
        if (hit) inGroup += 1;
      });
      group.hidden = inGroup === 0;
      shown += inGroup;
    });
    const empty = picker.querySelector("[data-picker-empty]");
    if (empty) empty.hidden = shown > 0;
    return shown;
  }

  function summary(picker) {
    const box = picker.querySelector("[data-picker-chosen]");
    if (!box) return;
    const names = [];
    picker.querySelectorAll("input:checked").forEach(function (input) {
      const label = input.closest("label");
      const text = label ? label.querySelector(".form-check-label") : null;
      if (text) names.push(text.textContent.split(" · ")[0].trim());
    });
    box.textContent = names.length ? "✓ " + names.join("、") : "";
  }

  document.addEventListener("input", function (event) {
    const picker = event.target.closest("[data-picker]");
    if (picker && event.target.matches("[data-picker-search]")) filter(picker);
  });
  document.addEventListener("change", function (event) {
    const picker = event.target.closest("[data-picker]");
    if (picker) summary(picker);
  });
  // Enter in the search box picks the only match instead of submitting the form.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !event.target.matches("[data-picker-search]")) return;
    event.preventDefault();
    const picker = event.target.closest("[data-picker]");
    const visible = Array.from(picker.querySelectorAll("[data-search]")).filter(function (o) { return !o.hidden; });
    if (visible.length === 1) {
      const input = visible[0].querySelector("input");
      input.checked = input.type === "radio" ? true : !input.checked;
      input.dispatchEvent(new Event("change", {bubbles: true}));
    }
  });
  function init(root) {
    (root || document).querySelectorAll("[data-picker]").forEach(function (picker) { filter(picker); summary(picker); });
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
