import type { Figure, MonthlyFigures } from './kpi.ts';

/**
 * The monthly report (CB-03, RPT-01) in the forms staff take it: CSV for a
 * spreadsheet, and a printable page (the PDF is this page printed by
 * Chromium). Bilingual labels: the standard's Chinese names and English.
 */

export const FIGURE_LABELS: Record<string, { zh: string; en: string }> = {
  answerRate: { zh: '热线接通率', en: 'Answer rate' },
  consultationReplyRate: { zh: '客户咨询回复率', en: 'Consultation reply rate' },
  complaintReplyRate: { zh: '客户投诉回复率', en: 'Complaint reply rate' },
  consultationTimelyRate: { zh: '客户咨询回复及时率', en: 'Consultations replied in time' },
  complaintTimelyRate: { zh: '客户投诉回复及时率', en: 'Complaints replied in time' },
  repeatComplaintRate: { zh: '客户重复投诉率', en: 'Repeat-complaint rate' },
  consultationSatisfaction: { zh: '客户咨询满意率', en: 'Consultation satisfaction' },
  complaintSatisfaction: { zh: '客户投诉满意率', en: 'Complaint satisfaction' },
  complaintCallbackRate: { zh: '投诉客户回访率', en: 'Complaint callback rate' },
  repairCallbackRate: { zh: '故障修复客户回访率', en: 'Repair callback rate' },
  newSupplyCallbackRate: { zh: '新供气客户回访率', en: 'New-supply callback rate' },
};

export function percent(value: number | null): string {
  return value === null ? 'no data' : `${(value * 100).toFixed(1)} %`;
}

function target(f: Figure): string {
  return `${f.target.kind === 'at-least' ? '≥' : '≤'} ${(f.target.value * 100).toFixed(0)} %`;
}

