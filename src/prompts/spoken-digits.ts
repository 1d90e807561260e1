import type { Language } from '../config/schema.ts';

const ZH_DIGITS = ['零', '幺', '二', '三', '四', '五', '六', '七', '八', '九'] as const;

/**
 * A number as text to be spoken digit by digit: zh-CN "九 五 幺 五 八" (幺 for 1,
 * as for phone numbers), en-US "9 5 1 5 8". "+" is spoken, spaces and dashes
 * between groups become a short pause, anything else is dropped.
 */
export function spokenDigits(number: string, lang: Language): string {
  const groups: string[][] = [[]];
  for (const c of number) {
    const group = groups[groups.length - 1]!;
    if (c >= '0' && c <= '9') group.push(lang === 'zh-CN' ? ZH_DIGITS[Number(c)]! : c);
    else if (c === '+') group.push(lang === 'zh-CN' ? '加' : 'plus');
    else if ((c === ' ' || c === '-') && group.length > 0) groups.push([]);
  }
  return groups
    .filter((g) => g.length > 0)
    .map((g) => g.join(' '))
    .join(lang === 'zh-CN' ? '，' : ', ');
}
