import type { Language } from '../../config/schema.ts';
import type { RecordingEnd, TicketDraft } from '../../tickets/ticket.ts';
import type { DutyLineNode, FlowNode, TransferNode } from '../flow-schema.ts';
import type { CallSession } from '../call-session.ts';

/** Services that node kinds use to reach people: the service desk and the duty line. */
export interface NodeServices {
  serviceDesk: {
    /** Rings the desk; resolves with who answered (and after the conversation), or null. */
    connect(session: CallSession, node: TransferNode): Promise<{ answeredBy: string } | null>;
  };
  dutyLine: {
    /** Connects the caller to an officer who accepts; returns when the call is over. */
    connect(session: CallSession, node: DutyLineNode): Promise<void>;
  };
  voicemail: VoicemailServices;
}

/** What the voicemail node needs beyond the call: the keeper of tickets and audio. */
export interface VoicemailServices {
  /** Makes the ticket safe (journal, then database) before the beep; throws when nothing can keep it. */
  open(draft: TicketDraft): Promise<void>;
  /** The recording ended; the ticket is completed in the background. */
  finish(id: string, end: RecordingEnd): Promise<void>;
  /** The draft of a voicemail in progress (after a restart), or null. */
  draft(id: string): Promise<TicketDraft | null>;
  /** Whether the recording is still being made (after a restart). */
  isLive(recordingName: string): Promise<boolean>;
  /** Renders a template prompt with call values; null when it cannot be made in time. */
  renderTemplate(id: string, lang: Language, values: Record<string, string>): Promise<string | null>;
}

/**
 * A node kind: runs one node of the flow for a call and returns the id of the
 * next node, or null when the call is over.
 */
export type NodeHandler<N extends FlowNode = FlowNode> = (
  node: N,
  session: CallSession,
  services: NodeServices,
) => Promise<string | null>;
