// The console's shell: sign-in, navigation between pages (#/now, #/tickets, …), the language switch.
import { api, ApiError, esc, setCsrf } from './api.js';
import { setLang, t, lang } from './i18n.js';
import { nowPage } from './pages/now.js';
import { ticketsPage, ticketPage } from './pages/tickets.js';
import { callbacksPage } from './pages/callbacks.js';
import { figuresPage } from './pages/figures.js';
import { calendarPage } from './pages/calendar.js';
import { auditPage } from './pages/audit.js';

const main = document.getElementById('main');
let me = null;
let leave = null; // stops the current page's timers

function showError(err) {
  const box = document.getElementById('error');
  box.textContent = err instanceof Error ? err.message : String(err);
  box.hidden = false;
  setTimeout(() => { box.hidden = true; }, 6000);
}

function signInForm() {
  document.getElementById('nav').hidden = true;
  document.getElementById('signout').hidden = true;
  document.getElementById('who').textContent = '';
  main.innerHTML = `<form class="card signin" id="signin">
    <h1>${esc(t('signIn'))}</h1>
    <label>${esc(t('username'))}<input name="username" autocomplete="username" required autofocus></label>
    <label>${esc(t('password'))}<input name="password" type="password" autocomplete="current-password" required></label>
    <p><button type="submit">${esc(t('signIn'))}</button></p>
    <p class="red" id="signin-error" role="alert"></p>
  </form>`;
  document.getElementById('signin').addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    try {
      const s = await api('/api/auth/session', { method: 'POST', body: { username: f.get('username'), password: f.get('password') } });
      setCsrf(s.csrfToken);
      me = { username: s.user.username, role: s.user.role };
      if (!location.hash || location.hash === '#/signin') location.hash = '#/now';
      await route();
    } catch (err) {
      document.getElementById('signin-error').textContent = err instanceof ApiError && err.status === 401 ? t('wrongLogin') : err.message;
    }
  });
}

const pages = [
  [/^#\/now$/, () => nowPage(main, me)],
  [/^#\/tickets$/, () => ticketsPage(main, me)],
  [/^#\/tickets\/([\w-]+)$/, (m) => ticketPage(main, me, m[1])],
  [/^#\/callbacks$/, () => callbacksPage(main, me)],
  [/^#\/figures$/, () => figuresPage(main, me)],
  [/^#\/calendar(?:\/(\d{4}))?$/, (m) => calendarPage(main, me, m[1])],
  [/^#\/audit$/, () => auditPage(main)],
];

async function route() {
  leave?.();
  leave = null;
  if (!me) return signInForm();
  document.getElementById('nav').hidden = false;
  document.getElementById('signout').hidden = false;
  document.getElementById('who').textContent = `${me.username} (${me.role})`;
  // Only admins read the audit log (the API refuses the others anyway).
  document.getElementById('nav-audit').hidden = me.role !== 'admin';
  const hash = location.hash || '#/now';
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', hash.startsWith(a.getAttribute('href')));
  const page = pages.find(([re]) => re.test(hash));
  if (!page) { location.hash = '#/now'; return; }
  try {
    leave = (await page[1](hash.match(page[0]))) ?? null;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) { me = null; return signInForm(); }
    showError(err);
  }
}

async function start() {
  setLang(lang);
  document.getElementById('lang').value = lang;
  document.getElementById('lang').addEventListener('change', (e) => { setLang(e.target.value); route(); });
  document.getElementById('signout').addEventListener('click', async () => {
    try { await api('/api/auth/session', { method: 'DELETE' }); } catch (err) { showError(err); }
    me = null;
    setCsrf(null);
    signInForm();
  });
  window.addEventListener('hashchange', route);
  window.addEventListener('unhandledrejection', (e) => showError(e.reason));
  try {
    const who = await api('/api/auth/me');
    me = { username: who.username, role: who.role };
    setCsrf(who.csrfToken);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) showError(err);
  }
  await route();
}

start();
