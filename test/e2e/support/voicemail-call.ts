import { uac } from '../../../tools/sipp/index.ts';
import type { E2eEnvironment } from './environment.ts';
import type { Phones } from './phones.ts';
import { promptMs } from './probes.ts';

/**
 * When each step of an after-hours voicemail call happens, ms after the call
 * is answered: the topic key (2, repair) during the after-hours message, the
 * confirmation (1) during the read-back of the number, speech after the beep.
 */
export function voicemailTimeline(env: E2eEnvironment) {
  const ms = (id: string) => promptMs(env, id);
  const pressTopic = ms('greeting-evening') + ms('emergency-first') + 2500;
  // The topic key acts once the message (hours and emergency number) has been said; then the read-back starts.
  const confirm = ms('greeting-evening') + ms('emergency-first') + ms('after-hours') + 3000;
  const speak = confirm + ms('thank-you') + ms('voicemail-intro') + 2500;
  return { pressTopic, confirm, speak };
}

/** A caller who leaves a repair voicemail of `speakMs` and hangs up. */
export async function leaveVoicemail(phones: Phones, env: E2eEnvironment, from: string, speakMs = 6000) {
  const t = voicemailTimeline(env);
  return phones.call(uac({ to: '95158', from }).pause(t.pressTopic).dtmf('2').pause(t.confirm - t.pressTopic).dtmf('1').pause(t.speak - t.confirm).speak(speakMs).hangup());
}
