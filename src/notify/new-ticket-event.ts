/**
 * What the ticket code hands to the notification outbox when a voicemail has
 * become a ticket. The full caller number is here only so that this module can
 * mask it; it is never sent, stored in the outbox or logged in full.
 */
export interface NewTicketEvent {
  ticketId: string; // uuid
  reference: string; // 'HL-20261124-0042'
  category: 'repair' | 'billing' | 'complaint' | 'other';
  level: number | null; // complaint level 1–4, null where it does not apply
  language: string; // 'zh-CN' | 'en-US'
  callerNumber: string; // full number: ONLY for masking inside src/notify; never sent or logged in full
  deadline: string; // ISO 8601
  createdAt: string; // ISO 8601
  recordingSeconds: number | null;
}
