/** What the e2e global set-up provides to every test file (vitest inject('e2e')). */
export interface E2eEnvironment {
  root: string;
  /** The hotline configuration the Asterisk of this run was rendered from. */
  configFile: string;
  databaseUrl: string;
  ariUrl: string;
  ariUser: string;
  ariPassword: string;
  adminToken: string;
  httpUrl: string;
  asteriskConf: string;
  asteriskLog: string;
  asteriskPid: number;
  ports: {
    sip: number;
    ari: number;
    http: number;
    trunk: number;
    desk1: number;
    desk2: number;
    duty1: number;
    duty2: number;
    /** Where the duty-alert webhook posts (tests listen here when they check alerts). */
    webhook: number;
    rtpStart: number;
  };
  pg: { dataDir: string; port: number; baseDir: string; logFile: string };
}
