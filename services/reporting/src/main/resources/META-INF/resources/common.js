// Helpers shared by the job list and the job view. No network code besides fetch and EventSource.
'use strict';

const shiftq = window.shiftq = window.shiftq || {};

shiftq.STAGES = ['calibration', 'ptq', 'qat', 'final_ptq'];

shiftq.el = function (tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined) continue;
    if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
};

shiftq.pct = v => (v === null || v === undefined) ? '\u2013' : v.toFixed(2) + '%';

shiftq.bits = setup => setup
  ? `W${setup.weight_bits}${setup.per_channel ? ' per-ch' : ''} / B${setup.bias_bits} / I${setup.input_bits} / O${setup.output_bits}`
  : '\u2013';

shiftq.age = iso => {
  if (!iso) return '\u2013';
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (s < 90) return Math.round(s) + ' s';
  if (s < 5400) return Math.round(s / 60) + ' min';
  if (s < 172800) return Math.round(s / 3600) + ' h';
  return Math.round(s / 86400) + ' d';
};

/** Accuracy after each stage from the finished stages (a skipped stage carries none). */
shiftq.accuracies = job => {
  const by = {};
  for (const s of job.stages || []) by[s.stage] = s.accuracy;
  return by;
};

/** Opens a server-sent event stream; the browser reconnects by itself after a drop. */
shiftq.listen = function (url, onJob, status) {
  const source = new EventSource(url);
  shiftq.sseMessages = 0;
  source.onopen = () => { if (status) status.textContent = 'live'; };
  source.onerror = () => { if (status) status.textContent = 'reconnecting\u2026'; };
  source.onmessage = e => { shiftq.sseMessages++; onJob(JSON.parse(e.data)); };
  return source;
};
