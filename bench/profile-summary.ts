/**
 * `npx tsx bench/profile-summary.ts <file.cpuprofile>`: where a V8 CPU profile
 * (node --cpu-prof, `npm run bench -- --cpu-prof <dir>`) spent its time, by
 * part (a package of node_modules, a folder of src/, Node's internals, the
 * garbage collector) and by function (self time), idle left out.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

const file = process.argv[2];
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile>');
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

function part(url: string, name: string): string {
  if (name === '(idle)') return 'idle';
  if (name === '(garbage collector)') return 'garbage collector';
  if (name === '(program)') return 'V8 (program)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `npm ${pkg[1]}`;
  const src = /\/src\/([^/]+)/.exec(url);
  if (src) return `src/${src[1]}`;
  if (url.startsWith('node:')) return `node ${url.slice(5).split('/')[0] === 'internal' ? url.slice(5).split('/').slice(0, 2).join('/') : url.slice(5)}`;
  return url ? 'other' : 'native';
}

const byPart = new Map<string, number>();
const byFunction = new Map<string, number>();
for (const n of profile.nodes) {
  const us = selfUs.get(n.id) ?? 0;
  if (!us) continue;
  const p = part(n.callFrame.url, n.callFrame.functionName);
  byPart.set(p, (byPart.get(p) ?? 0) + us);
  if (p === 'idle') continue;
  const where = n.callFrame.url.replace(/^.*\/(node_modules|src)\//, '$1/');
  const key = `${n.callFrame.functionName || '(anonymous)'}  ${where}:${n.callFrame.lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
}
const busy = [...byPart.entries()].filter(([k]) => k !== 'idle').reduce((s, [, v]) => s + v, 0);
const total = [...byPart.values()].reduce((s, v) => s + v, 0);
const line = (us: number, label: string) => `${(us / 1000).toFixed(0).padStart(8)} ms ${((us / busy) * 100).toFixed(1).padStart(5)} %  ${label}`;
process.stdout.write(`${file}: ${(total / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(1)} s busy\n\nby part:\n`);
for (const [k, v] of [...byPart.entries()].filter(([k]) => k !== 'idle').sort((a, b) => b[1] - a[1]).slice(0, 15)) process.stdout.write(`${line(v, k)}\n`);
process.stdout.write('\nby function (self time):\n');
for (const [k, v] of [...byFunction.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20)) process.stdout.write(`${line(v, k)}\n`);
