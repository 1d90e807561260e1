import type { DialFailure } from './port.ts';

/**
 * Maps an ISDN/Q.850 hang-up cause (what Asterisk reports when an outgoing call
 * fails) to the reason our flows and call records use.
 */
export function dialFailureFromCause(cause: number | null): DialFailure {
  switch (cause) {
    case 17: // user busy
      return 'busy';
    case 18: // no user responding
    case 19: // no answer
    case 16: // normal clearing before answer: the originate timed out
      return 'no-answer';
    case 21: // call rejected
    case 24: // call rejected due to feature at the destination
      return 'rejected';
    case 1: // unallocated number
    case 3: // no route to destination
    case 20: // subscriber absent (not registered)
    case 27: // destination out of order
    case 34: // no circuit available
    case 38: // network out of order
    case 41: // temporary failure
    case 42: // switching equipment congestion
      return 'unavailable';
    default:
      return 'failed';
  }
}
