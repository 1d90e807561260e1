import { chromium } from 'playwright-core';

/** Debian's Chromium; HOTLINE_CHROMIUM names another. No browser is ever downloaded. */
export const CHROMIUM_PATH = process.env.HOTLINE_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A4 PDF of a self-contained HTML page, printed by headless Chromium (a bounded wait). */
export async function htmlToPdf(html: string, timeoutMs = 30_000): Promise<Buffer> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: timeoutMs });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(timeoutMs);
    // The page loads nothing from outside: no request may leave the machine.
    await page.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
    await page.setContent(html, { waitUntil: 'load', timeout: timeoutMs });
    return await page.pdf({ format: 'A4', printBackground: true, margin: { top: '12mm', bottom: '12mm', left: '10mm', right: '10mm' } });
  } finally {
    await browser.close();
  }
}
