-- How much of a voicemail is speech, measured when the audio is stored
-- (src/audio/speech.ts). A ticket whose recording has (almost) none is "no
-- message": the caller stayed silent until the silence limit. Staff sort
-- those out, and the missed-call callback takes them up. Null for tickets
-- stored before this was measured.
alter table tickets add column recording_speech_ms integer;

create index tickets_no_message on tickets (created_at desc)
  where recording_state = 'empty' or recording_speech_ms < 1000;
