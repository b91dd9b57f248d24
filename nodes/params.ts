// Parameter specs: one declaration per parameter drives defaults, validation on load and
// compile, the inspector's forms, the CLI's --set and the docs.

interface ParamBase {
  title: string;
  /** One or two sentences for people: shown on hover and in `ebm-studio nodes`. */
  doc: string;
  /** Show this parameter only when another parameter has one of these values. */
  visibleWhen?: { param: string; oneOf: readonly (string | boolean)[] };
}

export interface NumberParam extends ParamBase {
  kind: 'number';
  default: number;
  min?: number;
  max?: number;
  /** Strict lower bound (e.g. a step size that must be > 0). */
  exclusiveMin?: boolean;
  unit?: string;
  /** Forms use a log slider for quantities that span decades (learning rates, step sizes). */
  scale?: 'linear' | 'log';
}

export interface IntegerParam extends ParamBase {
  kind: 'integer';
  default: number;
  min: number;
  max: number;
  unit?: string;
}

export interface ChoiceParam<V extends string = string> extends ParamBase {
  kind: 'choice';
  default: V;
  options: readonly { value: V; label: string; doc?: string }[];
}

export interface BooleanParam extends ParamBase {
  kind: 'boolean';
  default: boolean;
}

export interface IntegerListParam extends ParamBase {
  kind: 'integerList';
  default: readonly number[];
  min: number;
  max: number;
  minLength: number;
  maxLength: number;
  unit?: string;
}

/** Source code written by people (a custom energy's TypeScript): multi-line text, kept exactly as
 * typed. Editors show it in a code editor; elsewhere a text area. */
export interface CodeParam extends ParamBase {
  kind: 'code';
  default: string;
  language: 'typescript';
  /** In characters: a graph file stays a reasonable size. */
  maxLength: number;
}

export type ParamSpec = NumberParam | IntegerParam | ChoiceParam | BooleanParam | IntegerListParam | CodeParam;
export type ParamSpecs = Record<string, ParamSpec>;

export type ParamValue<S extends ParamSpec> = S extends ChoiceParam<infer V>
  ? V
  : S extends BooleanParam
    ? boolean
    : S extends IntegerListParam
      ? number[]
      : S extends CodeParam
        ? string
        : number;

export type ParamValues<P extends ParamSpecs> = { [K in keyof P]: ParamValue<P[K]> };

// Constructors: they keep literal types for choices and read well in node definitions.
export const num = (spec: Omit<NumberParam, 'kind'>): NumberParam => ({ kind: 'number', ...spec });
export const int = (spec: Omit<IntegerParam, 'kind'>): IntegerParam => ({ kind: 'integer', ...spec });
export const bool = (spec: Omit<BooleanParam, 'kind'>): BooleanParam => ({ kind: 'boolean', ...spec });
export const intList = (spec: Omit<IntegerListParam, 'kind'>): IntegerListParam => ({ kind: 'integerList', ...spec });
export const code = (spec: Omit<CodeParam, 'kind'>): CodeParam => ({ kind: 'code', ...spec });
export function choice<const V extends string>(spec: Omit<ChoiceParam<V>, 'kind'>): ChoiceParam<V> {
  return { kind: 'choice', ...spec };
}

/** Checks one value against its spec; returns a plain-language problem or null. */
export function checkParam(spec: ParamSpec, value: unknown): string | null {
  switch (spec.kind) {
    case 'number':
    case 'integer': {
      if (typeof value !== 'number') return `expected a number, got ${describe(value)}`;
      if (!Number.isFinite(value)) return `must be a finite number, got ${value}`;
      if (spec.kind === 'integer' && !Number.isInteger(value)) return `must be a whole number, got ${value}`;
      if (spec.min !== undefined) {
        const exclusive = spec.kind === 'number' && spec.exclusiveMin;
        if (exclusive ? value <= spec.min : value < spec.min) return `must be ${exclusive ? '>' : '≥'} ${spec.min}, got ${value}`;
      }
      if (spec.max !== undefined && value > spec.max) return `must be ≤ ${spec.max}, got ${value}`;
      return null;
    }
    case 'choice':
      if (typeof value !== 'string' || !spec.options.some((o) => o.value === value))
        return `must be one of ${spec.options.map((o) => `"${o.value}"`).join(', ')}, got ${describe(value)}`;
      return null;
    case 'boolean':
      return typeof value === 'boolean' ? null : `expected true or false, got ${describe(value)}`;
    case 'integerList': {
      if (!Array.isArray(value)) return `expected a list of whole numbers, got ${describe(value)}`;
      if (value.length < spec.minLength || value.length > spec.maxLength)
        return `must have ${spec.minLength} to ${spec.maxLength} entries, got ${value.length}`;
      for (const [i, v] of value.entries()) {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < spec.min || v > spec.max)
          return `entry ${i + 1} must be a whole number from ${spec.min} to ${spec.max}, got ${describe(v)}`;
      }
      return null;
    }
    case 'code':
      if (typeof value !== 'string') return `expected ${spec.language} code as text, got ${describe(value)}`;
      if (value.length > spec.maxLength) return `is ${value.length} characters long; the most is ${spec.maxLength}`;
      return null;
  }
}

/** Parses a value typed by a person (the CLI's --set) into the spec's type, or explains why not. */
export function parseParamText(spec: ParamSpec, text: string): { value: unknown } | { problem: string } {
  const t = text.trim();
  switch (spec.kind) {
    case 'number':
    case 'integer': {
      const v = Number(t);
      if (t === '' || Number.isNaN(v)) return { problem: `"${text}" is not a number` };
      return { value: v };
    }
    case 'boolean':
      if (t === 'true' || t === 'false') return { value: t === 'true' };
      return { problem: `"${text}" is not true or false` };
    case 'choice':
      return { value: t };
    case 'integerList': {
      const parts = t.replace(/^\[|\]$/g, '').split(',').map((s) => s.trim()).filter(Boolean);
      const values = parts.map(Number);
      if (values.some((v) => Number.isNaN(v))) return { problem: `"${text}" is not a comma-separated list of numbers` };
      return { value: values };
    }
    case 'code':
      // Code is taken exactly as written: its whitespace and line breaks are part of it.
      return { value: text };
  }
}

/** A short human summary of a spec: `0.001 (> 0, log)` etc., for docs and the CLI. */
export function describeSpec(spec: ParamSpec): string {
  switch (spec.kind) {
    case 'number':
    case 'integer': {
      const range =
        spec.min !== undefined || spec.max !== undefined
          ? ` [${spec.min ?? '-∞'}${spec.kind === 'number' && spec.exclusiveMin ? ' (exclusive)' : ''} … ${spec.max ?? '∞'}]`
          : '';
      return `${spec.kind}, default ${spec.default}${spec.unit ? ` ${spec.unit}` : ''}${range}`;
    }
    case 'choice':
      return `one of ${spec.options.map((o) => o.value).join(' | ')}, default ${spec.default}`;
    case 'boolean':
      return `boolean, default ${spec.default}`;
    case 'integerList':
      return `list of ${spec.minLength}-${spec.maxLength} integers in [${spec.min} … ${spec.max}], default [${spec.default.join(', ')}]`;
    case 'code':
      return `${spec.language} code, up to ${spec.maxLength} characters, default ${spec.default.split('\n').length} lines of example code`;
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `"${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
  if (typeof v === 'object') return 'an object';
  return String(v);
}
