// Audit log (admins): who read which recording and who changed what, newest first, filtered and paged.
import { api, esc } from '../api.js';
import { fmtTime, t } from '../i18n.js';

const PAGE = 50;

export async function auditPage(main) {
  main.innerHTML = `<form class="card row" id="audit-filter">
      <label>${esc(t('actor'))}<input name="actor" maxlength="100"></label>
      <label>${esc(t('action'))}<input name="action" maxlength="200" placeholder="recording.read"></label>
      <label>${esc(t('fromDate'))}<input name="from" type="date"></label>
      <label>${esc(t('toDate'))}<input name="to" type="date"></label>
      <button type="submit">${esc(t('show'))}</button></form>
    <section class="card"><div id="audit"></div>
      <p class="row"><button type="button" id="prev">←</button><span id="page-info"></span><button type="button" id="next">→</button></p></section>`;
  const form = main.querySelector('#audit-filter');
  let offset = 0;
  async function load() {
    const q = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
    if (form.actor.value) q.set('actor', form.actor.value);
    if (form.action.value) q.set('action', form.action.value);
    // Dates are the browser's local days: from its midnight, up to the next day's.
    if (form.from.value) q.set('from', new Date(`${form.from.value}T00:00`).toISOString());
    if (form.to.value) q.set('to', new Date(new Date(`${form.to.value}T00:00`).getTime() + 86_400_000).toISOString());
    const { entries, total } = await api(`/api/audit?${q}`);
    main.querySelector('#audit').innerHTML = entries.length === 0 ? `<p class="muted">${esc(t('none'))}</p>`
      : `<table><thead><tr><th>${esc(t('time'))}</th><th>${esc(t('actor'))}</th><th>${esc(t('action'))}</th><th>${esc(t('subject'))}</th><th class="n">${esc(t('status'))}</th></tr></thead><tbody>
        ${entries.map((e) => `<tr data-action="${esc(e.action)}"><td>${esc(fmtTime(e.at))}</td><td>${esc(e.actor)} <small class="muted">${esc(e.role)}</small></td>
          <td>${esc(e.action)}</td><td>${esc(e.subject ?? '')}</td><td class="n">${esc(e.status ?? '')}</td></tr>`).join('')}</tbody></table>`;
    main.querySelector('#page-info').textContent = ` ${total === 0 ? 0 : offset + 1}–${offset + entries.length} / ${total} `;
    main.querySelector('#prev').disabled = offset === 0;
    main.querySelector('#next').disabled = offset + entries.length >= total;
  }
  form.addEventListener('submit', (e) => { e.preventDefault(); offset = 0; void load(); });
  main.querySelector('#prev').addEventListener('click', () => { offset = Math.max(0, offset - PAGE); void load(); });
  main.querySelector('#next').addEventListener('click', () => { offset += PAGE; void load(); });
  await load();
}
