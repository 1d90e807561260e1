import path from 'node:path';
import type { Feature, ServiceBase } from '../feature.ts';
import type { Flow } from '../ivr/flow-schema.ts';
import { bindKinds } from '../ivr/node-kind.ts';
import type { NodeRegistry } from '../nodes/index.ts';
import type { RecordingStore } from '../recordings/recording-store.ts';
import type { TicketRepository } from '../tickets/ticket-repository.ts';
import type { Ticket } from '../tickets/ticket.ts';
import { VoicemailJournal } from './journal.ts';
import { ticketSink } from './ticket-sink.ts';
import { voicemailNode, type VoicemailNode } from './voicemail-node.ts';
import { voicemailServices } from './voicemail-services.ts';
import { VoicemailKeeper } from './voicemail-keeper.ts';

/** The node kinds of this feature. */
export const VOICEMAIL_NODE_KINDS = [voicemailNode] as const;

export interface VoicemailUses {
  tickets: Pick<TicketRepository, 'create' | 'completeRecording' | 'unfinished'>;
  recordings: RecordingStore;
  /** The nodes sharing the database: a gone node's unfinished voicemails are adopted. */
  nodes: NodeRegistry;
  /** Tells staff of a completed ticket. */
  announce(ticket: Ticket): Promise<void>;
}

/**
 * Voicemail that becomes a ticket and is never lost: the voicemail node, and
 * the keeper that brings every recording into the store and its ticket
 * (with the reconciler for what a crash or an outage left unfinished).
 */
export function createVoicemail(base: Pick<ServiceBase, 'config' | 'db' | 'log' | 'telephony' | 'prompts' | 'flows'>, uses: VoicemailUses): Feature {
  const { config, db, telephony } = base;
  const log = base.log.child({ component: 'voicemail' });
  const { tickets } = uses;
  const keeper = new VoicemailKeeper({
    journal: new VoicemailJournal(path.join(config.dataDir, 'voicemail-journal')),
    tickets: ticketSink(tickets, () => db.whenMigrated()),
    archive: telephony.recordings,
    store: uses.recordings,
    log,
    // Read when the reconciler asks: the flows are loaded after the features are made.
    get maxRecordingSeconds() {
      return longestRecording(base.flows.all());
    },
    onCompleted: (t) => uses.announce(t),
    reconcileEveryMs: config.voicemail.reconcileSeconds * 1000,
    nodeId: config.node.id,
    goneNodes: () => uses.nodes.gone(),
  });
  return {
    name: 'voicemail',
    nodes: bindKinds(VOICEMAIL_NODE_KINDS, voicemailServices(keeper, telephony.recordings, base.prompts, config.calendar, log)),
    workers: [{ name: 'voicemail keeper', start: () => keeper.start(), stop: () => keeper.stop() }],
  };
}

/** The longest recording any voicemail node of the flows allows, s (at least the default 3 min). */
function longestRecording(flows: readonly Flow[]): number {
  const limits = flows.flatMap((f) => Object.values(f.nodes)).filter((n): n is VoicemailNode => n.kind === voicemailNode.kind).map((n) => n.maxSeconds);
  return Math.max(180, ...limits);
}
