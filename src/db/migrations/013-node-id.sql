-- Several nodes (one Asterisk and one application each) share the database:
-- every call record names the node that carried it (config node.id). Rows of
-- a single-node installation from before keep '' (the node was the only one).
alter table calls add column node_id text not null default '';
