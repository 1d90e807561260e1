export { freeUdpPort, freeUdpPortBlock, LOOPBACK } from './ports.ts';
export {
  uac,
  uas,
  uasCalls,
  dtmfStepMs,
  MARKER,
  MEDIA_TAIL_MS,
  LEAD_IN_MS,
  UacScenario,
  UasScenario,
  type Scenario,
  type BuiltScenario,
  type UacOptions,
  type DtmfOptions,
  type Role,
} from './scenario.ts';
export {
  runSipp,
  runningSippPids,
  stopAllSipp,
  type RunSippOptions,
  type SippProcess,
  type SippResult,
  type SippEvent,
  type WaitForEventOptions,
} from './runner.ts';
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
