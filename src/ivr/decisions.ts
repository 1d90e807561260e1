/**
 * A named function a flow can branch on (decide nodes) or choose prompts by
 * (prompt `select`). Features contribute them (the calendar's service hours,
 * greeting and closing come from src/routing). `outcomes` lists every value it
 * can return, so start-up can check that a flow covers them all.
 */
export interface Decision {
  outcomes(): string[];
  decide(now: Date): string;
}

/** Decisions by name. */
export type Decisions = Readonly<Record<string, Decision>>;
