import { Type } from '@sinclair/typebox';

/**
 * The SIP load balancer (Kamailio) in front of several nodes: only the
 * machine that runs it (`npm run balancer`) reads this. Nodes are probed
 * with SIP OPTIONS; see kamailio-config/kamailio.cfg.
 */
export const BalancerSchema = Type.Object(
  {
    binary: Type.String({ default: 'kamailio' }),
    /** Where Kamailio's modules are; default: found under /usr/lib. */
    modulesDir: Type.Optional(Type.String()),
    sipBind: Type.String({ default: '127.0.0.1' }),
    sipPort: Type.Integer({ minimum: 1, maximum: 65535, default: 5060 }),
    /** Public address for Via and Record-Route when the balancer sits behind NAT. */
    advertise: Type.Optional(Type.String()),
    /** Seconds between SIP OPTIONS probes of each node; one missed answer takes a node out. */
    probeSeconds: Type.Integer({ minimum: 1, maximum: 60, default: 2 }),
    /** A node that sends no provisional answer to a call within this is skipped (and marked down). */
    tryingMs: Type.Integer({ minimum: 200, maximum: 10_000, default: 1500 }),
    /** A node that said Trying but has not answered a call within this is stuck: the call goes to the next (nodes answer at once). */
    answerMs: Type.Integer({ minimum: 1000, maximum: 60_000, default: 8000 }),
    /** Worker processes. */
    children: Type.Integer({ minimum: 1, maximum: 32, default: 4 }),
    nodes: Type.Array(
      Type.Object(
        {
          id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,39}$' }),
          /** host:port of the node's Asterisk (its asterisk.sipBind and sipPort). */
          sip: Type.String({ pattern: '^[A-Za-z0-9.-]+:[0-9]{1,5}$' }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
  },
  { additionalProperties: false },
);
