// spendlens dashboard: sortable table columns and a row filter per table. The pages work without
// this script; it only adds conveniences. Keys: "/" focuses the first table's filter.
"use strict";
(function () {
  function cellValue(cell) {
    const exact = cell.getAttribute("data-value");
    if (exact !== null && exact !== "" && !isNaN(Number(exact))) return Number(exact);
    return cell.textContent.trim().toLowerCase();
  }
  function sortBy(table, column, header) {
    const body = table.tBodies[0];
    const ascending = header.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th").forEach(function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    const rows = Array.from(body.rows);
    rows.sort(function (a, b) {
      const x = cellValue(a.cells[column]), y = cellValue(b.cells[column]);
      const order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
      return ascending ? order : -order;
    });
    const fragment = document.createDocumentFragment();
    rows.forEach(function (row) { fragment.appendChild(row); });
    body.appendChild(fragment);
  }
  document.querySelectorAll(".table-box table").forEach(function (table) {
    table.querySelectorAll("thead th").forEach(function (header, column) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = header.textContent;
      button.setAttribute("aria-label", "Sort by " + header.textContent);
      header.textContent = "";
      header.appendChild(button);
      button.addEventListener("click", function () { sortBy(table, column, header); });
    });
    const box = table.closest(".table-box");
    const filter = document.createElement("input");
    filter.type = "search";
    filter.className = "row-filter";
    filter.placeholder = "Filter rows";
    filter.setAttribute("aria-label", "Filter the rows of " + (box.querySelector("h2") || {}).textContent);
    filter.addEventListener("input", function () {
      const needle = filter.value.trim().toLowerCase();
      Array.from(table.tBodies[0].rows).forEach(function (row) {
        row.hidden = needle !== "" && !row.textContent.toLowerCase().includes(needle);
      });
    });
    box.insertBefore(filter, box.querySelector(".scroll"));
  });
  document.addEventListener("keydown", function (event) {
    const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement;
    if (event.key === "/" && !typing) {
      const first = document.querySelector("input.row-filter");
      if (first) { event.preventDefault(); first.focus(); }
    }
  });
})();
