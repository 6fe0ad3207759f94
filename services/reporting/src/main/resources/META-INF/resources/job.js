// One job: stage progress and the per-batch QAT curve pushed by server-sent events; charts, the shift table and
// the downloads from the report once it is published.
'use strict';

(function () {
  const jobId = new URLSearchParams(location.search).get('id');
  const api = 'jobs/' + encodeURIComponent(jobId);
  document.getElementById('job-id').textContent = jobId;
  document.title = 'shiftq ' + jobId;
  Chart.defaults.animation = false;
  shiftq.charts = {};

  // ---- stage bars --------------------------------------------------------------------------------------------
  const bars = {};
  for (const stage of shiftq.STAGES) {
    const fill = shiftq.el('div');
    const detail = shiftq.el('div', {class: 'detail'});
    const percent = shiftq.el('span', {class: 'percent', text: '0%'});
    const box = shiftq.el('div', {class: 'stage', id: 'stage-' + stage, 'data-percent': '0'},
      shiftq.el('strong', {text: stage}), shiftq.el('div', {class: 'bar'}, fill), percent, detail);
    document.getElementById('stages').append(box);
    bars[stage] = {box, fill, percent, detail, value: 0};
  }

  function setBar(stage, value, text, cls) {
    const b = bars[stage];
    b.value = Math.max(b.value, value);          // a redelivered old event never moves a bar back
    b.fill.style.width = b.value + '%';
    b.percent.textContent = b.value.toFixed(1) + '%';
    b.box.dataset.percent = b.value.toFixed(1);
    if (text !== undefined) b.detail.textContent = text;
    if (cls) b.box.classList.add(cls);
  }

  function progressText(p) {
    const parts = [];
    if (p.epoch != null) parts.push(`epoch ${p.epoch}${p.epochs != null ? '/' + p.epochs : ''}`);
    if (p.batch != null) parts.push(`batch ${p.batch}${p.batches != null ? '/' + p.batches : ''}`);
    if (p.loss != null) parts.push('loss ' + p.loss.toFixed(4));
    if (p.accuracy != null) parts.push('acc ' + p.accuracy.toFixed(2) + '%');
    if (p.eta_seconds != null) parts.push('eta ' + Math.round(p.eta_seconds) + ' s');
    if (p.message) parts.push(p.message);
    return parts.join(' \u00b7 ');
  }

  // ---- per-batch QAT curve -----------------------------------------------------------------------------------
  const seen = new Set();
  const batchChart = new Chart(document.getElementById('chart-batches'), {
    type: 'line',
    data: {labels: [], datasets: [
      {label: 'loss', data: [], yAxisID: 'loss', borderColor: '#d64545', pointRadius: 0},
      {label: 'accuracy %', data: [], yAxisID: 'acc', borderColor: '#3b82f6', pointRadius: 0}]},
    options: {maintainAspectRatio: false, scales: {
      x: {title: {display: true, text: 'epoch + batch / batches'}},
      loss: {position: 'left', title: {display: true, text: 'loss'}},
      acc: {position: 'right', title: {display: true, text: 'accuracy %'}, grid: {drawOnChartArea: false}}}},
  });
  shiftq.charts.batches = batchChart;

  function addProgress(p) {
    if (!p || p.stage !== 'qat' || p.loss == null) return;
    const key = p.at + '|' + p.batch + '|' + p.epoch;
    if (seen.has(key)) return;
    seen.add(key);
    const x = (p.epoch != null && p.batch != null && p.batches) ? (p.epoch - 1) + p.batch / p.batches : seen.size;
    batchChart.data.labels.push(x.toFixed(2));
    batchChart.data.datasets[0].data.push(p.loss);
    batchChart.data.datasets[1].data.push(p.accuracy);
    batchChart.update('none');
  }

  // ---- per-epoch QAT curve -----------------------------------------------------------------------------------
  const epochChart = new Chart(document.getElementById('chart-epochs'), {
    type: 'line',
    data: {labels: [], datasets: [
      {label: 'train loss', data: [], yAxisID: 'loss', borderColor: '#d64545'},
      {label: 'train accuracy %', data: [], yAxisID: 'acc', borderColor: '#9aa5b5'},
      {label: 'test accuracy %', data: [], yAxisID: 'acc', borderColor: '#22a05a'}]},
    options: {maintainAspectRatio: false, scales: {
      x: {title: {display: true, text: 'epoch'}},
      loss: {position: 'left', title: {display: true, text: 'loss'}},
      acc: {position: 'right', title: {display: true, text: 'accuracy %'}, grid: {drawOnChartArea: false}}}},
  });
  shiftq.charts.epochs = epochChart;

  function showEpochs(epochs) {
    if (!epochs || !epochs.length || epochChart.data.labels.length === epochs.length) return;
    epochChart.data.labels = epochs.map(e => e.epoch);
    epochChart.data.datasets[0].data = epochs.map(e => e.train_loss);
    epochChart.data.datasets[1].data = epochs.map(e => e.train_accuracy);
    epochChart.data.datasets[2].data = epochs.map(e => e.test_accuracy);
    epochChart.update();
  }

  // ---- the job's snapshot, on every server-sent event --------------------------------------------------------
  let reportLoaded = false;

  function show(job) {
    const state = document.getElementById('state');
    state.textContent = job.state;
    state.className = 'state state-' + job.state;
    document.body.dataset.state = job.state;
    const s = job.setup;
    document.getElementById('setup').textContent = [job.variant, s && s.model, s && s.dataset, shiftq.bits(s),
      s && `${s.qat_epochs} QAT epoch(s)`, job.requested_at && 'requested ' + shiftq.age(job.requested_at) + ' ago']
      .filter(Boolean).join(' \u00b7 ');
    document.getElementById('reason').textContent = job.reason ? 'failed: ' + job.reason : '';
    const notice = document.getElementById('notice');
    notice.textContent = job.notice || '';
    notice.hidden = !job.notice;
    const acc = shiftq.accuracies(job);
    for (const stage of shiftq.STAGES) document.getElementById('acc-' + stage).textContent = shiftq.pct(acc[stage]);
    if (job.progress) {
      setBar(job.progress.stage, job.progress.percent, progressText(job.progress));
      addProgress(job.progress);
    }
    for (const done of job.stages) {
      const text = done.status + (done.accuracy != null ? ', accuracy ' + shiftq.pct(done.accuracy) : '')
        + (done.millis != null ? ', ' + (done.millis / 1000).toFixed(1) + ' s' : '');
      setBar(done.stage, 100, text, 'done');
    }
    for (const f of job.failures) setBar(f.stage, bars[f.stage].value, 'FAILED: ' + f.reason, 'failed');
    showEpochs(job.qat_epochs);
    if (job.state === 'REPORTED' && !reportLoaded) {
      reportLoaded = true;
      fetch(api + '/report').then(r => r.json()).then(showReport);
    }
  }

  // ---- the report: exponent and SQNR charts, the shift table, downloads --------------------------------------
  const exp = t => (t ? t.shift.exponent : null);

  function showReport(report) {
    document.getElementById('no-report').hidden = true;
    const records = report.shift_records;
    const layers = records.map(r => r.layer);
    const broken = records.map(r => (r.violations || []).length > 0);
    const perChannel = records.some(r => r.weight && r.weight.channel_exponents);
    showEpochs(report.qat_epochs);
    shiftq.charts.exponents = new Chart(document.getElementById('chart-exponents'), {
      type: 'bar',
      data: {labels: layers, datasets: [
        {label: perChannel ? 'weight exp (smallest channel)' : 'weight exp', data: records.map(r => exp(r.weight)), backgroundColor: '#3b82f6'},
        {label: 'input exp', data: records.map(r => exp(r.input)), backgroundColor: '#9aa5b5'},
        {label: 'output exp', data: records.map(r => exp(r.output)), backgroundColor: '#22a05a'},
        {label: 'shift_cut', data: records.map(r => r.shift_cut), backgroundColor: broken.map(b => (b ? '#d64545' : '#f2a33a'))}]},
      options: {maintainAspectRatio: false, scales: {x: {ticks: {color: broken.map(b => (b ? '#d64545' : '#1d2430'))}}}},
    });
    shiftq.charts.sqnr = new Chart(document.getElementById('chart-sqnr'), {
      type: 'bar',
      data: {labels: layers, datasets: [
        {label: 'weight', data: records.map(r => (r.weight ? r.weight.sqnr_db : null)), backgroundColor: '#3b82f6'},
        {label: 'input', data: records.map(r => (r.input ? r.input.sqnr_db : null)), backgroundColor: '#9aa5b5'},
        {label: 'output', data: records.map(r => (r.output ? r.output.sqnr_db : null)), backgroundColor: '#22a05a'}]},
      options: {maintainAspectRatio: false},
    });
    const list = document.getElementById('violations');
    list.replaceChildren(...records.filter((r, i) => broken[i]).map(r =>
      shiftq.el('li', {'data-layer': r.layer, text: r.layer + ': ' + r.violations.join('; ')})));
    if (!list.children.length) list.append(shiftq.el('li', {class: 'muted', text: 'no layer breaks a hardware rule (shift_cut \u2265 0, bias shift in range)'}));
    showTarget(report.target, records);
    fillTable(records);
    showDownloads(report);
  }

  // The hardware target (absent for the generic profile): its violation count and the layers its limits moved.
  function showTarget(target, records) {
    const p = document.getElementById('target');
    if (!target) return;
    const moved = records.filter(r => r.target_notes).map(r => r.layer + ': ' + r.target_notes.join('; '));
    const bound = target.largest_accumulator_bound;
    p.textContent = `Target ${target.profile}: ${target.violations} violations` +
      (target.limits.accumulator_bits ? `, ${target.limits.accumulator_bits}-bit accumulator (largest worst case ${bound})` : '') +
      `; ${target.layers_moved} layers moved by its limits` + (moved.length ? ' \u2014 ' + moved.join(' | ') : '');
    p.hidden = false;
  }

  // A per-channel weight sorts by its smallest exponent and shows the range of its channels.
  function channelRange(t) {
    if (!t || !t.channel_exponents) return null;
    const lo = Math.min(...t.channel_exponents);
    const hi = Math.max(...t.channel_exponents);
    return lo === hi ? String(lo) : `${lo}\u2026${hi} per channel`;
  }

  let rows = [];
  function fillTable(records) {
    rows = records.map(r => ({
      layer: r.layer, op: r.op_type, w: exp(r.weight), wText: channelRange(r.weight), b: exp(r.bias), i: exp(r.input), o: exp(r.output),
      cut: r.shift_cut, bshift: r.bias_shift, sqnr: r.weight ? r.weight.sqnr_db : null,
      rules: (r.violations || []).join('; '),
    }));
    render();
  }

  function render() {
    const text = v => (v === null || v === undefined ? '\u2013' : v);
    document.querySelector('#shifts tbody').replaceChildren(...rows.map(r => shiftq.el('tr',
      {class: r.rules ? 'violation' : null, 'data-layer': r.layer},
      shiftq.el('td', {text: r.layer}), shiftq.el('td', {class: 'text', text: text(r.op)}),
      shiftq.el('td', {text: r.wText || text(r.w)}), shiftq.el('td', {text: text(r.b)}), shiftq.el('td', {text: text(r.i)}),
      shiftq.el('td', {text: text(r.o)}), shiftq.el('td', {text: text(r.cut)}), shiftq.el('td', {text: text(r.bshift)}),
      shiftq.el('td', {text: r.sqnr == null ? '\u2013' : r.sqnr.toFixed(2)}), shiftq.el('td', {class: 'rule', text: r.rules}))));
  }

  document.querySelectorAll('#shifts th.sortable').forEach(th => th.addEventListener('click', () => {
    const key = th.dataset.key;
    const asc = !th.classList.contains('sorted-asc');
    document.querySelectorAll('#shifts th').forEach(h => h.classList.remove('sorted-asc', 'sorted-desc'));
    th.classList.add(asc ? 'sorted-asc' : 'sorted-desc');
    const cmp = (a, b) => (a == null) - (b == null) || (typeof a === 'number' ? a - b : String(a).localeCompare(String(b)));
    rows.sort((x, y) => (asc ? 1 : -1) * cmp(x[key], y[key]));
    render();
  }));

  function showDownloads(report) {
    const link = (href, text) => shiftq.el('li', {}, shiftq.el('a', {href, download: '', text}));
    const names = Object.keys(report.artifacts || {}).sort();
    const deploy = names.filter(n => n.startsWith('final_ptq.'));
    const other = names.filter(n => !n.startsWith('final_ptq.'));
    document.getElementById('downloads').replaceChildren(
      link(api + '/report', 'report.json'),
      ...deploy.map(n => link(api + '/artifacts/' + encodeURIComponent(n), n + ' (deployment)')),
      ...other.map(n => link(api + '/artifacts/' + encodeURIComponent(n), n)));
  }

  // ---- start: the progress so far, then the live stream ------------------------------------------------------
  fetch(api + '/progress').then(r => (r.ok ? r.json() : [])).then(history => history.forEach(addProgress))
    .finally(() => shiftq.listen('job-events/' + encodeURIComponent(jobId), show, document.getElementById('live')));
})();
