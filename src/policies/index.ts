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
