import { randomUUID } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { abortableSleep } from '../async/abortable-sleep.ts';
import { CategorySchema } from '../domain/category.ts';
import type { CallSession } from '../ivr/call-session.ts';
import { NodeId, PromptId } from '../ivr/flow-schema.ts';
import type { NodeKind } from '../ivr/node-kind.ts';
import { namedPrompts } from '../ivr/nodes/node-helpers.ts';
import { recordMessage } from '../ivr/nodes/record-message.ts';
import { maskNumber } from '../logging/mask.ts';
import { DEFAULT_COMPLAINT_LEVEL, deadlineFor } from '../tickets/deadline.ts';
import type { RecordingEnd, TicketCategory, TicketDraft } from '../tickets/ticket.ts';
import { spokenDeadline } from '../prompts/spoken-time.ts';
import type { VoicemailServices } from './voicemail-services.ts';

/**
 * Voicemail that becomes a ticket (PRODUCT "Voicemail becomes a ticket"): the
 * callback number read back and confirmed (SCR-25), a beep, the recording,
 * and a closing sentence that says by when the caller will be called back.
 */
export const VoicemailNodeSchema = Type.Object(
  {
    kind: Type.Literal('voicemail'),
    /** Ticket category; default the call's category (from the menu path), else other. */
    category: Type.Optional(CategorySchema),
    prompts: Type.Object(
      {
        /** "Your phone number is", then the digits. */
        numberIs: PromptId,
        /** "Press 1 if correct, or key another number followed by #." */
        confirm: PromptId,
        /** When there is no caller number: "please key your number followed by #". */
        enterNumber: PromptId,
        /** A keyed number that cannot be a phone number. */
        invalidNumber: PromptId,
        /** After the number was confirmed. */
        thanks: PromptId,
        /** Before the beep: what to say, # to finish. */
        intro: PromptId,
        /** After the recording. */
        saved: PromptId,
        /** Template with {deadline}: when the caller will be called back. */
        callbackBy: PromptId,
        /** The message could not be taken (nothing could keep it). */
        failed: PromptId,
      },
      { additionalProperties: false },
    ),
    maxSeconds: Type.Integer({ minimum: 10, maximum: 600, default: 180 }),
    maxSilenceSeconds: Type.Integer({ minimum: 2, maximum: 60, default: 10 }),
    /** Read-backs before the number is taken as it stands. */
    confirmAttempts: Type.Integer({ minimum: 1, maximum: 5, default: 3 }),
    next: NodeId,
  },
  { additionalProperties: false },
);
export type VoicemailNode = Static<typeof VoicemailNodeSchema>;

/** Channel variable naming the voicemail in progress, so a restarted application finishes it. */
export const VOICEMAIL_VAR = 'HOTLINE_VOICEMAIL';

/** A number the hotline can call back: 5 to 20 digits, an optional leading +. */
const DIALABLE = /^\+?\d{5,20}$/;

/**
 * voicemail (PRODUCT "Voicemail becomes a ticket"):
 *  1. the callback number: the caller's number read back digit by digit,
 *     "press 1 if correct, or key another number followed by #" (SCR-25);
 *     while this question is open, 1 means "correct", not the emergency key;
 *  2. the ticket is made safe (journal, then database) before the beep;
 *  3. the recording: after a beep, at most maxSeconds, ended by
 *     maxSilenceSeconds of silence or #; the emergency key stops it, keeps
 *     the message and goes to the duty line;
 *  4. "your message was received", and by when the caller will be called back
 *     (the ticket's deadline).
 * A hang-up at any point after step 2 still completes the ticket with what
 * was recorded. After an application restart the node finishes the
 * voicemail in progress instead of starting a second one.
 */
export const voicemailNode: NodeKind<VoicemailNode, VoicemailServices> = {
  kind: 'voicemail',
  schema: VoicemailNodeSchema,
  resumesItself: true,
  next: (node) => [['next', node.next]],
  prompts: (node) => namedPrompts(node.prompts),
  run: (node, session, vm) => runVoicemail(node, session, vm),
};

