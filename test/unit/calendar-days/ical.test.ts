import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors/domain-error.ts';
import { isMakeupText, parseIcal } from '../../../src/calendar-days/ical.ts';

const wrap = (body: string, eol = '\r\n') =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//holidays//CN', body, 'END:VCALENDAR', ''].join(eol);

const event = (...lines: string[]) => ['BEGIN:VEVENT', ...lines, 'END:VEVENT'].join('\r\n');

/** The message of the InputError that parseIcal throws. */
function refusal(text: string): string {
  try {
    parseIcal(text);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).httpStatus).toBe(400);
    return (err as Error).message;
  }
  throw new Error('parseIcal accepted the text');
}

describe('parseIcal', () => {
  it('reads a 3-day holiday (DTEND exclusive) and a make-up day, with CRLF', () => {
    const text = wrap(
      [
        event('UID:1@test', 'DTSTART;VALUE=DATE:20270101', 'DTEND;VALUE=DATE:20270104', 'SUMMARY:元旦'),
        event('UID:2@test', 'DTSTART;VALUE=DATE:20270220', 'DTEND;VALUE=DATE:20270221', 'SUMMARY:春节补班'),
      ].join('\r\n'),
    );
    expect(parseIcal(text)).toEqual({
      events: 2,
      cancelled: 0,
      days: [
        { date: '2027-01-01', kind: 'holiday', name: '元旦' },
        { date: '2027-01-02', kind: 'holiday', name: '元旦' },
        { date: '2027-01-03', kind: 'holiday', name: '元旦' },
        { date: '2027-02-20', kind: 'makeup-workday', name: '春节补班' },
      ],
    });
  });

  it('reads LF line ends, folded lines, text escapes, a bare date, no DTEND (one day) and DURATION', () => {
    const text = wrap(
      [
        'BEGIN:VEVENT',
        'DTSTART:20271001',
        'DURATION:P1W',
        'SUMMARY:National Day\\, Golden',
        '  Week',
        'END:VEVENT',
        'BEGIN:VEVENT',
        'DTSTART;VALUE=DATE:20270405',
        'SUMMARY:清明',
        '\t节',
        'END:VEVENT',
      ].join('\n'),
      '\n',
    );
    const { days } = parseIcal(text);
    expect(days.map((d) => d.date)).toEqual([
      '2027-04-05', '2027-10-01', '2027-10-02', '2027-10-03', '2027-10-04', '2027-10-05', '2027-10-06', '2027-10-07',
    ]);
    expect(days[0]).toEqual({ date: '2027-04-05', kind: 'holiday', name: '清明节' });
    expect(days[1]!.name).toBe('National Day, Golden Week');
  });

  it('takes the kind from SUMMARY or CATEGORIES, and ignores a VALARM inside and a VTIMEZONE outside events', () => {
    const text = wrap(
      [
        'BEGIN:VTIMEZONE', 'TZID:Asia/Shanghai', 'BEGIN:STANDARD', 'DTSTART:19700101T000000', 'TZOFFSETFROM:+0800', 'TZOFFSETTO:+0800', 'END:STANDARD', 'END:VTIMEZONE',
        event('DTSTART;VALUE=DATE:20270206', 'SUMMARY:Spring Festival', 'CATEGORIES:Holiday,Make-up Work Day'),
        event('DTSTART;VALUE=DATE:20270207', 'SUMMARY:调休上班'),
        event('DTSTART;VALUE=DATE:20270211', 'SUMMARY:春节', 'BEGIN:VALARM', 'ACTION:DISPLAY', 'SUMMARY:working day reminder', 'TRIGGER:-PT1H', 'END:VALARM'),
      ].join('\r\n'),
    );
    expect(parseIcal(text).days.map((d) => [d.date, d.kind])).toEqual([
      ['2027-02-06', 'makeup-workday'],
      ['2027-02-07', 'makeup-workday'],
      ['2027-02-11', 'holiday'],
    ]);
  });

  it('leaves out cancelled events and reads a calendar without events as no days', () => {
    const text = wrap(event('DTSTART;VALUE=DATE:20270101', 'SUMMARY:元旦', 'STATUS:CANCELLED'));
    expect(parseIcal(text)).toEqual({ days: [], events: 1, cancelled: 1 });
    expect(parseIcal(wrap('X-WR-CALNAME:empty'))).toEqual({ days: [], events: 0, cancelled: 0 });
  });

  it('keeps one entry per date when events of the same kind overlap', () => {
    const text = wrap([event('DTSTART;VALUE=DATE:20270101', 'DTEND;VALUE=DATE:20270103', 'SUMMARY:元旦'), event('DTSTART;VALUE=DATE:20270102', 'SUMMARY:元旦假期')].join('\r\n'));
    expect(parseIcal(text).days).toEqual([
      { date: '2027-01-01', kind: 'holiday', name: '元旦' },
      { date: '2027-01-02', kind: 'holiday', name: '元旦' },
    ]);
  });

  it.each([
    ['', /empty/],
    ['hello world', /not a "NAME:value" line/],
    ['BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270101\r\nEND:VEVENT', /expected BEGIN:VCALENDAR/],
    ['BEGIN:VCALENDAR\r\nVERSION:2.0', /BEGIN:VCALENDAR of line 1 is never ended/],
    [wrap('BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270101\r\nEND:VTODO'), /END:VTODO closes BEGIN:VEVENT/],
    [wrap(event('SUMMARY:元旦')), /no DTSTART/],
    [wrap(event('DTSTART:20270101T090000Z', 'SUMMARY:meeting')), /line 5: DTSTART 20270101T090000Z is a date-time; only all-day events/],
    [wrap(event('DTSTART;VALUE=DATE:20270230')), /20270230 is not a real date/],
    [wrap(event('DTSTART;VALUE=DATE:2027-01-01')), /is not a date \(YYYYMMDD\)/],
    [wrap(event('DTSTART;VALUE=DATE:20270103', 'DTEND;VALUE=DATE:20270101')), /DTEND 2027-01-01 is not after DTSTART 2027-01-03/],
    [wrap(event('DTSTART;VALUE=DATE:20270101', 'DTEND;VALUE=DATE:20270101')), /is not after/],
    [wrap(event('DTSTART;VALUE=DATE:20270101', 'RRULE:FREQ=YEARLY')), /recurring events/],
    [wrap(event('DTSTART;VALUE=DATE:20270101', 'DTEND;VALUE=DATE:20270301')), /59 days from 2027-01-01; at most 31/],
    [wrap(event('DTSTART;VALUE=DATE:20270101', 'DURATION:PT24H')), /not a whole number of days/],
    [wrap(event('DTSTART;VALUE=DATE:20270101', 'DTSTART;VALUE=DATE:20270102')), /DTSTART given twice/],
    [wrap([event('DTSTART;VALUE=DATE:20270206', 'SUMMARY:春节'), event('DTSTART;VALUE=DATE:20270206', 'SUMMARY:补班')].join('\r\n')), /2027-02-06 is a make-up working day here, but a holiday in the event of line 4/],
  ])('refuses malformed input %#', (text, message) => {
    expect(refusal(text)).toMatch(message);
  });
});

describe('isMakeupText', () => {
  it.each([
    ['补班', true], ['春节调休上班', true], ['Make-up working day', true], ['makeup day', true], ['Working Day', true], ['workday (adjusted)', true],
    ['元旦', false], ['Spring Festival', false], ['调休', false], ['Non-working day', false], ['non working day', false], ['', false],
  ])('%s → %s', (text, expected) => {
    expect(isMakeupText(text)).toBe(expected);
  });
});
