// The count sheet's scanner flow (templates/inventory/count_detail.html). A scanner types the
// code and presses Enter. Scan a bin: its lines come into view. Scan an item: the cursor goes
// to its quantity (or, if the bin has no line for it, to a new "found" row). Type the units and
// Enter: back to the scan field. Without this script the sheet is a plain form.
(function () {
  "use strict";
  var sheet = document.getElementById("count-sheet");
  var scanForm = document.getElementById("count-scan-form");
  if (!sheet || !scanForm) return;
  var scan = document.getElementById("count-scan");
  var error = document.getElementById("count-scan-error");
  var status = document.getElementById("count-scan-status");
  var nextFound = parseInt(sheet.dataset.nextFound, 10) || 0;
  var current = null;

  function same(a, b) { return (a || "").trim().toUpperCase() === (b || "").trim().toUpperCase(); }
  function bins() { return Array.prototype.slice.call(sheet.querySelectorAll(".count-bin[data-bin]")); }
  function binNamed(code) {
    var bare = code.indexOf(":") > 0 ? code.slice(code.indexOf(":") + 1) : code;
    return bins().filter(function (b) { return same(b.dataset.bin, code) || same(b.dataset.bin, bare); })[0];
  }
  function linesFor(root, code) {
    return Array.prototype.slice.call(root.querySelectorAll(".count-line")).filter(function (row) {
      return same(row.dataset.sku, code) || (row.dataset.barcode && same(row.dataset.barcode, code));
    });
  }
  function ready() { scan.value = ""; scan.focus(); }
  function say(message) {
    error.textContent = message;
    scan.setAttribute("aria-invalid", "true");
    ready();
  }
  function tell(message) {
    error.textContent = "";
    scan.removeAttribute("aria-invalid");
    status.textContent = message;
  }
  function choose(section, quietly) {
    if (current) current.classList.remove("is-current");
    current = section;
    section.classList.add("is-current");
    if (!quietly) section.scrollIntoView({ block: "start" });
    tell("Bin " + section.dataset.bin + ": scan each item.");
    ready();
  }
  function focusQuantity(row) {
    var section = row.closest(".count-bin");
    if (section !== current) choose(section);
    var lot = row.querySelector(".lot-input:not([hidden])");
    var target = lot && !lot.value ? lot : row.querySelector(".count-qty");
    tell(row.querySelector(".sku").textContent + " in " + section.dataset.bin + ": enter the units, then Enter.");
    target.focus();
    if (target.select) target.select();
  }
  function pick(rows) {
    return rows.filter(function (r) { return !r.querySelector(".count-qty").value; })[0] || rows[0];
  }
  function addBin(code) {
    var section = document.getElementById("count-bin-template").content.firstElementChild.cloneNode(true);
    section.dataset.bin = code;
    section.querySelector(".bin-code").textContent = code;
    var last = bins().pop();
    if (last) last.after(section); else sheet.prepend(section);
    choose(section);
  }
  function addFound(section, item) {
    var row = document.getElementById("count-found-template").content.firstElementChild.cloneNode(true);
    var index = nextFound++;
    row.dataset.sku = item.code;
    row.dataset.barcode = item.barcode || "";
    row.querySelectorAll("[data-name]").forEach(function (input) {
      input.name = "found-" + index + "-" + input.dataset.name;
      input.id = input.name;
    });
    row.querySelector("[data-name=location]").value = section.dataset.bin;
    row.querySelector("[data-name=sku]").value = item.code;
    row.querySelector("label").htmlFor = "found-" + index + "-quantity";
    row.querySelector(".sku").textContent = item.code;
    row.querySelector(".name").textContent = item.name || "";
    var lot = row.querySelector(".lot-input");
    lot.setAttribute("aria-label", "Lot of " + item.code);
    if (item.lot_tracked) lot.hidden = false;
    section.appendChild(row);
    focusQuantity(row);
  }
  function lookUp(code) {
    fetch(scanForm.dataset.lookup + "?code=" + encodeURIComponent(code), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (answer.kind === "bin") {
          var known = binNamed(answer.code);
          return known ? choose(known) : addBin(answer.code);
        }
        if (answer.kind !== "sku") return say(answer.message || "That code is not a bin or an item here.");
        if (!current) return say(answer.code + ": scan the bin it is in first.");
        var rows = linesFor(current, answer.code);
        return rows.length ? focusQuantity(pick(rows)) : addFound(current, answer);
      })
      .catch(function () { say("Could not look " + code + " up: scan it again."); });
  }

  scanForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var code = scan.value.trim();
    if (!code) return;
    var section = binNamed(code);
    if (section) return choose(section);
    var rows = linesFor(current || sheet, code);
    if (!current && rows.length) {
      var places = rows.map(function (r) { return r.closest(".count-bin"); });
      if (places.some(function (p) { return p !== places[0]; })) {
        return say(code + " is in several bins: scan the bin first.");
      }
    }
    if (rows.length) return focusQuantity(pick(rows));
    lookUp(code);
  });

  sheet.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    var target = event.target;
    var row = target.closest && target.closest(".count-line");
    if (!row) return;
    event.preventDefault(); // Enter moves on; the "Submit count" button sends the sheet
    if (target.classList.contains("lot-input")) return row.querySelector(".count-qty").focus();
    if (target.value !== "") row.classList.add("is-counted");
    tell("Scan the next item, or the next bin.");
    ready();
  });

  scanForm.hidden = false;
  if (bins().length === 1) choose(bins()[0], true);
  else { tell("Scan a bin to start."); ready(); }
})();
