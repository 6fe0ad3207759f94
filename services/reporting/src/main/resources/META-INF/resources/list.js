// The job list (live) and the submit form.
'use strict';

(function () {
  const rows = new Map();
  const tbody = document.querySelector('#jobs tbody');

  function row(job) {
    const acc = shiftq.accuracies(job);
    const setup = job.setup;
    const link = shiftq.el('a', {href: 'job.html?id=' + encodeURIComponent(job.job_id), text: job.job_id});
    return shiftq.el('tr', {'data-job': job.job_id, 'data-state': job.state},
      shiftq.el('td', {}, link),
      shiftq.el('td', {class: 'text'}, shiftq.el('span', {class: 'state state-' + job.state, text: job.state,
        title: job.notice || ''}), job.notice ? shiftq.el('span', {class: 'notice-mark', text: ' \u26A0', title: job.notice}) : ''),
      shiftq.el('td', {class: 'text', text: job.variant || '\u2013'}),
      shiftq.el('td', {class: 'text', text: setup ? setup.model : '\u2013'}),
      shiftq.el('td', {class: 'text', text: shiftq.bits(setup)}),
      shiftq.el('td', {text: shiftq.pct(acc.calibration)}),
      shiftq.el('td', {text: shiftq.pct(acc.ptq)}),
      shiftq.el('td', {text: shiftq.pct(acc.qat)}),
      shiftq.el('td', {text: shiftq.pct(acc.final_ptq)}),
      shiftq.el('td', {class: 'age', 'data-since': job.requested_at || (job.stages[0] || {}).started_at || '',
        text: shiftq.age(job.requested_at || (job.stages[0] || {}).started_at)}));
  }

  function update(job) {
    const fresh = row(job);
    const old = rows.get(job.job_id);
    if (old) old.replaceWith(fresh); else tbody.prepend(fresh);   // newest first
    rows.set(job.job_id, fresh);
  }

  shiftq.listen('job-events', update, document.getElementById('live'));
  // Ages are re-rendered from the clock alone; nothing is fetched.
  setInterval(() => document.querySelectorAll('td.age').forEach(td => { td.textContent = shiftq.age(td.dataset.since); }), 10000);

  const form = document.getElementById('submit');
  const fields = {job_id: 'f-job-id', variant: 'f-variant', config: 'f-config'};

  function showProblems(problems) {
    for (const [field, id] of Object.entries(fields)) {
      const mine = problems.filter(p => p.field === field);
      const box = document.getElementById('err-' + field);
      box.replaceChildren();
      document.getElementById(id).classList.toggle('invalid', mine.length > 0);
      if (mine.length) {
        box.append(shiftq.el('ul', {}, ...mine.map(p => shiftq.el('li', {'data-key': p.key || field, text: p.message}))));
      }
    }
  }

  form.addEventListener('submit', async e => {
    e.preventDefault();
    const result = document.getElementById('f-result');
    result.textContent = 'submitting\u2026';
    const body = {
      job_id: document.getElementById('f-job-id').value,
      variant: document.getElementById('f-variant').value,
      config: document.getElementById('f-config').value,
    };
    const response = await fetch('jobs', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
    const answer = await response.json().catch(() => ({}));
    if (response.status === 400) {
      showProblems(answer.problems);
      result.textContent = 'not submitted: fix the fields marked';
      return;
    }
    showProblems([]);
    if (!response.ok) {
      result.textContent = 'not submitted: ' + (answer.error || response.status);
      return;
    }
    result.replaceChildren('submitted ', shiftq.el('a', {id: 'f-job-link', href: 'job.html?id=' + encodeURIComponent(answer.job_id), text: answer.job_id}));
  });
})();
