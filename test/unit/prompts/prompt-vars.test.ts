import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.ts';
import { PLACEHOLDERS } from '../../../src/prompts/catalogue.ts';
import { promptVars } from '../../../src/prompts/prompt-vars.ts';
import { describeServiceHours } from '../../../src/calendar/service-hours-text.ts';

describe('promptVars', () => {
  const config = loadConfig({});
  const vars = promptVars(config);

  it('has a value for every placeholder in every language', () => {
    expect(Object.keys(vars).sort()).toEqual([...PLACEHOLDERS].sort());
    for (const name of PLACEHOLDERS) {
      expect(vars[name]?.['zh-CN'], name).toBeTruthy();
      expect(vars[name]?.['en-US'], name).toBeTruthy();
    }
  });

  it('speaks the numbers digit by digit and takes the hours from the calendar', () => {
    expect(vars.emergencyNumber).toEqual({ 'zh-CN': '九 五 幺 五 八', 'en-US': '9 5 1 5 8' });
    expect(vars.hotlineNumber).toEqual({ 'zh-CN': '九 五 幺 五 八', 'en-US': '9 5 1 5 8' });
    expect(vars.serviceHours?.['zh-CN']).toBe(describeServiceHours(config.calendar, 'zh-CN'));
    expect(vars.serviceHours?.['en-US']).toBe(describeServiceHours(config.calendar, 'en-US'));
  });

  it('follows a changed configuration', () => {
    const other = promptVars({ ...config, emergencyNumber: '0571-110', trunk: { ...config.trunk, hotlineNumber: '12319' } });
    expect(other.emergencyNumber?.['zh-CN']).toBe('零 五 七 幺，幺 幺 零');
    expect(other.hotlineNumber?.['en-US']).toBe('1 2 3 1 9');
  });
});
