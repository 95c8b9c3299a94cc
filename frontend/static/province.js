// The province statistics page: a bar chart of the table's first rows (Chart.js, vendored).
(function () {
  const el = document.getElementById("prov-chart");
  const data = document.getElementById("prov-chart-data");
  if (!el || !data || typeof Chart === "undefined") return;
  const d = JSON.parse(data.textContent);
  const zh = (document.documentElement.lang || "zh").startsWith("zh");
  new Chart(el, {
    type: "bar",
    data: {
      labels: d.labels,
      datasets: [
        { label: zh ? "参赛人数" : "Entrants", data: d.entrants, backgroundColor: "#1f5fa8" },
        { label: zh ? "获奖人次" : "Prizes", data: d.prizes, backgroundColor: "#b8860b" },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      indexAxis: d.labels.length > 8 ? "y" : "x",
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: "bottom" } },
    },
  });
  el.dataset.ready = "1";
})();
