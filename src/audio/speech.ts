/**
 * How much of a recording is speech: 20 ms frames whose mean loudness is
 * above a floor that silence, comfort noise and line hiss stay under. Crude
 * beside a real voice detector, and enough for what it decides: whether a
 * caller said anything at all (a voicemail of ten seconds of silence is "no
 * message"). The floor is Asterisk's own talk-detection threshold (mean
 * absolute amplitude 256 of 32767).
 */

const FRAME_MS = 20;
const SPEECH_FLOOR = 256;

/** Milliseconds of speech in 16-bit little-endian mono PCM at `sampleRate`. */
export function speechMs(pcm: Buffer, sampleRate = 8000): number {
  const frame = Math.max(1, Math.round((sampleRate * FRAME_MS) / 1000));
  const samples = Math.floor(pcm.length / 2);
  let loudFrames = 0;
  for (let start = 0; start + frame <= samples; start += frame) {
    let sum = 0;
    for (let i = start; i < start + frame; i++) sum += Math.abs(pcm.readInt16LE(i * 2));
    if (sum / frame > SPEECH_FLOOR) loudFrames++;
  }
  return loudFrames * FRAME_MS;
}

/** Less speech than this is no message: a breath or a click is not something to call back about. */
export const NO_MESSAGE_BELOW_MS = 1000;
