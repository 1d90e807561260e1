// Callbacks: the outbound jobs with their attempts, retry now or cancel, and the opt-out list.
import { api, esc } from '../api.js';
import { fmtTime, t } from '../i18n.js';

export async function callbacksPage(main) {
  async function load() {
    const [{ jobs }, { optOuts }] = await Promise.all([api('/api/callbacks?limit=100'), api('/api/opt-outs?limit=200&offset=0')]);
    main.innerHTML = `<section class="card"><h2>${esc(t('jobs'))}</h2><table><thead><tr><th>${esc(t('kind'))}</th><th>${esc(t('number'))}</th>
      <th>${esc(t('status'))}</th><th class="n">${esc(t('attempts'))}</th><th>${esc(t('result'))}</th><th></th></tr></thead><tbody>
      ${jobs.map((j) => `<tr><td>${esc(j.kind)}</td><td>${esc(j.number)}</td><td>${esc(j.status)}</td><td class="n">${j.attempts}/${j.maxAttempts}</td>
        <td>${esc(j.result ?? '')}<br><small class="muted">${(j.attemptList ?? []).map((a) => `${esc(fmtTime(a.startedAt))} ${esc(a.outcome ?? a.state)}`).join(' · ')}</small></td>
        <td>${['pending', 'unreachable'].includes(j.status) ? `<button data-retry="${j.id}">${esc(t('retry'))}</button>` : ''}
            ${j.status === 'pending' ? `<button data-cancel="${j.id}">${esc(t('cancel'))}</button>` : ''}</td></tr>`).join('')}
      </tbody></table></section>
      <section class="card"><h2>${esc(t('optOuts'))}</h2>
        <form class="row" id="optout"><label>${esc(t('number'))}<input name="number" pattern="\\+?[0-9]{3,20}" required></label><button type="submit">${esc(t('add'))}</button></form>
        <table><tbody>${optOuts.map((o) => `<tr><td>${esc(o.number)}</td><td>${esc(o.source)}</td><td>${esc(fmtTime(o.at))}</td><td><button data-remove="${esc(o.number)}">${esc(t('remove'))}</button></td></tr>`).join('')}</tbody></table>
      </section>`;
  }
  main.addEventListener('click', async (e) => {
    const b = e.target.closest('button');
    if (!b) return;
    if (b.dataset.retry) await api(`/api/callbacks/${b.dataset.retry}/retry`, { method: 'POST' });
    else if (b.dataset.cancel) await api(`/api/callbacks/${b.dataset.cancel}/cancel`, { method: 'POST' });
    else if (b.dataset.remove) await api(`/api/opt-outs/${encodeURIComponent(b.dataset.remove)}`, { method: 'DELETE' });
    else return;
    await load();
  });
  main.addEventListener('submit', async (e) => {
    if (e.target.id !== 'optout') return;
    e.preventDefault();
    await api(`/api/opt-outs/${encodeURIComponent(e.target.number.value)}`, { method: 'PUT', body: {} });
    await load();
  });
  await load();
}
