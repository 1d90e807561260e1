#!/usr/bin/env node
// Idempotent set-up, run by `npm start`, `npm test` and `npm run bench`:
// installs what is missing and nothing else, so a fresh Debian/Ubuntu machine
// needs no other step and a ready one starts at once.
//   1. system packages (Asterisk, SIPp, espeak-ng, sox, PostgreSQL server)
//   2. npm packages, when package-lock.json changed since the last install
//   3. prompt audio for the catalogue (only what is new or changed)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args, what) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`[setup] ${what} failed (${cmd} ${args.join(' ')})\n`);
    process.exit(r.status ?? 1);
  }
};

if (process.platform === 'linux') run('bash', [path.join(root, 'scripts', 'install-system-deps.sh')], 'installing system packages');
else process.stderr.write('[setup] not Linux: install Asterisk, SIPp, espeak-ng, sox and PostgreSQL yourself\n');

const lock = path.join(root, 'package-lock.json');
const stamp = path.join(root, 'node_modules', '.hotline-lock-hash');
const lockHash = createHash('sha256').update(readFileSync(lock)).digest('hex');
if (!existsSync(stamp) || readFileSync(stamp, 'utf8').trim() !== lockHash) {
  process.stderr.write('[setup] installing npm packages\n');
  run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], 'npm ci');
  writeFileSync(stamp, `${lockHash}\n`);
}

run(process.execPath, ['--import', 'tsx', path.join(root, 'src', 'cli', 'prompts-cli.ts'), '--quiet'], 'rendering prompts');
