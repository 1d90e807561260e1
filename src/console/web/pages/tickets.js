// Tickets: the queue (overdue first, deadlines counting down), one ticket with its recording, history and changes.
import { api, esc } from '../api.js';
import { fmtTime, t } from '../i18n.js';

const STATUSES = ['new', 'assigned', 'in_progress', 'resolved', 'closed', 'reopened'];
const CATEGORIES = ['repair', 'billing', 'complaint', 'other'];
const FINISHED = ['resolved', 'closed'];
/** A deadline closer than this turns amber; past it, red. */
const AMBER_MS = 4 * 3600_000;

function countdown(deadline, status) {
  if (FINISHED.includes(status)) return { text: '', cls: '' };
  const left = new Date(deadline).getTime() - Date.now();
  const abs = Math.abs(left);
  const h = Math.floor(abs / 3600_000), m = Math.floor((abs % 3600_000) / 60_000), s = Math.floor((abs % 60_000) / 1000);
  const text = `${left < 0 ? '−' : ''}${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  return { text, cls: left < 0 ? 'red' : left < AMBER_MS ? 'amber' : 'ok' };
}

function tickCountdowns(root) {
  for (const el of root.querySelectorAll('[data-deadline]')) {
    const c = countdown(el.dataset.deadline, el.dataset.status);
    el.textContent = c.text;
    el.className = `n countdown ${c.cls}`;
  }
}

const options = (values, selected, blank) => (blank ? `<option value="">${esc(blank)}</option>` : '')
  + values.map((v) => `<option value="${v}"${v === selected ? ' selected' : ''}>${esc(v)}</option>`).join('');

export async function ticketsPage(main) {
  main.innerHTML = `<form class="card row" id="filters">
      <label>${esc(t('status'))}<select name="status">${options(STATUSES, '', t('all'))}</select></label>
      <label>${esc(t('category'))}<select name="category">${options(CATEGORIES, '', t('all'))}</select></label>
      <label><span>${esc(t('overdue'))}</span><input type="checkbox" name="overdue"></label>
    </form><div id="queue"></div>`;
  const form = main.querySelector('#filters');
  async function load() {
    const q = new URLSearchParams({ limit: '200' });
    if (form.status.value) q.set('status', form.status.value);
    if (form.category.value) q.set('category', form.category.value);
    if (form.overdue.checked) q.set('overdue', 'true');
    const { tickets } = await api(`/api/tickets?${q}`);
    tickets.sort((a, b) => (b.overdue - a.overdue) || (new Date(a.deadline) - new Date(b.deadline)));
    main.querySelector('#queue').innerHTML = `<table><thead><tr><th>${esc(t('reference'))}</th><th>${esc(t('category'))}</th><th>${esc(t('status'))}</th>
      <th>${esc(t('assignee'))}</th><th>${esc(t('created'))}</th><th class="n">${esc(t('deadline'))}</th></tr></thead><tbody>
      ${tickets.map((k) => `<tr class="clickable" tabindex="0" data-ref="${esc(k.reference)}"><td><a href="#/tickets/${esc(k.reference)}">${esc(k.reference)}</a></td>
        <td>${esc(k.category)}</td><td>${esc(k.status)}</td><td>${esc(k.assignee ?? '')}</td><td>${esc(fmtTime(k.createdAt))}</td>
        <td data-deadline="${esc(k.deadline)}" data-status="${esc(k.status)}"></td></tr>`).join('')}</tbody></table>`;
    tickCountdowns(main);
  }
  form.addEventListener('change', () => load());
  main.querySelector('#queue').addEventListener('keydown', (e) => { if (e.key === 'Enter' && e.target.dataset.ref) location.hash = `#/tickets/${e.target.dataset.ref}`; });
  main.querySelector('#queue').addEventListener('click', (e) => { const tr = e.target.closest('tr[data-ref]'); if (tr) location.hash = `#/tickets/${tr.dataset.ref}`; });
  await load();
  const tick = setInterval(() => tickCountdowns(main), 1000);
  const reload = setInterval(() => load().catch(() => undefined), 15_000);
  return () => { clearInterval(tick); clearInterval(reload); };
}

