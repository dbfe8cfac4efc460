// The Device page's chart: the last hour of the device's metrics from /api/devices/{id}/telemetry (JSON),
// then only the newer points every 2 s. Metric names are device text: they go into Chart.js as data
// (drawn on a canvas), never into HTML.
(function () {
    'use strict';
    var canvas = document.getElementById('telemetry-chart');
    if (!canvas || typeof Chart === 'undefined') return;
    var url = canvas.dataset.url;
    var count = document.getElementById('telemetry-count');
    var since = 0;
    var points = 0;
    var series = {};
    var chart = new Chart(canvas, {
        type: 'line',
        data: { datasets: [] },
        options: {
            animation: false,
            maintainAspectRatio: false,
            parsing: false,
            normalized: true,
            scales: {
                x: { type: 'linear', ticks: { callback: function (v) { return new Date(v).toISOString().substring(11, 19); } } },
                y: { beginAtZero: false }
            },
            plugins: { legend: { position: 'bottom' } }
        }
    });

    function add(rows) {
        rows.forEach(function (p) {
            var set = series[p.metric];
            if (!set) {
                set = { label: p.metric, data: [], pointRadius: 2, borderWidth: 1.5 };
                series[p.metric] = set;
                chart.data.datasets.push(set);
            }
            set.data.push({ x: p.ts, y: p.value });
            if (p.ts > since) since = p.ts;
            points++;
        });
        var cutoff = Date.now() - 3600 * 1000;
        chart.data.datasets.forEach(function (d) { d.data = d.data.filter(function (pt) { return pt.x >= cutoff; }); });
        chart.update();
        canvas.dataset.points = String(points);
        if (count) count.textContent = points + ' point(s) loaded';
    }

    function poll() {
        fetch(url + '?since=' + since, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
            .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
            .then(add)
            .catch(function (e) { if (count) count.textContent = 'chart data unavailable: ' + e.message; })
            .finally(function () { setTimeout(poll, 2000); });
    }
    poll();
})();
