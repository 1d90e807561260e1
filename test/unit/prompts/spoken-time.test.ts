import { describe, expect, it } from 'vitest';
import { spokenDeadline } from '../../../src/prompts/spoken-time.ts';

const TZ = 'Asia/Shanghai';

/** An instant as Shanghai wall time: sh('2026-11-24 10:00'). */
const sh = (local: string) => new Date(`${local.replace(' ', 'T')}:00+08:00`);

/** Both languages, asked on Tue 2026-11-24 at 10:00 local unless told. */
function say(deadline: string, now = '2026-11-24 10:00') {
  return {
    zh: spokenDeadline(sh(deadline), sh(now), 'zh-CN', TZ),
    en: spokenDeadline(sh(deadline), sh(now), 'en-US', TZ),
  };
}

describe('spokenDeadline', () => {
  it('today', () => {
    expect(say('2026-11-24 12:00')).toEqual({ zh: '今天中午12点', en: 'today at 12 PM' });
    expect(say('2026-11-24 19:00')).toEqual({ zh: '今天晚上7点', en: 'today at 7 PM' });
    expect(say('2026-11-24 11:30')).toEqual({ zh: '今天上午11点30分', en: 'today at 11:30 AM' });
  });

  it('tomorrow', () => {
    expect(say('2026-11-25 10:00')).toEqual({ zh: '明天上午10点', en: 'tomorrow at 10 AM' });
    expect(say('2026-11-25 08:00', '2026-11-24 23:30')).toEqual({ zh: '明天上午8点', en: 'tomorrow at 8 AM' });
  });

  it('later dates: month and day in Chinese, weekday and date in English', () => {
    expect(say('2026-11-27 15:30')).toEqual({ zh: '11月27日下午3点30分', en: 'Friday, November 27, at 3:30 PM' });
    expect(say('2026-12-03 10:00')).toEqual({ zh: '12月3日上午10点', en: 'Thursday, December 3, at 10 AM' });
    expect(say('2026-10-08 08:00', '2026-09-30 21:00')).toEqual({ zh: '10月8日上午8点', en: 'Thursday, October 8, at 8 AM' });
  });

  it('minutes: said when there are any, without a leading zero in Chinese', () => {
    expect(say('2026-11-24 13:05')).toEqual({ zh: '今天下午1点5分', en: 'today at 1:05 PM' });
    expect(say('2026-11-25 08:45')).toEqual({ zh: '明天上午8点45分', en: 'tomorrow at 8:45 AM' });
  });

  it('periods of the day in Chinese: 凌晨, 上午, 中午, 下午, 晚上', () => {
    expect(say('2026-11-25 05:30').zh).toBe('明天凌晨5点30分');
    expect(say('2026-11-25 06:00').zh).toBe('明天上午6点');
    expect(say('2026-11-25 11:59').zh).toBe('明天上午11点59分');
    expect(say('2026-11-25 12:00').zh).toBe('明天中午12点');
    expect(say('2026-11-25 12:30').zh).toBe('明天中午12点30分');
    expect(say('2026-11-25 13:00').zh).toBe('明天下午1点');
    expect(say('2026-11-25 17:59').zh).toBe('明天下午5点59分');
    expect(say('2026-11-25 18:00').zh).toBe('明天晚上6点');
    expect(say('2026-11-25 21:30').zh).toBe('明天晚上9点30分');
  });

  it('today and tomorrow are the local days of the service area, not UTC days', () => {
    // 2026-11-24T17:00Z is 01:00 on the 25th in Shanghai: 10:00 that morning is today.
    const now = new Date('2026-11-24T17:00:00Z');
    const deadline = new Date('2026-11-25T02:00:00Z');
    expect(spokenDeadline(deadline, now, 'zh-CN', TZ)).toBe('今天上午10点');
    expect(spokenDeadline(deadline, now, 'en-US', TZ)).toBe('today at 10 AM');
    // The same instants seen from UTC would be "tomorrow".
    expect(spokenDeadline(deadline, now, 'en-US', 'UTC')).toBe('tomorrow at 2 AM');
  });

  it('the day after tomorrow is a date, not "tomorrow"', () => {
    expect(say('2026-11-26 10:00')).toEqual({ zh: '11月26日上午10点', en: 'Thursday, November 26, at 10 AM' });
  });
});
