import type { Language } from '../config/schema.ts';
import { addDays, toLocalParts } from '../calendar/local-time.ts';

/**
 * A deadline as the caller should hear it, in the service area's time zone:
 * zh-CN "明天上午10点", "11月27日下午3点30分"; en-US "tomorrow at 10 AM",
 * "Friday, November 27, at 3:30 PM". Today and tomorrow are said as such.
 */
export function spokenDeadline(deadline: Date, now: Date, lang: Language, timeZone: string): string {
  const at = toLocalParts(deadline, timeZone);
  const today = toLocalParts(now, timeZone).date;
  const day = at.date === today ? 'today' : at.date === addDays(today, 1) ? 'tomorrow' : null;
  const hour = Math.floor(at.minutes / 60);
  const minute = at.minutes % 60;
  if (lang === 'zh-CN') {
    const [, month, dom] = at.date.split('-').map(Number);
    const dayWords = day === 'today' ? '今天' : day === 'tomorrow' ? '明天' : `${month}月${dom}日`;
    const period = hour < 6 ? '凌晨' : hour < 12 ? '上午' : hour < 13 ? '中午' : hour < 18 ? '下午' : '晚上';
    const h12 = hour > 12 ? hour - 12 : hour;
    return `${dayWords}${period}${h12}点${minute ? `${minute}分` : ''}`;
  }
  const clock = new Intl.DateTimeFormat('en-US', { hour: 'numeric', minute: minute ? '2-digit' : undefined, timeZone }).format(deadline);
  if (day) return `${day} at ${clock}`;
  const date = new Intl.DateTimeFormat('en-US', { weekday: 'long', month: 'long', day: 'numeric', timeZone }).format(deadline);
  return `${date}, at ${clock}`;
}

/**
 * A past day as a callee should hear it: zh-CN "今天", "昨天", "11月27日";
 * en-US "today", "yesterday", "on November 27" (the day a repair was done).
 */
export function spokenDay(day: Date, now: Date, lang: Language, timeZone: string): string {
  const at = toLocalParts(day, timeZone).date;
  const today = toLocalParts(now, timeZone).date;
  const which = at === today ? 'today' : at === addDays(today, -1) ? 'yesterday' : null;
  if (lang === 'zh-CN') {
    if (which) return which === 'today' ? '今天' : '昨天';
    const [, month, dom] = at.split('-').map(Number);
    return `${month}月${dom}日`;
  }
  return which ?? `on ${new Intl.DateTimeFormat('en-US', { month: 'long', day: 'numeric', timeZone }).format(day)}`;
}
