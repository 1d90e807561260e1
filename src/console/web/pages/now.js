// Now: open or closed and why, the day/night switch (supervisors), calls in progress, the duty line.
import { api, esc } from '../api.js';
import { fmtTime, t } from '../i18n.js';

const canSwitch = (me) => me.role === 'supervisor' || me.role === 'admin';

export async function nowPage(main, me) {
  main.innerHTML = `<p class="card amber" id="calendar-warning" role="status" hidden></p>
    <section class="card" id="state"></section>
    ${canSwitch(me) ? `<form class="card row" id="override">
      <strong>${esc(t('override'))}</strong>
      <label>${esc(t('mode'))}<select name="mode"><option value="night">${esc(t('night'))}</option><option value="day">${esc(t('day'))}</option></select></label>
      <label>${esc(t('until'))}<input name="until" type="datetime-local" required></label>
      <label>${esc(t('reason'))}<input name="reason" maxlength="500"></label>
      <button type="submit">${esc(t('apply'))}</button>
      <button type="button" id="clear-override" hidden>${esc(t('clearOverride'))}</button></form>` : ''}
    <section class="card"><h2>${esc(t('liveCalls'))}</h2><div id="live"></div></section>
    <section class="card"><h2>${esc(t('dutyLine'))}</h2><div id="duty"></div></section>`;
  const form = main.querySelector('#override');
  if (form) {
    const later = new Date(Date.now() + 2 * 3600_000);
    form.until.value = new Date(later.getTime() - later.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const until = new Date(form.until.value).toISOString();
      await api('/api/routing/override', { method: 'PUT', body: { mode: form.mode.value, until, reason: form.reason.value } });
      await refresh();
    });
    // A forgotten switch holds the line in the wrong mode: removing it is one click, not a wait for its end.
    form.querySelector('#clear-override').addEventListener('click', async () => {
      await api('/api/routing/override', { method: 'DELETE' });
      await refresh();
    });
  }
  async function refresh() {
    const [state, live, emergencies, health] = await Promise.all([
      api('/api/routing'),
      api('/api/calls/live'),
      api('/api/calls?outcome=emergency-accepted&limit=1').catch(() => ({ calls: [] })),
      // /health answers 503 with its body when the node cannot take calls: the body is what matters here.
      fetch('/health').then((r) => r.json()).catch(() => ({})),
    ]);
    const missing = health.calendarAhead?.missingYears ?? [];
    const warning = main.querySelector('#calendar-warning');
    warning.hidden = missing.length === 0;
    if (missing.length > 0) warning.innerHTML = `${esc(t('calendarMissing'))} ${esc(missing.join(', '))} · <a href="#/calendar/${esc(missing[0])}">${esc(t('openCalendar'))}</a>`;
    main.querySelector('#state').innerHTML = `<p class="big ${state.open ? 'ok' : 'amber'}" id="open-state">${esc(state.open ? t('open') : t('closed'))}</p>
      <p>${esc(state.reason)}${state.override ? ` · ${esc(t('override'))}: ${esc(t(state.override.mode))} → ${esc(fmtTime(state.override.until))} (${esc(state.override.setBy)})` : ''}</p>
      <p class="muted">${esc(t('nextChange'))}: ${esc(fmtTime(state.nextChange))}</p>`;
    const clear = main.querySelector('#clear-override');
    if (clear) clear.hidden = !state.override;
    main.querySelector('#live').innerHTML = live.calls.length === 0 ? `<p class="muted">${esc(t('none'))}</p>`
      : `<table><thead><tr><th>${esc(t('caller'))}</th><th>${esc(t('node'))}</th><th>${esc(t('since'))}</th></tr></thead><tbody>
        ${live.calls.map((c) => `<tr class="${c.emergency ? 'red' : ''}"><td>${esc(c.caller)}</td><td>${esc(c.node ?? '')}</td><td>${esc(fmtTime(c.startedAt))}</td></tr>`).join('')}</tbody></table>`;
    const last = (emergencies.calls ?? [])[0];
    main.querySelector('#duty').innerHTML = last?.emergency
      ? `<p>${esc(t('lastEmergency'))}: ${esc(fmtTime(last.emergency.requestedAt))} · ${esc(t('acceptedIn'))} ${esc(last.emergency.acceptSeconds ?? '?')} s · ${esc(t('acceptedBy'))} ${esc(last.emergency.acceptedBy ?? '')}</p>`
      : `<p class="muted">${esc(t('lastEmergency'))}: ${esc(t('none'))}</p>`;
  }
  await refresh();
  const timer = setInterval(() => refresh().catch(() => undefined), 3000);
  return () => clearInterval(timer);
}