async function runVoicemail(node: VoicemailNode, session: CallSession, vm: VoicemailServices): Promise<string> {
  const resumed = await resumeDraft(session, vm);
  if (resumed && (await vm.isLive(resumed.recordingName))) {
    // The caller is still speaking into a recording an earlier process started.
    await waitWhileLive(session, vm, resumed.recordingName, node.maxSeconds);
    return finishAndClose(node, session, vm, resumed, 'restart');
  }

  const category: TicketCategory = node.category ?? session.recorder.category ?? 'other';
  session.setCategory(category);
  let draft = resumed;
  if (!draft) {
    const callbackNumber = await confirmNumber(node, session);
    const level = category === 'complaint' ? DEFAULT_COMPLAINT_LEVEL : null;
    const { acceptedAt, deadline } = deadlineFor(vm.calendar, category, level, session.now);
    const id = randomUUID();
    draft = {
      id,
      category,
      level,
      callerNumber: session.customerNumber,
      callbackNumber,
      language: session.language,
      callId: session.recorder.id,
      createdAt: session.now.toISOString(),
      acceptedAt: acceptedAt.toISOString(),
      deadline: deadline.toISOString(),
      recordingName: `voicemail-${id}`,
    };
    try {
      await vm.open(draft);
    } catch (err) {
      session.log.error({ err }, 'voicemail cannot be kept: the journal is not writable');
      await session.play([node.prompts.failed], 'emergency');
      return node.next;
    }
    await session.leg.setVar(VOICEMAIL_VAR, draft.id);
    session.log.info({ ticket: draft.id, category, callback: maskNumber(callbackNumber) }, 'voicemail ticket opened');
  }
  // Keep what happened before (a desk nobody answered) next to the ticket.
  const before = session.recorder.current;
  session.recorder.outcome('voicemail', { ...before.outcomeDetail, ...(before.outcome ? { before: before.outcome } : {}), ticketId: draft.id });

  const end = await recordMessage(
    session,
    { name: draft.recordingName, maxSeconds: node.maxSeconds, maxSilenceSeconds: node.maxSilenceSeconds, intro: () => session.play([node.prompts.intro], 'emergency') },
    (e) => vm.finish(draft.id, e),
  );
  return finishAndClose(node, session, vm, draft, end);
}

async function finishAndClose(
  node: VoicemailNode,
  session: CallSession,
  vm: VoicemailServices,
  draft: TicketDraft,
  end: RecordingEnd,
): Promise<string> {
  await vm.finish(draft.id, end);
  await session.leg.setVar(VOICEMAIL_VAR, '');
  session.log.info({ ticket: draft.id, end }, 'voicemail recorded');
  const words = spokenDeadline(new Date(draft.deadline), session.now, session.language, vm.calendar.timezone);
  const callbackBy = await vm.renderTemplate(node.prompts.callbackBy, session.language, { deadline: words });
  const files = session.files([node.prompts.saved]);
  if (callbackBy) files.push(callbackBy);
  await session.playFiles(files, 'emergency');
  return node.next;
}

/** The voicemail this call was recording when the application stopped, if any. */
async function resumeDraft(session: CallSession, vm: VoicemailServices): Promise<TicketDraft | null> {
  const id = await session.leg.getVar(VOICEMAIL_VAR);
  if (!id) return null;
  const draft = await vm.draft(id);
  if (!draft) session.log.warn({ ticket: id }, 'voicemail of this call is no longer in the journal');
  return draft;
}

/**
 * Waits while a recording an earlier process started is still running: at most
 * as long as a recording can last (Asterisk ends it by then), and not past
 * the caller's hang-up.
 */
async function waitWhileLive(session: CallSession, vm: VoicemailServices, name: string, maxSeconds: number): Promise<void> {
  const deadline = Date.now() + (maxSeconds + 5) * 1000;
  while (Date.now() < deadline && !session.leg.ended.aborted && (await vm.isLive(name))) {
    await abortableSleep(500, session.leg.ended);
  }
}

/**
 * The callback number (SCR-24/25): the caller id read back and confirmed with
 * 1, or another number keyed and ended with #, which is read back in turn.
 * After confirmAttempts without an answer the number stands as it is.
 */
async function confirmNumber(node: VoicemailNode, session: CallSession): Promise<string> {
  let number = DIALABLE.test(session.customerNumber) ? session.customerNumber : '';
  const { prompts } = node;
  session.globalKeys = false;
  try {
    for (let attempt = 1; attempt <= node.confirmAttempts; attempt++) {
      const question = number
        ? [session.env.prompts.file(prompts.numberIs, session.language), ...session.env.prompts.digitFiles(number, session.language), session.env.prompts.file(prompts.confirm, session.language)]
        : session.files([prompts.enterNumber]);
      session.leg.clearKeys();
      const played = await session.playFiles(question, 'any');
      if (played.kind === 'key') session.leg.unreadKey(played.key);
      const got = await session.collect({ firstKeyTimeoutMs: 6000, interKeyTimeoutMs: 3000, maxKeys: 21, terminator: '#' });
      const keys = got.kind === 'voice' ? '' : got.keys;
      if (keys) session.recordKey(keys);
      if (number && keys === '1') {
        await session.play([prompts.thanks], 'emergency');
        return number;
      }
      if (keys === '') continue;
      if (DIALABLE.test(keys)) {
        number = keys;
        continue;
      }
      await session.play([prompts.invalidNumber], 'emergency');
    }
    return number;
  } finally {
    session.globalKeys = true;
  }
}
