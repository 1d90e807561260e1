-- Indexes for reads measured by bench/figures-bench.ts (issue 12).
--
-- The monthly figures take each ticket's first reply: the earliest history
-- row that set it resolved or closed (src/figures/figures-repository.ts).
-- Without this index every ticket of the month read all of its history rows
-- (and the plan's cost switched on JIT compilation): 174 ms for 10,000
-- tickets; with it, one index-only probe each: 18 ms. The predicate is the
-- query's own, word for word, so the planner can use it.
create index if not exists ticket_history_replies on ticket_history (ticket_id, at)
  where action = 'status' and to_value #>> '{}' in ('resolved', 'closed');
