import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TextToSpeechClient, type protos } from '@google-cloud/text-to-speech';
import type { ClientOptions } from 'google-gax';
import type { Language } from '../config/schema.ts';
import { run, splitScripts } from './espeak-engine.ts';
import type { SynthesizeOptions, TtsEngine } from './tts-engine.ts';
import { isTelephoneFormat, normalizePeak, parseWav, pcmToWav, TELEPHONE_FORMAT, type ParsedWav } from '../audio/wav.ts';

/** A Google Cloud voice: its name and the language code the API expects with it. */
export interface GoogleVoice {
  /** e.g. "cmn-CN-Wavenet-A" (see `gcloud ml speech voices list` or the console). */
  name: string;
  /** e.g. "cmn-CN"; the API wants the voice's own code, which for Mandarin is not zh-CN. */
  languageCode: string;
}

export interface GoogleEngineOptions {
  voices?: Partial<Record<Language, GoogleVoice>>;
  /** audioConfig.speakingRate per language: 1.0 is the voice's normal speed (0.25–4.0). */
  speakingRates?: Partial<Record<Language, number>>;
  /** Service account key file; without it the client finds application-default credentials itself. */
  credentialsFile?: string;
  /** Another endpoint, e.g. a regional one ("eu-texttospeech.googleapis.com"). */
  apiEndpoint?: string;
  /** Per request: it is cancelled after this long. Default 10 s. */
  timeoutMs?: number;
  /** Further attempts after a 429, a 5xx or a timeout. Default 1. */
  retries?: number;
  /** Peak level in dBFS, as for espeak-ng (every prompt equally loud, SPK-02). Default -3. */
  peakDb?: number;
  /** Used only when the API answers in another format than asked for. */
  soxBinary?: string;
  /** Merged into the client's options last; the tests point the client at a local server with it. */
  clientOptions?: ClientOptions;
}

export const DEFAULT_GOOGLE_VOICES: Record<Language, GoogleVoice> = {
  'zh-CN': { name: 'cmn-CN-Wavenet-A', languageCode: 'cmn-CN' },
  'en-US': { name: 'en-US-Wavenet-F', languageCode: 'en-US' },
};

/**
 * Google's Mandarin voices speak about 250–270 characters a minute at 1.0;
 * 0.75 aims at the middle of SPK-01's 180–200. `npm run prompts -- --measure`
 * prints the rate actually heard and the speakingRate that would give 190.
 */
export const DEFAULT_GOOGLE_RATES: Record<Language, number> = { 'zh-CN': 0.75, 'en-US': 0.95 };

/** What Asterisk plays without transcoding: 16-bit linear PCM at 8 kHz. */
const LINEAR16 = 'LINEAR16';

/**
 * Google Cloud Text-to-Speech (v1 synthesizeSpeech) over its REST transport:
 * the same HTTP/1.1 path the tests drive against a local server. Asks for
 * LINEAR16 at 8000 Hz and writes a canonical 8 kHz 16-bit mono WAV, converting
 * with sox only if the answer is in another format.
 */
export class GoogleTtsEngine implements TtsEngine {
  readonly id = 'google-tts/1';
  readonly #voices: Record<Language, GoogleVoice>;
  readonly #rates: Record<Language, number>;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #peakDb: number;
  readonly #sox: string;
  readonly #clientOptions: ClientOptions;
  #client: TextToSpeechClient | undefined;

