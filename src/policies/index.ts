export {
  type CompileOptions,
  compileExpression,
  type EvalContext,
  type ExpressionError,
  type ListLookup,
  type Predicate,
} from './expression.js';
/** One list item from a bundle file or the admin API, normalised for its list's match type. */
export { matchProblem, parseListItem } from './list-item.js';
export { createListMatcher, type ListMatch, type ListMatcher, normaliseItem } from './list-matcher.js';
export {
  createListSet,
  defaultMatch,
  LIST_FIELD,
  type ListHit,
  type ListItem,
  type ListKind,
  type ListSet,
  type RiskList,
} from './lists.js';
/** The text form of rules: `<action> if <condition>` blocks with @ metadata. */
export { parseRuleText, type RuleTextError } from './rule-text.js';
export { type CompiledRule, compileRules, type RuleError, type RuleSource } from './rules.js';
/** Sequence (CEP) rules: Flink CEP's patterns per key, compiled from sequences.json. */
export {
  type CompiledSequence,
  type Contiguity,
  compileSequences,
  parseDurationMs,
  parseQuantifier,
  type SequenceStep,
  sequenceIds,
  stageFeatureOf,
} from './sequence.js';
/** Partial-match state of the sequences, per key, journaled and snapshotted beside the counters. */
export {
  createSequenceState,
  type SequenceOutcome,
  type SequenceState,
  type SequenceStateOptions,
  type SequenceStateSection,
} from './sequence-state.js';
