// Figures: the standard's KPIs for a month with their numerators, denominators and targets; plots of the daily series.
import { api, esc } from '../api.js';
import { pct, t } from '../i18n.js';

function lastMonth() {
  const d = new Date();
  d.setDate(1);
  d.setMonth(d.getMonth() - 1);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

function plot(el, title, days, values, scale) {
  const xs = days.map((d) => Date.parse(`${d.date}T12:00:00Z`) / 1000);
  // uPlot (served from the project, no CDN) draws on a canvas.
  return new window.uPlot({
    title, width: 520, height: 240,
    scales: { y: scale },
    series: [{}, { label: title, stroke: '#2b6cb0', width: 2, spanGaps: false, points: { show: true } }],
  }, [xs, values], el);
}

export async function figuresPage(main, me) {
  const month = new URLSearchParams(location.hash.split('?')[1] ?? '').get('month') ?? lastMonth();
  main.innerHTML = `<form class="card row" id="pick"><label>${esc(t('month'))}<input name="month" type="month" value="${esc(month)}" required></label>
    <button type="submit">${esc(t('show'))}</button><span class="spacer"></span><span id="links"></span></form><div id="figs"></div>`;
  const plots = [];
  async function load(m) {
    plots.splice(0).forEach((p) => p.destroy());
    const f = await api(`/api/figures/monthly?month=${encodeURIComponent(m)}`);
    const base = `/api/reports/monthly?month=${encodeURIComponent(m)}`;
    main.querySelector('#links').innerHTML = `<a href="${base}&format=csv">CSV</a> · <a href="${base}&format=html" target="_blank" rel="noopener">${esc(t('printable'))}</a> · <a id="pdf" href="${base}&format=pdf" download>PDF</a>`;
    const e = f.emergency;
    main.querySelector('#figs').innerHTML = `<section class="card"><table id="kpis"><thead><tr><th>ID</th><th>${esc(t('figure'))}</th><th class="n">n / d</th><th class="n">${esc(t('value'))}</th><th class="n">${esc(t('target'))}</th></tr></thead><tbody>
      ${f.figures.map((x) => `<tr data-key="${esc(x.key)}"><td>${esc(x.id)}</td><td>${esc(x.key)}${x.note ? `<br><small class="muted">${esc(x.note)}</small>` : ''}</td>
        <td class="n">${x.numerator} / ${x.denominator}</td><td class="n ${x.met === null ? '' : x.met ? 'ok' : 'red'}">${esc(pct(x.value))}</td>
        <td class="n">${x.target.kind === 'at-least' ? '≥' : '≤'} ${(x.target.value * 100).toFixed(0)} %</td></tr>`).join('')}</tbody></table></section>
      <section class="card"><h2>${esc(t('emergency'))}</h2><p>${e.calls} · ${e.accepted} ✓ · p50/p90/max ${e.acceptSeconds ? `${e.acceptSeconds.p50}/${e.acceptSeconds.p90}/${e.acceptSeconds.max} s` : esc(t('noData'))} · ${e.abandoned} ✗ · ${e.calledBack} ↺</p></section>
      <section class="card plots"><div id="plot-answer"></div><div id="plot-accept"></div></section>`;
    if (!window.uPlot) return;
    plots.push(plot(main.querySelector('#plot-answer'), t('answerRateByDay'), f.days, f.days.map((d) => (d.answerRate === null ? null : d.answerRate * 100)), { range: [0, 100] }));
    plots.push(plot(main.querySelector('#plot-accept'), t('acceptByDay'), f.days, f.days.map((d) => d.acceptP50), {}));
  }
  main.querySelector('#pick').addEventListener('submit', (e) => { e.preventDefault(); load(e.target.month.value); });
  await load(month);
  return () => plots.forEach((p) => p.destroy());
}
