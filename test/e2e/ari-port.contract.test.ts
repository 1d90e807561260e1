import { afterAll, beforeAll } from 'vitest';
import { PromptLibrary } from '../../src/prompts/prompt-library.ts';
import { EspeakEngine } from '../../src/prompts/espeak-engine.ts';
import { promptVars } from '../../src/prompts/prompt-vars.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { AriTelephony } from '../../src/telephony/ari-telephony.ts';
import type { CallLeg } from '../../src/telephony/port.ts';
import { uac } from '../../tools/sipp/index.ts';
import { portContract, type FarEndStep } from '../support/port-contract.ts';
import { useStack } from './support/environment.ts';
import { Phones, uniqueCaller } from './support/phones.ts';

/**
 * The same contract the fake passes (test/unit/telephony/fake-port.contract.test.ts),
 * run against the ARI adapter on the real Asterisk: this test process registers
 * the application itself, and SIPp is the far end, pressing keys (RFC 2833) and
 * hanging up on a schedule fixed before each call.
 */
const env = await useStack();
const phones = new Phones(env);
let telephony: AriTelephony;
let prompts: PromptLibrary;
/** Asterisk's Answer() waits this long for media from a caller that sends none. */
const ANSWER_WAIT_MS = 550;

/** Calls placed and not yet arrived, by caller number (each call has its own). */
const waiting = new Map<string, (leg: CallLeg) => void>();

beforeAll(async () => {
  const config = loadConfig({ HOTLINE_CONFIG: env.configFile });
  prompts = await PromptLibrary.build({
    cataloguePath: config.prompts.catalogue,
    renderedDir: config.prompts.renderedDir,
    languages: config.languages.enabled,
    vars: promptVars(config),
    engine: new EspeakEngine(),
  });
  telephony = new AriTelephony({
    url: env.ariUrl,
    user: env.ariUser,
    password: env.ariPassword,
    app: config.asterisk.appName,
    log: createLogger('warn'),
  });
  telephony.onInboundCall((leg) => {
    waiting.get(leg.callerNumber)?.(leg);
    waiting.delete(leg.callerNumber);
  });
  await telephony.start();
});

afterAll(async () => {
  await phones.stopAll();
  await telephony?.close();
});

portContract('ARI adapter on Asterisk with SIPp', () => ({
  telephony,
  promptFile: prompts.file('main-menu', 'zh-CN'),
  // 1.25 s: near the contract's 1.5 s bound, so keys 300 ms apart on a real line land inside it.
  shortPromptFile: prompts.file('language-english', 'en-US'),
  settle: (op) => op,
  newCall: async (script: readonly FarEndStep[] = []) => {
    const from = uniqueCaller();
    const legArrived = new Promise<CallLeg>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the call from ${from} did not reach the application`)), 15_000);
      waiting.set(from, (leg) => {
        clearTimeout(timer);
        resolve(leg);
      });
    });
    // The script counts from the leg's arrival, SIPp from the answer. Between the two,
    // Answer() waits up to 500 ms for the caller's first media (SIPp sends none), so
    // SIPp's steps are shifted by that much.
    let scenario = uac({ to: '95158', from });
    let at = -ANSWER_WAIT_MS;
    let hungUp = false;
    scenario = scenario.pause(ANSWER_WAIT_MS);
    at = 0;
    for (const step of [...script].sort((a, b) => a.atMs - b.atMs)) {
      if (step.atMs > at) scenario = scenario.pause(step.atMs - at);
      at = Math.max(at, step.atMs);
      if ('keys' in step) {
        scenario = scenario.dtmf(step.keys);
      } else if ('speakMs' in step) {
        scenario = scenario.speak(step.speakMs);
        at += step.speakMs;
      } else {
        scenario = scenario.hangup();
        hungUp = true;
        break;
      }
    }
    if (!hungUp) scenario = scenario.waitForHangup(120_000);
    await phones.call(scenario);
    const leg = await legArrived;
    return { leg, hangUp: () => leg.hangup() };
  },
  close: () => phones.stopAll(),
}));
