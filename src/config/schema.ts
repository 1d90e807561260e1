import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { BalancerSchema } from './balancer-schema.ts';
import { OutboundSchema } from './outbound-schema.ts';

/**
 * The hotline's configuration, validated once at start (see load-config.ts).
 * Every default here is what a fresh clone runs with: a demo hotline on
 * 127.0.0.1 whose phones are SIP endpoints on loopback.
 */

const Hhmm = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$|^24:00$' });
/** "08:00-20:00": opening interval in local time, end exclusive. */
const Interval = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d-(([01]\\d|2[0-3]):[0-5]\\d|24:00)$' });
const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });

export const LanguageSchema = Type.Union([Type.Literal('zh-CN'), Type.Literal('en-US')]);
export type Language = Static<typeof LanguageSchema>;

export const WeeklyHoursSchema = Type.Object(
  {
    mon: Type.Array(Interval, { default: [] }),
    tue: Type.Array(Interval, { default: [] }),
    wed: Type.Array(Interval, { default: [] }),
    thu: Type.Array(Interval, { default: [] }),
    fri: Type.Array(Interval, { default: [] }),
    sat: Type.Array(Interval, { default: [] }),
    sun: Type.Array(Interval, { default: [] }),
  },
  { additionalProperties: false },
);

export const HolidaySchema = Type.Object(
  {
    date: IsoDate,
    /** Name in Mandarin, e.g. 春节; used for logs and the console. */
    name: Type.String({ minLength: 1 }),
    /** Greeting variant for this day (SCR-13): new-year, labour-day, mid-autumn, national-day. */
    greeting: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

export const MakeupWorkdaySchema = Type.Object(
  {
    date: IsoDate,
    name: Type.Optional(Type.String()),
    /** Opening hours that day; defaults to the hours of an ordinary Monday. */
    hours: Type.Optional(Type.Array(Interval)),
  },
  { additionalProperties: false },
);

export const CalendarSchema = Type.Object(
  {
    /** IANA time zone of the service area. */
    timezone: Type.String({ default: 'Asia/Shanghai' }),
    weekly: WeeklyHoursSchema,
    holidays: Type.Array(HolidaySchema, { default: [] }),
    /** 调休: Saturdays or Sundays that are working days. */
    makeupWorkdays: Type.Array(MakeupWorkdaySchema, { default: [] }),
    /** Local start of each greeting period (SCR-11); evening runs past midnight to morning. */
    greetingPeriods: Type.Object(
      {
        morning: Hhmm,
        noon: Hhmm,
        afternoon: Hhmm,
        evening: Hhmm,
      },
      { default: { morning: '05:00', noon: '11:00', afternoon: '13:00', evening: '18:00' }, additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type CalendarConfig = Static<typeof CalendarSchema>;

/** A SIP phone that Asterisk knows as an endpoint: service desk or duty phone. */
export const PhoneSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][a-z0-9_-]*$' }),
    /** Static contact (sip:host:port) for phones that do not register. */
    contact: Type.Optional(Type.String({ pattern: '^sips?:' })),
    /** Registration password; phones with a password register instead of using a static contact. */
    password: Type.Optional(Type.String({ minLength: 8 })),
  },
  { additionalProperties: false },
);

/**
 * A dial target: the name of a configured phone ("duty1") or a number reached
 * through the trunk ("tel:13800000000").
 */
export const TargetSchema = Type.String({ pattern: '^([a-z][a-z0-9_-]*|tel:\\+?[0-9]{3,20})$' });

/** Delay before the next attempt of a failed notification: doubling from baseSeconds, capped, with jitter. */
export const NotificationRetrySchema = Type.Object(
  {
    baseSeconds: Type.Number({ exclusiveMinimum: 0, maximum: 3600, default: 2 }),
    maxSeconds: Type.Number({ exclusiveMinimum: 0, maximum: 86_400, default: 600 }),
  },
  { default: {}, additionalProperties: false },
);

/** Signed JSON POST of every new ticket (see src/notify/signature.ts). */
export const WebhookNotificationSchema = Type.Object(
  {
    url: Type.String({ pattern: '^https?://' }),
    /** HMAC key; from HOTLINE_WEBHOOK_SECRET, else generated into <dataDir>/secrets/webhook-secret. */
    secret: Type.Optional(Type.String({ minLength: 16 })),
    /** Attempts in all, the first included; the delivery is 'failed' after the last. */
    maxAttempts: Type.Integer({ minimum: 1, maximum: 50, default: 12 }),
    /** An attempt without a response within this time has failed. */
    timeoutSeconds: Type.Number({ exclusiveMinimum: 0, maximum: 60, default: 5 }),
  },
  { additionalProperties: false },
);

/** Plain-text e-mail of every new ticket through an SMTP server (HOTLINE_SMTP_URL sets host, port, secure, user, password). */
export const EmailNotificationSchema = Type.Object(
  {
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 587 }),
    /** true: TLS from the first byte (port 465); false: STARTTLS when the server offers it. */
    secure: Type.Boolean({ default: false }),
    user: Type.Optional(Type.String({ minLength: 1 })),
    /** Better from HOTLINE_SMTP_URL than from this file. */
    password: Type.Optional(Type.String({ minLength: 1 })),
    from: Type.String({ minLength: 3 }),
    to: Type.Array(Type.String({ minLength: 3 }), { minItems: 1 }),
    maxAttempts: Type.Integer({ minimum: 1, maximum: 50, default: 12 }),
    /** Connection, greeting and socket timeout of one attempt. */
    timeoutSeconds: Type.Number({ exclusiveMinimum: 0, maximum: 300, default: 30 }),
  },
  { additionalProperties: false },
);

/** Staff notifications of new tickets; each channel is off until configured. */
export const NotificationsSchema = Type.Object(
  {
    /** Where staff reach the HTTP API, for the ticket link; default http://<http.host>:<http.port>. */
    publicBaseUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
    webhook: Type.Optional(WebhookNotificationSchema),
    email: Type.Optional(EmailNotificationSchema),
    retry: NotificationRetrySchema,
    /** The worker looks for due deliveries at least this often (another process may have enqueued them). */
    pollSeconds: Type.Number({ exclusiveMinimum: 0, maximum: 3600, default: 5 }),
  },
  { default: {}, additionalProperties: false },
);
export type NotificationsConfig = Static<typeof NotificationsSchema>;

/** A value per language; languages left out take the engine's default. */
const PerLanguage = <T extends TSchema>(value: T) =>
  Type.Object({ 'zh-CN': Type.Optional(value), 'en-US': Type.Optional(value) }, { default: {}, additionalProperties: false });

const GoogleVoiceSchema = Type.Object(
  {
    /** Voice name, e.g. cmn-CN-Wavenet-A. */
    name: Type.String({ minLength: 1 }),
    /** The voice's language code as Google names it: cmn-CN for Mandarin, en-US. */
    languageCode: Type.String({ pattern: '^[a-z]{2,3}-[A-Z]{2}$' }),
  },
  { additionalProperties: false },
);

export const PromptsSchema = Type.Object(
  {
    catalogue: Type.String({ default: 'prompts/catalogue.yaml' }),
    renderedDir: Type.String({ default: 'prompts/rendered' }),
    /**
     * Which engine speaks: google (Cloud Text-to-Speech), espeak (espeak-ng,
     * offline) or auto: google when credentials are configured
     * (prompts.google.credentialsFile or GOOGLE_APPLICATION_CREDENTIALS), else espeak.
     */
    engine: Type.Union([Type.Literal('auto'), Type.Literal('espeak'), Type.Literal('google')], { default: 'auto' }),
    /**
     * While a caller waits (text rendered during a call), the cloud engine has
     * this long before espeak-ng speaks instead.
     */
    fallbackAfterMs: Type.Integer({ minimum: 100, maximum: 30_000, default: 1000 }),
    espeak: Type.Object(
      {
        /** Words a minute (espeak-ng -s); defaults zh-CN 165 (measured: 190 Mandarin characters a minute, SPK-01), en-US 170. */
        rate: PerLanguage(Type.Integer({ minimum: 80, maximum: 450 })),
        voices: PerLanguage(Type.String({ minLength: 1 })),
      },
      { default: {}, additionalProperties: false },
    ),
    google: Type.Object(
      {
        /** Service account key file (else application-default credentials); from GOOGLE_APPLICATION_CREDENTIALS. */
        credentialsFile: Type.Optional(Type.String({ minLength: 1 })),
        /** Another endpoint, e.g. eu-texttospeech.googleapis.com. */
        apiEndpoint: Type.Optional(Type.String({ minLength: 1 })),
        voices: PerLanguage(GoogleVoiceSchema),
        /** audioConfig.speakingRate, 1.0 = the voice's normal speed; Mandarin is set for 180–200 characters a minute (SPK-01). */
        speakingRate: PerLanguage(Type.Number({ minimum: 0.25, maximum: 4 })),
        /** Per request when rendering the catalogue (`npm run prompts`, start-up). */
        timeoutMs: Type.Integer({ minimum: 500, maximum: 120_000, default: 10_000 }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { default: {}, additionalProperties: false },
);
export type PromptsConfig = Static<typeof PromptsSchema>;

export const ConfigSchema = Type.Object(
  {
    /** Folder for everything the service writes (Asterisk runtime, embedded db, logs). */
    dataDir: Type.String({ default: 'var' }),
    logLevel: Type.Union(
      ['trace', 'debug', 'info', 'warn', 'error', 'fatal'].map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
    /** Frozen start instant for tests and demos (HOTLINE_NOW); time then runs on from it. */
    clockStart: Type.Optional(Type.String({ format: 'date-time' })),
    http: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
        /** Bearer token for the operations API until staff accounts exist. */
        adminToken: Type.Optional(Type.String({ minLength: 16 })),
      },
      { default: {}, additionalProperties: false },
    ),
    /** This node: one Asterisk and one application process; several share one PostgreSQL. */
    node: Type.Object(
      {
        /** In every log line and call record; default: HOTLINE_NODE_ID, else the host name. */
        id: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,39}$' })),
        /** True when other nodes share the database: needs database.url (the embedded PGlite serves one process). */
        cluster: Type.Boolean({ default: false }),
        /** A node silent this long is gone for good: another adopts its unfinished voicemails. */
        goneAfterSeconds: Type.Integer({ minimum: 30, maximum: 86_400, default: 300 }),
      },
      { default: {}, additionalProperties: false },
    ),
    balancer: Type.Optional(BalancerSchema),
    database: Type.Object(
      {
        /** postgres://… ; without it an embedded PostgreSQL (PGlite) runs in dataDir. */
        url: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
      },
      { default: {}, additionalProperties: false },
    ),
    asterisk: Type.Object(
      {
        /** Start Asterisk as the service's own process (false: use one already running). */
        manage: Type.Boolean({ default: true }),
        binary: Type.String({ default: 'asterisk' }),
        modulesDir: Type.String({ default: '/usr/lib/asterisk/modules' }),
        soundsDir: Type.String({ default: '/usr/share/asterisk' }),
        ariHost: Type.String({ default: '127.0.0.1' }),
        ariPort: Type.Integer({ minimum: 1, maximum: 65535, default: 8088 }),
        ariUser: Type.String({ default: 'hotline', pattern: '^[a-z][a-z0-9_]*$' }),
        /** Taken from HOTLINE_ARI_PASSWORD; generated into dataDir when absent. */
        ariPassword: Type.Optional(Type.String({ minLength: 12 })),
        appName: Type.String({ default: 'hotline', pattern: '^[a-z][a-z0-9_-]*$' }),
        sipBind: Type.String({ default: '127.0.0.1' }),
        sipPort: Type.Integer({ minimum: 1, maximum: 65535, default: 5060 }),
        /** Public address for SDP and Contact when Asterisk sits behind NAT. */
        externalAddress: Type.Optional(Type.String()),
        rtpPortStart: Type.Integer({ minimum: 1024, maximum: 65535, default: 10000 }),
        rtpPortEnd: Type.Integer({ minimum: 1024, maximum: 65535, default: 10999 }),
        maxCalls: Type.Integer({ minimum: 1, default: 200 }),
        /**
         * HTTP connections the application keeps to ARI at most (kept alive, reused).
         * Asterisk runs a thread per connection and serves 100 at most; see ari-connection.ts.
         */
        ariConnections: Type.Integer({ minimum: 1, maximum: 90, default: 16 }),
      },
      { default: {}, additionalProperties: false },
    ),
    trunk: Type.Object(
      {
        /** Where calls to customers (callbacks) are sent. */
        host: Type.String({ default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 1, maximum: 65535, default: 5070 }),
        /** Source addresses recognised as the trunk (IP or CIDR). */
        match: Type.Array(Type.String(), { default: ['127.0.0.1'] }),
        /** The public hotline number as it arrives in the request URI. */
        hotlineNumber: Type.String({ pattern: '^[0-9+]{3,20}$', default: '95158' }),
        /** Caller id presented on outbound calls (callbacks). */
        outboundCallerId: Type.Optional(Type.String({ pattern: '^[0-9+]{3,20}$' })),
        username: Type.Optional(Type.String()),
        password: Type.Optional(Type.String()),
      },
      { default: {}, additionalProperties: false },
    ),
    phones: Type.Array(PhoneSchema, { default: [] }),
    serviceDesk: Type.Object(
      {
        /** Rung all at once; the first to answer takes the call. */
        targets: Type.Array(TargetSchema, { minItems: 1 }),
        /** A call nobody answers within this time counts as unanswered (ANS-03, 60 s). */
        ringSeconds: Type.Integer({ minimum: 5, maximum: 600, default: 60 }),
      },
      { additionalProperties: false },
    ),
    duty: Type.Object(
      {
        /** Rung in order, one at a time; the list repeats until someone accepts. */
        targets: Type.Array(TargetSchema, { minItems: 1 }),
        ringSeconds: Type.Integer({ minimum: 3, maximum: 120, default: 20 }),
        /** Time the officer has to press 1 after the announcement. */
        acceptSeconds: Type.Integer({ minimum: 2, maximum: 60, default: 8 }),
        /** The caller hears a reassurance this often while the duty line rings. */
        reassuranceSeconds: Type.Integer({ minimum: 5, maximum: 300, default: 30 }),
        /** Receives a JSON POST when a caller hangs up before anyone accepted. */
        alertWebhookUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
        /** Call the caller back at once when they hung up before anyone accepted. */
        callBackAbandoned: Type.Boolean({ default: true }),
      },
      { additionalProperties: false },
    ),
    /** Number announced in the after-hours message (HRS-09). */
    emergencyNumber: Type.String({ pattern: '^[0-9+ -]{3,24}$' }),
    languages: Type.Object(
      {
        default: LanguageSchema,
        enabled: Type.Array(LanguageSchema, { minItems: 1 }),
      },
      { default: { default: 'zh-CN', enabled: ['zh-CN', 'en-US'] }, additionalProperties: false },
    ),
    calendar: CalendarSchema,
    /** Call flow definition (YAML), relative to the project root. */
    flowFile: Type.String({ default: 'flows/hotline.yaml' }),
    voicemail: Type.Object(
      {
        /** The recording store: where voicemail audio is kept (default <dataDir>/recordings). */
        recordingsDir: Type.Optional(Type.String({ minLength: 1 })),
        /** How often unfinished voicemails are matched against Asterisk's recordings, s. */
        reconcileSeconds: Type.Integer({ minimum: 5, maximum: 3600, default: 60 }),
      },
      { default: {}, additionalProperties: false },
    ),
    tickets: Type.Object(
      {
        /** Start of every ticket reference: HL-20261124-0042. */
        referencePrefix: Type.String({ pattern: '^[A-Z]{1,6}$', default: 'HL' }),
      },
      { default: {}, additionalProperties: false },
    ),
    /** Prompt catalogue (YAML), the folder rendered audio goes to, and the speech engines. */
    prompts: PromptsSchema,
    notifications: NotificationsSchema,
    outbound: OutboundSchema,
    /** How long personal data is kept (SEC-03), and when the daily run deletes and masks what expired. */
    retention: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        /** node-cron expression in the calendar's time zone. */
        schedule: Type.String({ minLength: 9, default: '30 3 * * *' }),
        /** Voicemail audio, counted from the ticket's closing. */
        recordingsDays: Type.Integer({ minimum: 1, maximum: 3650, default: 365 }),
        /** A closed ticket's caller and callback numbers. */
        personalDataDays: Type.Integer({ minimum: 1, maximum: 3650, default: 730 }),
        /** The numbers in call records, counted from the call. */
        callRecordsDays: Type.Integer({ minimum: 1, maximum: 3650, default: 730 }),
      },
      { default: {}, additionalProperties: false },
    ),
    /** The monthly report (CB-03, RPT-01), made after each month end and sent through the notification outbox. */
    reports: Type.Object(
      {
        monthly: Type.Object(
          {
            enabled: Type.Boolean({ default: true }),
            /** node-cron expression in the calendar's time zone: by default 07:00 on the 1st, the previous month's report. */
            schedule: Type.String({ minLength: 9, default: '0 7 1 * *' }),
            /** The supervisors who get it by e-mail; empty: notifications.email.to. */
            to: Type.Array(Type.String({ minLength: 3 }), { default: [] }),
          },
          { default: {}, additionalProperties: false },
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    /**
     * Asterisk's CDR of the calls the dialplan handles alone (the emergency fallback while the
     * application is away), imported into the call records (src/cdr/, asterisk-config/cdr_custom.conf).
     */
    cdrImport: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        /** The file cdr_custom writes; default <dataDir>/asterisk/log/cdr-custom/hotline-fallback.csv (relative: in dataDir). */
        file: Type.Optional(Type.String({ minLength: 1 })),
        /** How often the file is read for new lines, s. */
        pollSeconds: Type.Number({ exclusiveMinimum: 0, maximum: 3600, default: 5 }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type HotlineConfig = Static<typeof ConfigSchema>;
export type PhoneConfig = Static<typeof PhoneSchema>;
