import type { CalendarConfig, Language } from '../config/schema.ts';
import { FULL_DAY, intervalsKey, normaliseIntervals, type OpeningInterval } from './intervals.ts';
import { WEEKDAYS } from './local-time.ts';

/**
 * The service-hours sentence of the after-hours message (HRS-09), built from
 * the weekly hours so that what callers hear can never disagree with when the
 * line is actually staffed. A TTS engine speaks it, so times are written the
 * way a person says them, not as '08:00'.
 */

const DAY_NAMES: Record<Language, readonly string[]> = {
  'zh-CN': ['周一', '周二', '周三', '周四', '周五', '周六', '周日'],
  'en-US': ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
};

/** Days (0 = Monday) that share one set of hours, in order of their first day. */
interface HoursGroup {
  days: number[];
  intervals: OpeningInterval[];
}

function groupDays(cal: CalendarConfig): HoursGroup[] {
  const groups = new Map<string, HoursGroup>();
  WEEKDAYS.forEach((weekday, index) => {
    const intervals = normaliseIntervals(cal.weekly[weekday]);
    // Closed days are left out: "Monday to Friday" already says Sunday is closed.
    if (intervals.length === 0) return;
    const key = intervalsKey(intervals);
    const group = groups.get(key) ?? { days: [], intervals };
    group.days.push(index);
    groups.set(key, group);
  });
  return [...groups.values()];
}

/** Runs of consecutive days: [0,1,2,3,4,6] → [[0,4],[6,6]]. */
function runs(days: readonly number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const d of days) {
    const last = out.at(-1);
    if (last && d === last[1] + 1) last[1] = d;
    else out.push([d, d]);
  }
  return out;
}

function joinEnglish(items: readonly string[]): string {
  if (items.length <= 2) return items.join(' and ');
  return `${items.slice(0, -1).join(', ')}, and ${items.at(-1)}`;
}

/** "周一至周五、周日" / "Monday to Friday and Sunday"; two adjacent days are named one by one. */
function describeDays(days: readonly number[], lang: Language): string {
  if (days.length === 7) return lang === 'zh-CN' ? '每天' : 'every day';
  const names = DAY_NAMES[lang];
  const items = runs(days).flatMap(([from, to]) => {
    if (to - from >= 2) return [lang === 'zh-CN' ? `${names[from]}至${names[to]}` : `${names[from]} to ${names[to]}`];
    return from === to ? [names[from]!] : [names[from]!, names[to]!];
  });
  return lang === 'zh-CN' ? items.join('、') : joinEnglish(items);
}

function zhPeriod(minutes: number): string {
  const hour = Math.floor(minutes / 60);
  if (hour < 6) return '凌晨';
  if (hour < 9) return '早上';
  if (hour < 12) return '上午';
  if (hour < 13) return '中午';
  if (hour < 18) return '下午';
  return '晚上';
}

/** "8点", "8点半", "8点15分", on a 12-hour dial; 24:00 is 晚上12点, as people say midnight. */
function zhClock(minutes: number): string {
  const hour = Math.floor(minutes / 60) % 24;
  const minute = minutes % 60;
  const dial = minutes === FULL_DAY ? 12 : hour > 12 ? hour - 12 : hour;
  if (minute === 0) return `${dial}点`;
  if (minute === 30) return `${dial}点半`;
  return `${dial}点${String(minute).padStart(2, '0')}分`;
}

function zhRange(iv: OpeningInterval): string {
  const endPeriod = iv.end === FULL_DAY ? '晚上' : zhPeriod(iv.end);
  const startPeriod = zhPeriod(iv.start);
  // "上午9点至11点半": the second 上午 is heard as redundant.
  return `${startPeriod}${zhClock(iv.start)}至${endPeriod === startPeriod ? '' : endPeriod}${zhClock(iv.end)}`;
}

/** "8 a.m.", "8:30 p.m.", "noon", "midnight". */
function enClock(minutes: number): string {
  if (minutes === 0 || minutes === FULL_DAY) return 'midnight';
  if (minutes === 720) return 'noon';
  const hour = Math.floor(minutes / 60);
  const minute = minutes % 60;
  const dial = hour % 12 === 0 ? 12 : hour % 12;
  const time = minute === 0 ? `${dial}` : `${dial}:${String(minute).padStart(2, '0')}`;
  return `${time} ${hour < 12 ? 'a.m.' : 'p.m.'}`;
}

function isFullDay(intervals: readonly OpeningInterval[]): boolean {
  return intervals.length === 1 && intervals[0]!.start === 0 && intervals[0]!.end === FULL_DAY;
}

function zhClause(group: HoursGroup): string {
  const times = isFullDay(group.intervals) ? '全天24小时' : group.intervals.map(zhRange).join('和');
  return `${describeDays(group.days, 'zh-CN')}，${times}`;
}

function enClause(group: HoursGroup): string {
  const days = describeDays(group.days, 'en-US');
  if (isFullDay(group.intervals)) return `${days}, 24 hours a day`;
  const ranges = group.intervals.map((iv) => `from ${enClock(iv.start)} to ${enClock(iv.end)}`);
  return `${days} ${ranges.join(' and ')}`;
}

/**
 * The sentence callers hear after hours, e.g. "本热线人工服务时间为：周一至周五，
 * 早上8点至晚上8点；周六，上午9点至下午5点；法定节假日除外。". Only the weekly
 * hours are described; holidays are covered by the closing exception, and
 * make-up working days are too irregular to announce.
 */
export function describeServiceHours(cal: CalendarConfig, lang: Language): string {
  const groups = groupDays(cal);
  if (lang === 'zh-CN') {
    if (groups.length === 0) return '本热线目前不提供人工服务。';
    return `本热线人工服务时间为：${groups.map(zhClause).join('；')}；法定节假日除外。`;
  }
  if (groups.length === 0) return 'Our service desk is not staffed at present.';
  const clauses = groups.map(enClause);
  const list = clauses.length === 1 ? clauses[0] : `${clauses.slice(0, -1).join(', ')}, and ${clauses.at(-1)}`;
  return `Our service desk is open ${list}, except on public holidays.`;
}
