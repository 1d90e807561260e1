import { describe, expect, it } from 'vitest';
import { describeServiceHours } from '../../../src/calendar/service-hours-text.ts';
import { demoCalendar, everyDay, weeklyCalendar } from './calendars.ts';

const weekdays = (hours: string[]) => ({ mon: hours, tue: hours, wed: hours, thu: hours, fri: hours });

describe('describeServiceHours', () => {
  it('describes the demo calendar in Mandarin', () => {
    expect(describeServiceHours(demoCalendar(), 'zh-CN')).toBe(
      '本热线人工服务时间为：周一至周五，早上8点至晚上8点；周六，上午9点至下午5点；法定节假日除外。',
    );
  });

  it('describes the demo calendar in English', () => {
    expect(describeServiceHours(demoCalendar(), 'en-US')).toBe(
      'Our service desk is open Monday to Friday from 8 a.m. to 8 p.m., and Saturday from 9 a.m. to 5 p.m., except on public holidays.',
    );
  });

  it('says "every day" when all seven days have the same hours', () => {
    const cal = everyDay(['08:00-20:00']);
    expect(describeServiceHours(cal, 'zh-CN')).toBe('本热线人工服务时间为：每天，早上8点至晚上8点；法定节假日除外。');
    expect(describeServiceHours(cal, 'en-US')).toBe('Our service desk is open every day from 8 a.m. to 8 p.m., except on public holidays.');
  });

  it('describes a 24-hour desk', () => {
    const cal = everyDay(['00:00-12:00', '12:00-24:00']);
    expect(describeServiceHours(cal, 'zh-CN')).toBe('本热线人工服务时间为：每天，全天24小时；法定节假日除外。');
    expect(describeServiceHours(cal, 'en-US')).toBe('Our service desk is open every day, 24 hours a day, except on public holidays.');
  });

  it('mixes 24-hour days with ordinary ones', () => {
    const cal = weeklyCalendar({ ...weekdays(['00:00-24:00']), sat: ['09:00-17:00'] });
    expect(describeServiceHours(cal, 'zh-CN')).toBe('本热线人工服务时间为：周一至周五，全天24小时；周六，上午9点至下午5点；法定节假日除外。');
    expect(describeServiceHours(cal, 'en-US')).toBe(
      'Our service desk is open Monday to Friday, 24 hours a day, and Saturday from 9 a.m. to 5 p.m., except on public holidays.',
    );
  });

  it('names a lunch break, half hours and quarter hours the way people say them', () => {
    const cal = weeklyCalendar({ ...weekdays(['08:30-12:00', '13:00-17:30']), sat: ['09:15-11:45'], sun: ['12:15-14:00'] });
    expect(describeServiceHours(cal, 'zh-CN')).toBe(
      '本热线人工服务时间为：周一至周五，早上8点半至中午12点和下午1点至5点半；周六，上午9点15分至11点45分；周日，中午12点15分至下午2点；法定节假日除外。',
    );
    expect(describeServiceHours(cal, 'en-US')).toBe(
      'Our service desk is open Monday to Friday from 8:30 a.m. to noon and from 1 p.m. to 5:30 p.m., ' +
        'Saturday from 9:15 a.m. to 11:45 a.m., and Sunday from 12:15 p.m. to 2 p.m., except on public holidays.',
    );
  });

  it('groups non-adjacent days with the same hours and names two-day runs one by one', () => {
    const office = ['09:00-17:00'];
    const cal = weeklyCalendar({ mon: office, tue: office, thu: office, fri: office, sat: ['10:00-16:05'], sun: ['10:00-16:05'] });
    expect(describeServiceHours(cal, 'zh-CN')).toBe(
      '本热线人工服务时间为：周一、周二、周四、周五，上午9点至下午5点；周六、周日，上午10点至下午4点05分；法定节假日除外。',
    );
    expect(describeServiceHours(cal, 'en-US')).toBe(
      'Our service desk is open Monday, Tuesday, Thursday, and Friday from 9 a.m. to 5 p.m., ' +
        'and Saturday and Sunday from 10 a.m. to 4:05 p.m., except on public holidays.',
    );
  });

  it('says midnight for a night shift that runs past 24:00', () => {
    const cal = weeklyCalendar({ fri: ['20:00-24:00'], sat: ['00:00-02:00'] });
    expect(describeServiceHours(cal, 'zh-CN')).toBe('本热线人工服务时间为：周五，晚上8点至12点；周六，凌晨0点至2点；法定节假日除外。');
    expect(describeServiceHours(cal, 'en-US')).toBe(
      'Our service desk is open Friday from 8 p.m. to midnight, and Saturday from midnight to 2 a.m., except on public holidays.',
    );
  });

  it('describes the same hours however the intervals are written', () => {
    const cal = weeklyCalendar(weekdays(['13:00-20:00', '08:00-13:00']));
    expect(describeServiceHours(cal, 'zh-CN')).toBe('本热线人工服务时间为：周一至周五，早上8点至晚上8点；法定节假日除外。');
  });

  it('says plainly when nobody staffs the desk', () => {
    expect(describeServiceHours(weeklyCalendar({}), 'zh-CN')).toBe('本热线目前不提供人工服务。');
    expect(describeServiceHours(weeklyCalendar({}), 'en-US')).toBe('Our service desk is not staffed at present.');
  });
});