export async function ticketPage(main, me, ref) {
  async function render() {
    // The ticket, its history, its notifications, and what other features add (its callbacks, its survey answers).
    const { ticket: k, history, ...more } = await api(`/api/tickets/${encodeURIComponent(ref)}`);
    const extras = Object.keys(more).filter((x) => more[x] !== null && !(Array.isArray(more[x]) && more[x].length === 0));
    main.innerHTML = `<p><a href="#/tickets">← ${esc(t('back'))}</a></p>
      <section class="card"><h1>${esc(k.reference)} · ${esc(k.category)}</h1>
        <p>${esc(t('status'))}: <strong id="ticket-status">${esc(k.status)}</strong> · ${esc(t('level'))}: ${esc(k.level ?? '—')} · ${esc(t('assignee'))}: ${esc(k.assignee ?? '—')}</p>
        <p>${esc(t('caller'))}: ${esc(k.callerNumber)} · ${esc(t('deadline'))}: ${esc(fmtTime(k.deadline))} <span data-deadline="${esc(k.deadline)}" data-status="${esc(k.status)}"></span></p>
        ${k.recording.url ? `<p>${esc(t('recording'))}: <audio id="recording" controls preload="metadata" src="${esc(k.recording.url)}"></audio></p>` : `<p class="muted">${esc(t('recording'))}: ${esc(k.recording.state)}</p>`}
        ${k.recording.end === 'node-lost' ? `<p class="red" id="node-lost">${esc(t('nodeLost', { node: k.recording.node }))}</p>` : ''}
      </section>
      <form class="card row" id="change">
        <label>${esc(t('status'))}<select name="status">${options(STATUSES, k.status)}</select></label>
        <label>${esc(t('level'))}<select name="level">${options(['1', '2', '3', '4'], k.level ? String(k.level) : '', '—')}</select></label>
        <label>${esc(t('note'))}<input name="note" maxlength="4000" size="40"></label>
        <button type="submit">${esc(t('save'))}</button>
        <button type="button" id="claim">${esc(t('claim'))}</button>
        <span id="saved" class="ok" role="status"></span>
      </form>
      <section class="card"><h2>${esc(t('history'))}</h2><table><tbody>
        ${history.map((h) => `<tr><td>${esc(fmtTime(h.at))}</td><td>${esc(h.actor)}</td><td>${esc(h.action)}</td><td>${esc(JSON.stringify(h.from ?? ''))} → ${esc(JSON.stringify(h.to ?? ''))}</td><td>${esc(h.note ?? '')}</td></tr>`).join('')}
      </tbody></table></section>
      ${extras.length ? `<section class="card"><h2>${esc(t('callbackDetails'))}</h2>${extras.map((x) => `<h3>${esc(x)}</h3><pre>${esc(JSON.stringify(more[x], null, 2))}</pre>`).join('')}</section>` : ''}`;
    tickCountdowns(main);
    const form = main.querySelector('#change');
    const patch = async (body) => {
      await api(`/api/tickets/${encodeURIComponent(ref)}`, { method: 'PATCH', body });
      await render();
      main.querySelector('#saved').textContent = t('saved');
    };
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const body = {};
      if (form.status.value !== k.status) body.status = form.status.value;
      if (form.level.value && Number(form.level.value) !== k.level) body.level = Number(form.level.value);
      if (form.note.value.trim()) body.note = form.note.value.trim();
      if (Object.keys(body).length) patch(body).catch((err) => { main.querySelector('#saved').textContent = err.message; });
    });
    main.querySelector('#claim').addEventListener('click', () => patch({ assignee: me.username }).catch((err) => { main.querySelector('#saved').textContent = err.message; }));
  }
  await render();
  const tick = setInterval(() => tickCountdowns(main), 1000);
  return () => clearInterval(tick);
}
