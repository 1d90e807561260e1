import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply } from 'fastify';
import type { Feature } from '../feature.ts';

/**
 * The staff console: a small client in plain ES modules (no framework, no
 * build step: what is in web/ is what the browser runs) on the staff API,
 * served by the service itself with uPlot from the installed package — no
 * CDN. Signed in by the API's HttpOnly session cookie; the API stays the
 * enforcement point of every role.
 */
const WEB = path.join(path.dirname(fileURLToPath(import.meta.url)), 'web');
const UPLOT = path.dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** The files the console serves, by URL path under /console/ (nothing else is reachable). */
const FILES: Record<string, string> = {
  '': path.join(WEB, 'index.html'),
  'app.js': path.join(WEB, 'app.js'),
  'api.js': path.join(WEB, 'api.js'),
  'i18n.js': path.join(WEB, 'i18n.js'),
  'style.css': path.join(WEB, 'style.css'),
  'pages/now.js': path.join(WEB, 'pages/now.js'),
  'pages/tickets.js': path.join(WEB, 'pages/tickets.js'),
  'pages/callbacks.js': path.join(WEB, 'pages/callbacks.js'),
  'pages/figures.js': path.join(WEB, 'pages/figures.js'),
  'pages/calendar.js': path.join(WEB, 'pages/calendar.js'),
  'pages/audit.js': path.join(WEB, 'pages/audit.js'),
  'vendor/uplot.js': path.join(UPLOT, 'uPlot.iife.min.js'),
  'vendor/uplot.css': path.join(UPLOT, 'uPlot.min.css'),
};

// Scripts and styles only from this origin; audio from the API; no framing.
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; media-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export function createConsole(): Feature {
  const serve = async (file: string, reply: FastifyReply) => {
    const body = await readFile(file);
    return reply
      .type(TYPES[path.extname(file)] ?? 'application/octet-stream')
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', CSP)
      .send(body);
  };
  return {
    name: 'console',
    routes: async (app) => {
      app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/console/'));
      app.get('/console', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/console/'));
      app.get<{ Params: { '*': string } }>('/console/*', { schema: { hide: true } }, async (req, reply) => {
        const file = FILES[req.params['*']];
        if (!file) return reply.code(404).send({ error: 'not-found', message: 'no such console file' });
        return serve(file, reply);
      });
    },
  };
}
