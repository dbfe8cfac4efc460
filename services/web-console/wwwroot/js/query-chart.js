// The Query page's chart for a time series result: the data comes as JSON in the canvas's data-series attribute
// (encoded by the server, parsed here), never as script text.
(function () {
    'use strict';
    var canvas = document.getElementById('query-chart');
    if (!canvas || typeof Chart === 'undefined') return;
    var data = JSON.parse(canvas.dataset.series);
    new Chart(canvas, {
        type: 'line',
        data: {
            labels: data.labels,
            datasets: data.series.map(function (s) { return { label: s.name, data: s.values, pointRadius: 2, borderWidth: 1.5 }; })
        },
        options: { animation: false, maintainAspectRatio: false, plugins: { legend: { position: 'bottom' } } }
    });
    canvas.dataset.rendered = 'true';
})();
