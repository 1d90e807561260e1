-- Retention (SEC-03) reaches the outbound calls too: a survey comment's audio
-- is deleted like a voicemail's, and the row says so rather than pointing at a
-- file that is gone.
alter table survey_responses drop constraint survey_responses_comment_state_check;
alter table survey_responses add constraint survey_responses_comment_state_check
  check (comment_state in ('recording', 'stored', 'empty', 'deleted'));