const csvCell = (v: string | number) => (typeof v === 'number' ? String(v) : /[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

export function reportCsv(m: MonthlyFigures): string {
  const rows: Array<Array<string | number>> = [['month', 'id', 'figure', 'numerator', 'denominator', 'value', 'target', 'met']];
  for (const f of m.figures) {
    rows.push([m.month, f.id, FIGURE_LABELS[f.key]?.en ?? f.key, f.numerator, f.denominator, f.value === null ? 'no data' : f.value.toFixed(4), target(f), f.met === null ? '' : f.met ? 'yes' : 'no']);
  }
  const e = m.emergency;
  rows.push([m.month, 'EMG', 'Emergency calls', e.calls, '', '', '', '']);
  rows.push([m.month, 'EMG', 'Emergency calls accepted', e.accepted, e.calls, e.calls ? (e.accepted / e.calls).toFixed(4) : 'no data', '', '']);
  rows.push([m.month, 'EMG', 'Time to accept p50 / p90 / max (s)', e.acceptSeconds ? `${e.acceptSeconds.p50} / ${e.acceptSeconds.p90} / ${e.acceptSeconds.max}` : 'no data', '', '', '', '']);
  rows.push([m.month, 'EMG', 'Abandoned before acceptance', e.abandoned, '', '', '', '']);
  rows.push([m.month, 'EMG', 'Abandoned and called back', e.calledBack, '', '', '', '']);
  rows.push([]);
  rows.push(['date', 'calls', 'answered', 'answer rate', 'emergencies', 'accept p50 (s)']);
  for (const d of m.days) rows.push([d.date, d.calls, d.answered, d.answerRate === null ? '' : d.answerRate.toFixed(4), d.emergencies, d.acceptP50 ?? '']);
  return rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A self-contained printable page (no scripts, no external files): what the PDF shows. */
export function reportHtml(m: MonthlyFigures, generatedAt: Date): string {
  const figureRows = m.figures.map((f) => {
    const label = FIGURE_LABELS[f.key] ?? { zh: f.key, en: f.key };
    const state = f.met === null ? 'nodata' : f.met ? 'met' : 'missed';
    return `<tr class="${state}"><td>${esc(f.id)}</td><td>${esc(label.zh)}<br><small>${esc(label.en)}</small></td>`
      + `<td class="n">${f.numerator} / ${f.denominator}</td><td class="n">${esc(percent(f.value))}</td><td class="n">${esc(target(f))}</td></tr>`;
  }).join('\n');
  const e = m.emergency;
  const bar = (v: number | null) => (v === null ? '' : `<span class="bar" style="width:${Math.round(v * 100)}%"></span>`);
  const dayRows = m.days.map((d) => `<tr><td>${d.date}</td><td class="n">${d.calls}</td><td class="n">${esc(percent(d.answerRate))}</td><td class="barcell">${bar(d.answerRate)}</td><td class="n">${d.emergencies}</td><td class="n">${d.acceptP50 ?? ''}</td></tr>`).join('\n');
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>月度报告 Monthly report ${esc(m.month)}</title>
<style>
body { font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif; margin: 2em; color: #111; }
h1 { font-size: 1.4em; } table { border-collapse: collapse; width: 100%; margin-bottom: 1.5em; }
td, th { border: 1px solid #999; padding: 4px 6px; text-align: left; vertical-align: top; } .n { text-align: right; white-space: nowrap; }
tr.missed td:nth-child(4) { color: #a00; font-weight: bold; } tr.nodata td:nth-child(4) { color: #666; }
.barcell { width: 30%; } .bar { display: inline-block; height: 0.8em; background: #2b6cb0; }
small { color: #555; }
</style></head><body>
<h1>燃气服务热线月度报告 · Monthly hotline report · ${esc(m.month)}</h1>
<p>时区 Time zone: ${esc(m.timeZone)} · 生成时间 Generated: ${esc(generatedAt.toISOString())}</p>
<h2>服务指标 Service figures</h2>
<table><thead><tr><th>ID</th><th>指标 Figure</th><th>分子/分母 n/d</th><th>数值 Value</th><th>目标 Target</th></tr></thead><tbody>
${figureRows}
</tbody></table>
<h2>抢险热线 Emergency line</h2>
<table><tbody>
<tr><td>紧急来电 Emergency calls</td><td class="n">${e.calls}</td></tr>
<tr><td>值班接听 Accepted by the duty officer</td><td class="n">${e.accepted}</td></tr>
<tr><td>接听用时 Time to accept p50 / p90 / max</td><td class="n">${e.acceptSeconds ? `${e.acceptSeconds.p50} s / ${e.acceptSeconds.p90} s / ${e.acceptSeconds.max} s` : 'no data'}</td></tr>
<tr><td>放弃 Abandoned before acceptance</td><td class="n">${e.abandoned}</td></tr>
<tr><td>已回拨 Called back</td><td class="n">${e.calledBack}</td></tr>
</tbody></table>
<h2>每日 Day by day</h2>
<table><thead><tr><th>日期 Date</th><th>来电 Calls</th><th>接通率 Answer rate</th><th></th><th>紧急 Emergencies</th><th>接听用时 p50 (s)</th></tr></thead><tbody>
${dayRows}
</tbody></table>
</body></html>`;
}

/** The figures as plain lines for an e-mail body: "KPI-01 answer rate: 93.1 % (931/1000, target ≥ 90 %, met)". */
export function reportLines(m: MonthlyFigures): string[] {
  const lines = m.figures.map((f) => {
    const label = FIGURE_LABELS[f.key];
    const value = f.value === null ? 'no data / 无数据' : `${(f.value * 100).toFixed(1)} % (${f.numerator}/${f.denominator})`;
    const verdict = f.met === null ? '' : f.met ? ', met' : ', NOT met';
    return `${f.id} ${label ? `${label.en} / ${label.zh}` : f.key}: ${value}, target ${target(f)}${verdict}`;
  });
  const e = m.emergency;
  const accept = e.acceptSeconds ? `, accepted in p50 ${e.acceptSeconds.p50} s / p90 ${e.acceptSeconds.p90} s / max ${e.acceptSeconds.max} s` : '';
  lines.push(`Emergency calls / 紧急来电: ${e.calls}, accepted ${e.accepted}${accept}, abandoned ${e.abandoned}, called back ${e.calledBack}`);
  return lines;
}
