/** Traffic simulator: seeded legit traffic plus labelled fraud scenarios as risk.v1.DecideRequest JSON. */

export {
  /** True when a PAN passes the Luhn check. */
  isLuhnValid,
  /** Luhn check digit of a PAN payload. */
  luhnCheckDigit,
  /** Random valid-Luhn PAN for a BIN. */
  randomPan,
  /** Sequential valid-Luhn PAN for a BIN (BIN enumeration). */
  sequentialPan,
} from './card.js';
export {
  /** CLI output streams. */
  type CliIo,
  /** Parsed CLI options. */
  type CliOptions,
  /** Parses CLI argv into options; throws UsageError. */
  parseCliArgs,
  /** Parses durations like 90s, 30m, 6h, 2d, 1h30m into ms. */
  parseDuration,
  /** Parses a scenario mix like card_testing=3,stolen_card=1. */
  parseMix,
  /** The NDJSON line of a record: exactly {"label","scenario","request"}. */
  recordLine,
  /** Runs the CLI with argv and output streams; resolves with the exit code (0 ok, 1 failure, 2 bad flags). */
  runCli,
  /** CLI usage text. */
  USAGE,
  /** Error for bad command-line flags (exit code 2). */
  UsageError,
} from './cli.js';
export {
  /** Seedable sfc32 PRNG with sampling helpers. */
  Rng,
} from './rng.js';
export {
  /** gRPC method path of Decide. */
  DECIDE_METHOD,
  /** Decision counts by decision name. */
  type DecisionCounts,
  /** ALLOW | CHALLENGE | REVIEW | BLOCK | UNSPECIFIED. */
  type DecisionName,
  /** Normalises a decision (enum name or number) to its name. */
  decisionName,
  /** One-line running progress. */
  formatProgress,
  /** Final summary table: totals, latency, decisions by label and scenario. */
  formatSummary,
  /** gRPC sender: unary /risk.v1.DecisionService/Decide via a generic grpc-js client. */
  grpcSender,
  /** Options of runLoad (rate, concurrency, progress, abort signal). */
  type LoadOptions,
  /** Running progress passed to onProgress. */
  type LoadProgress,
  /** Tally of a load run. */
  type LoadSummary,
  /** Nearest-rank percentile of a sorted array. */
  percentile,
  /** REST sender: POST {url}/v1/decisions over a keep-alive agent. */
  restSender,
  /** Sends records with bounded concurrency and optional rate; errors are counted, never thrown. */
  runLoad,
  /** Error a sender rejects with; `code` groups errors (http_503, timeout, grpc_UNAVAILABLE...). */
  SendError,
  /** A send function plus close(). */
  type Sender,
  /** Sends one record and resolves with its decision. */
  type SendFn,
} from './send.js';
export {
  /** Creates a seeded, deterministic simulator; `events()` yields labelled events in time order. */
  createSimulator,
  /** Default simulated start time (RFC 3339). */
  DEFAULT_START,
  /** Options with every default applied. */
  type ResolvedOptions,
  /** Applies option defaults and validates them (throws RangeError). */
  resolveOptions,
  /** A configured simulator; each events() call replays the same run. */
  type Simulator,
} from './simulator.js';
export {
  /** Default share of fraud events per scenario. */
  DEFAULT_MIX,
  /** JSON of risk.v1.DecideRequest as generated. */
  type DecideRequestJson,
  /** JSON of risk.v1.Event as generated. */
  type EventJson,
  /** The five fraud scenario names, in a fixed order. */
  FRAUD_SCENARIOS,
  /** A fraud scenario name. */
  type FraudScenario,
  /** A generated record plus its time (ms) and fraud incident id. */
  type LabelledEvent,
  /** One output record: label, scenario, request. */
  type LabelledRecord,
  /** legit or one of the fraud scenarios. */
  type Scenario,
  /** Share of fraud events per scenario. */
  type ScenarioMix,
  /** Options of createSimulator. */
  type SimulatorOptions,
} from './types.js';
export {
  /** Formats epoch ms as RFC 3339 UTC like protobuf JSON. */
  isoTime,
} from './world.js';
