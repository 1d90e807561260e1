export { freeUdpPort, freeUdpPortBlock, LOOPBACK } from './ports.ts';
export { MARKER, type Scenario, type BuiltScenario, type Role } from './scenario.ts';
export { MEDIA_TAIL_MS, LEAD_IN_MS, dtmfStepMs } from './scenario-media.ts';
export { type DtmfOptions } from './scenario-steps.ts';
export { uac, UacScenario, type UacOptions } from './uac-scenario.ts';
export { uas, UasScenario } from './uas-scenario.ts';
export { uasCalls } from './calls-scenario.ts';
export { runSipp, stopAllSipp, type RunSippOptions, type SippProcess, type SippResult } from './runner.ts';
export { runningSippPids } from './process-tracking.ts';
export { type SippEvent, type WaitForEventOptions } from './runner-logs.ts';
export {
  readPcapInfo,
  stockDtmfPcap,
  STOCK_VOICE_PCAP,
  STOCK_DTMF_PCAP_MS,
  STOCK_VOICE_PCAP_MS,
  DTMF_TONE_MS,
  DTMF_GAP_MS,
  type PcapInfo,
} from './pcap.ts';
