import type { CalendarConfig, HotlineConfig, Language } from '../config/schema.ts';
import { describeServiceHours } from '../calendar/service-hours-text.ts';
import { LANGUAGES, type PromptVars } from './catalogue.ts';
import { spokenDigits } from './spoken-digits.ts';

/** The parts of the configuration that prompt texts depend on. */
export type PromptVarsConfig = Pick<HotlineConfig, 'emergencyNumber' | 'calendar'> & {
  trunk: Pick<HotlineConfig['trunk'], 'hotlineNumber'>;
};

/**
 * Values of the catalogue placeholders for every language: the numbers spoken
 * digit by digit, the service hours generated from the calendar (so that what
 * callers hear always matches when the line is staffed).
 */
export function promptVars(config: PromptVarsConfig): PromptVars {
  const perLanguage = (f: (lang: Language) => string) =>
    Object.fromEntries(LANGUAGES.map((lang) => [lang, f(lang)])) as Record<Language, string>;
  const calendar: CalendarConfig = config.calendar;
  return {
    emergencyNumber: perLanguage((lang) => spokenDigits(config.emergencyNumber, lang)),
    hotlineNumber: perLanguage((lang) => spokenDigits(config.trunk.hotlineNumber, lang)),
    serviceHours: perLanguage((lang) => describeServiceHours(calendar, lang)),
  };
}
