// Calendar: the year's holidays and make-up working days; supervisors add and remove days or import an iCalendar file.
import { api, esc } from '../api.js';
import { t } from '../i18n.js';

const canEdit = (me) => me.role === 'supervisor' || me.role === 'admin';

export async function calendarPage(main, me, yearParam) {
  const year = Number(yearParam) || new Date().getFullYear();
  const data = await api(`/api/calendar/days?year=${year}`);
  const edit = canEdit(me);
  main.innerHTML = `<section class="card"><h2>${esc(t('calendar'))} ${year}</h2>
      <p class="row"><a href="#/calendar/${year - 1}">← ${year - 1}</a> <a href="#/calendar/${year + 1}">${year + 1} →</a></p>
      ${data.holidaysKnown ? '' : `<p class="amber" id="year-unknown" role="status">${esc(t('yearUnknown'))}</p>`}
      <table id="days"><thead><tr><th>${esc(t('date'))}</th><th>${esc(t('kind'))}</th><th>${esc(t('name'))}</th><th>${esc(t('source'))}</th><th></th></tr></thead><tbody>
      ${data.days.map((d) => `<tr data-date="${esc(d.date)}"><td>${esc(d.date)}</td><td>${esc(t(d.kind))}</td><td>${esc(d.name)}</td>
        <td>${esc(d.source === 'config' ? t('configured') : `${d.setBy ?? ''}`)}</td>
        <td>${edit && d.source === 'database' ? `<button data-remove="${esc(d.date)}" aria-label="${esc(t('remove'))} ${esc(d.date)}">${esc(t('remove'))}</button>` : ''}</td></tr>`).join('')}
      </tbody></table></section>
    ${edit ? `<form class="card row" id="add-day"><strong>${esc(t('addDay'))}</strong>
        <label>${esc(t('date'))}<input name="date" type="date" required></label>
        <label>${esc(t('kind'))}<select name="kind"><option value="holiday">${esc(t('holiday'))}</option><option value="makeup-workday">${esc(t('makeup-workday'))}</option></select></label>
        <label>${esc(t('name'))}<input name="name" maxlength="100"></label>
        <button type="submit">${esc(t('add'))}</button></form>
      <form class="card row" id="import"><strong>${esc(t('importIcal'))}</strong>
        <label>${esc(t('file'))}<input name="file" type="file" accept=".ics,text/calendar" required></label>
        <button type="submit">${esc(t('import'))}</button><span id="import-result" role="status"></span></form>` : ''}`;
  if (!edit) return;
  const reload = () => calendarPage(main, me, year);
  main.querySelector('#days').addEventListener('click', async (e) => {
    const date = e.target.closest('button')?.dataset.remove;
    if (!date) return;
    await api(`/api/calendar/days/${date}`, { method: 'DELETE' });
    await reload();
  });
  main.querySelector('#add-day').addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = e.target;
    await api(`/api/calendar/days/${f.date.value}`, { method: 'PUT', body: { kind: f.kind.value, name: f.name.value } });
    // Show the year of the day just entered, where the supervisor expects to find it.
    location.hash = `#/calendar/${f.date.value.slice(0, 4)}`;
    if (Number(f.date.value.slice(0, 4)) === year) await reload();
  });
  main.querySelector('#import').addEventListener('submit', async (e) => {
    e.preventDefault();
    const file = e.target.file.files[0];
    const r = await api('/api/calendar/import', { method: 'POST', body: { ical: await file.text() } });
    const summary = `${t('imported')}: ${r.holidays} ${t('holiday')}, ${r.makeupWorkdays} ${t('makeup-workday')} (${r.added} ${t('added')}, ${r.changed} ${t('changed')}, ${r.unchanged} ${t('unchanged')}) ${r.years.join(', ')}`;
    if (r.years.length > 0 && !r.years.includes(year)) location.hash = `#/calendar/${r.years[0]}`;
    else await reload();
    const shown = main.querySelector('#import-result');
    if (shown) shown.textContent = summary;
  });
}