  constructor(options: GoogleEngineOptions = {}) {
    this.#voices = { ...DEFAULT_GOOGLE_VOICES, ...options.voices };
    this.#rates = { ...DEFAULT_GOOGLE_RATES, ...options.speakingRates };
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#retries = options.retries ?? 1;
    this.#peakDb = options.peakDb ?? -3;
    this.#sox = options.soxBinary ?? 'sox';
    this.#clientOptions = {
      fallback: true,
      ...(options.credentialsFile ? { keyFilename: options.credentialsFile } : {}),
      ...(options.apiEndpoint ? { apiEndpoint: options.apiEndpoint } : {}),
      ...options.clientOptions,
    };
  }

  voiceFor(lang: Language): string {
    return this.#voices[lang].name;
  }

  rateFor(lang: Language): number {
    return this.#rates[lang];
  }

  /** The request synthesize() sends for `text` (exported for the tests and for reviewing). */
  request(text: string, lang: Language): protos.google.cloud.texttospeech.v1.ISynthesizeSpeechRequest {
    const voice = this.#voices[lang];
    return {
      input: synthesisInput(text, lang),
      voice: { name: voice.name, languageCode: voice.languageCode },
      audioConfig: {
        audioEncoding: LINEAR16,
        sampleRateHertz: TELEPHONE_FORMAT.sampleRate,
        speakingRate: this.#rates[lang],
        // Tuned for the narrow band of a phone line.
        effectsProfileId: ['telephony-class-application'],
      },
    };
  }

  async synthesize(text: string, lang: Language, outWavPath: string, options: SynthesizeOptions = {}): Promise<void> {
    if (text.trim() === '') throw new Error(`nothing to say: ${JSON.stringify(text)}`);
    const request = this.request(text, lang);
    let response: protos.google.cloud.texttospeech.v1.ISynthesizeSpeechResponse | undefined;
    for (let attempt = 0; !response; attempt++) {
      try {
        response = await this.#call(request, options.signal);
      } catch (err) {
        if (options.signal?.aborted || attempt >= this.#retries || !isTransient(err)) throw err;
      }
    }
    const audio = response.audioContent;
    if (!audio || audio.length === 0) throw new Error('Text-to-Speech answered without audio');
    const bytes = typeof audio === 'string' ? Buffer.from(audio, 'base64') : Buffer.from(audio);
    const wav = await this.#toTelephoneWav(bytes);
    // A caller that gave up (the fallback took over) must not find this file.
    if (options.signal?.aborted) throw new Error('aborted');
    await writeAtomic(outWavPath, wav);
  }

  /**
   * Loads the client (protos, credentials: about half a second) ahead of the
   * first text, which otherwise pays for it inside the fallback's timeout.
   */
  async initialize(): Promise<void> {
    await this.#client_().initialize();
  }

  /** Closes the client's connections (the process can then exit at once). */
  async close(): Promise<void> {
    await this.#client?.close();
    this.#client = undefined;
  }

  /**
   * One synthesizeSpeech request, cancelled on timeout or abort. The REST
   * transport ignores gax's deadline and the client's public method drops the
   * cancel handle, so this goes through innerApiCalls (public in the typings),
   * whose CancellablePromise aborts the HTTP request itself.
   */
  async #call(
    request: protos.google.cloud.texttospeech.v1.ISynthesizeSpeechRequest,
    signal: AbortSignal | undefined,
  ): Promise<protos.google.cloud.texttospeech.v1.ISynthesizeSpeechResponse> {
    if (signal?.aborted) throw new Error('aborted');
    const client = this.#client_();
    await client.initialize();
    const call = client.innerApiCalls.synthesizeSpeech!(request, { maxRetries: 0 }) as Promise<
      [protos.google.cloud.texttospeech.v1.ISynthesizeSpeechResponse]
    > & { cancel?: () => void };
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stop = new Promise<never>((_, reject) => {
      const cancel = (why: Error) => {
        call.cancel?.();
        reject(why);
      };
      timer = setTimeout(() => cancel(new TimeoutError(`no answer within ${this.#timeoutMs} ms`)), this.#timeoutMs);
      onAbort = () => cancel(new Error('aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    call.catch(() => {}); // a cancelled call rejects once more, after stop did
    try {
      const [response] = await Promise.race([call, stop]);
      return response;
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  #client_(): TextToSpeechClient {
    this.#client ??= new TextToSpeechClient(this.#clientOptions);
    return this.#client;
  }

  async #toTelephoneWav(bytes: Buffer): Promise<Buffer> {
    // LINEAR16 comes with a WAV header; raw samples at the asked rate are taken too.
    const parsed: ParsedWav =
      bytes.toString('ascii', 0, 4) === 'RIFF' ? parseWav(bytes) : { ...TELEPHONE_FORMAT, pcm: bytes };
    const pcm = isTelephoneFormat(parsed) ? parsed.pcm : await this.#convert(bytes);
    if (pcm.length < 2) throw new Error('Text-to-Speech answered with empty audio');
    return pcmToWav(normalizePeak(pcm, this.#peakDb));
  }

  /** sox turns whatever came back into 8 kHz 16-bit mono samples. */
  async #convert(wavBytes: Buffer): Promise<Buffer> {
    const work = await mkdtemp(path.join(os.tmpdir(), 'hotline-google-'));
    try {
      const input = path.join(work, 'in.wav');
      const output = path.join(work, 'out.wav');
      await writeFile(input, wavBytes);
      await run(this.#sox, ['-V1', input, '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', output], { timeoutMs: 30_000 });
      return parseWav(await readFile(output)).pcm;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
}

/**
 * Plain text, or SSML when a Mandarin text has an English run ("For English,
 * press 9."): the run is marked as en-US so the Mandarin voice reads it as
 * English, as the espeak-ng engine does with its second voice.
 */
export function synthesisInput(text: string, lang: Language): { text: string } | { ssml: string } {
  if (lang !== 'zh-CN') return { text };
  const segments = splitScripts(text, 'main', 'latin');
  if (!segments.some((s) => s.voice === 'latin')) return { text };
  const body = segments
    .map((s) => (s.voice === 'latin' ? `<lang xml:lang="en-US">${escapeXml(s.text)}</lang>` : escapeXml(s.text)))
    .join(' ');
  return { ssml: `<speak>${body}</speak>` };
}

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/**
 * Worth another attempt: our timeout, HTTP 429 or 5xx, or the gRPC codes for
 * "unavailable" (14), "deadline exceeded" (4) and "resource exhausted" (8).
 */
function isTransient(err: unknown): boolean {
  if (err instanceof TimeoutError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' && (code === 429 || (code >= 500 && code < 600) || code === 14 || code === 4 || code === 8);
}

async function writeAtomic(file: string, content: Buffer): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file, '.wav')}.${process.pid}-${randomBytes(4).toString('hex')}.tmp.wav`);
  try {
    await writeFile(tmp, content);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
