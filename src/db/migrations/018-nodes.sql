-- Several nodes share the database. Each says it is alive (nodes.last_seen,
-- by the database's clock, so nodes' clocks do not matter), and every
-- voicemail and spoken survey comment names the node whose Asterisk records
-- it: that node finishes it; another adopts it only when that node is gone
-- (src/nodes/, src/voicemail/). '' is a single-node installation from before.
create table nodes (
  id text primary key,
  started_at timestamptz not null,
  last_seen timestamptz not null
);
alter table tickets add column recorded_on text not null default '';
alter table survey_responses add column recorded_on text not null default '';
-- The node that places an outbound attempt: only it can tell whether the call
-- still exists in its Asterisk (its recovery closes the ones that do not).
alter table callback_attempts add column node_id text not null default '';
