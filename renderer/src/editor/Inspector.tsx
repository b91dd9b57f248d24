// The inspector: a form for the selected node, generated from its parameter specs (units, ranges,
// docs on hover, validation as you type), or the experiment's own settings when nothing is
// selected. A value reaches the document only when it is valid; each accepted change is one undo step.
import { useEffect, useId, useState } from 'react';
import type { Diagnostic } from '../../../app/diagnostics.ts';
import type { GraphNode } from '../../../app/graph/document.ts';
import type { AnyNodeDef } from '../../../nodes/define.ts';
import { PORT_TYPES } from '../../../nodes/define.ts';
import { checkParam, describeSpec, parseParamText, type ParamSpec } from '../../../nodes/params.ts';
import { useDiagnostics, useEditor, useEditorContext } from './context.ts';
import { CATEGORY_COLORS, CATEGORY_TITLES } from './categories.ts';
import { resetParam, setLabel, setParam } from './graph-edits.ts';

export function Inspector() {
  const { catalog } = useEditorContext();
  const doc = useEditor((s) => s.doc);
  const selected = useEditor((s) => s.selectedNodes);
  const diagnostics = useDiagnostics();
  const node = selected.length === 1 ? doc.nodes.find((n) => n.id === selected[0]) : undefined;
  return (
    <aside className="inspector" aria-label="Inspector" data-testid="inspector">
      {selected.length > 1 ? (
        <p className="inspector__hint">{selected.length} nodes selected. Drag to move them together; Delete, Cut, Copy and Duplicate apply to all.</p>
      ) : node ? (
        <NodeForm key={node.id} node={node} def={catalog.get(node.type)} diagnostics={diagnostics.filter((d) => d.nodeId === node.id)} />
      ) : (
        <DocumentForm />
      )}
    </aside>
  );
}

function NodeForm({ node, def, diagnostics }: { node: GraphNode; def: AnyNodeDef | undefined; diagnostics: Diagnostic[] }) {
  const { store, code } = useEditorContext();
  const nodeLevel = diagnostics.filter((d) => !d.param);
  if (!def) {
    return (
      <div className="inspector__section">
        <h2 className="inspector__title">Unknown node type</h2>
        <p className="inspector__doc">
          This file uses the node type <code>{node.type}</code> (version {node.typeVersion}), which this version of EBM Studio does not have. The node
          and its parameters are kept as they are and saved unchanged; the graph cannot run until it is replaced.
        </p>
        <pre className="inspector__raw">{JSON.stringify(node.params, null, 2)}</pre>
        <DiagnosticList items={nodeLevel} />
      </div>
    );
  }
  const values = { ...Object.fromEntries(Object.entries(def.params).map(([k, s]) => [k, s.default])), ...node.params } as Record<string, unknown>;
  let derived: ReturnType<NonNullable<AnyNodeDef['derived']>> = {};
  try {
    derived = def.derived?.(values as never) ?? {};
  } catch {
    derived = {};
  }
  return (
    <div className="inspector__section">
      <div className="inspector__category" style={{ color: CATEGORY_COLORS[def.category] }}>
        {CATEGORY_TITLES[def.category]}
      </div>
      <h2 className="inspector__title">{def.title}</h2>
      <NodeDoc doc={def.doc} reference={def.reference} />
      <DiagnosticList items={nodeLevel} />
      <TextField
        label="Label"
        doc="A name for this node, shown on the canvas; the command line's --set accepts it too."
        value={node.label ?? ''}
        testId="field-label"
        onCommit={(text) => {
          store.getState().commit(setLabel(store.getState().doc, node.id, text));
          return null;
        }}
      />
      <div className="inspector__id">
        id <code>{node.id}</code> · {node.type} v{node.typeVersion}
      </div>
      {Object.entries(def.params)
        .filter(([, spec]) => !spec.visibleWhen || spec.visibleWhen.oneOf.includes(values[spec.visibleWhen.param] as string | boolean))
        .map(([name, spec]) => (
          <ParamField
            key={name}
            name={name}
            spec={spec}
            value={values[name]}
            isSet={Object.hasOwn(node.params, name)}
            problems={diagnostics.filter((d) => d.param === name)}
            onChange={(value) => store.getState().commit(setParam(store.getState().doc, node.id, name, value))}
            onReset={() => store.getState().commit(resetParam(store.getState().doc, node.id, name))}
            onEditCode={() => code.getState().openCode(node.id)}
          />
        ))}
      {Object.keys(derived).length > 0 && (
        <div className="inspector__derived">
          <h3>Implied</h3>
          {Object.entries(derived).map(([k, d]) => (
            <div key={k} className="inspector__derived-row" title={d.doc}>
              <span>{k}</span>
              <b>
                {Number.isFinite(d.value) ? Number(d.value.toPrecision(4)) : '—'}
                {d.unit ? ` ${d.unit}` : ''}
              </b>
            </div>
          ))}
        </div>
      )}
      <Ports def={def} />
    </div>
  );
}

/** The node's documentation: its first sentence, the rest on demand. */
function NodeDoc({ doc, reference }: { doc: string; reference: string | undefined }) {
  const cut = doc.search(/\.\s/);
  const first = cut < 0 ? doc : doc.slice(0, cut + 1);
  const rest = cut < 0 ? '' : doc.slice(cut + 1).trim();
  return (
    <details className="inspector__doc">
      <summary>{first}</summary>
      {rest && <p>{rest}</p>}
      {reference && <p className="inspector__reference">{reference}</p>}
    </details>
  );
}

function Ports({ def }: { def: AnyNodeDef }) {
  const rows = [...Object.entries(def.inputs).map(([k, p]) => ['in', k, p] as const), ...Object.entries(def.outputs).map(([k, p]) => ['out', k, p] as const)];
  if (!rows.length) return null;
  return (
    <div className="inspector__ports">
      <h3>Ports</h3>
      {rows.map(([side, name, p]) => (
        <div key={`${side}:${name}`} className="inspector__port" title={p.doc ?? PORT_TYPES[p.type].doc}>
          <span className="inspector__port-dot" style={{ background: PORT_TYPES[p.type].color }} />
          {side === 'in' ? '→ ' : ''}
          {p.title}
          {side === 'out' ? ' →' : ''} <span className="inspector__port-type">{p.type}{p.optional ? ', optional' : ''}</span>
        </div>
      ))}
    </div>
  );
}

export function ParamField(props: {
  name: string;
  spec: ParamSpec;
  value: unknown;
  isSet: boolean;
  problems: Diagnostic[];
  onChange(value: unknown): void;
  onReset(): void;
  /** Opens the code panel on this parameter (kind 'code'). */
  onEditCode(): void;
}) {
  const { spec, value, name } = props;
  const id = useId();
  const help = `${spec.doc}\n${describeSpec(spec)}`;
  const unit = 'unit' in spec && spec.unit ? spec.unit : undefined;
  let control;
  if (spec.kind === 'choice') {
    control = (
      <select id={id} value={String(value)} onChange={(e) => props.onChange(e.target.value)} data-testid={`param-${name}`}>
        {spec.options.map((o) => (
          <option key={o.value} value={o.value} title={o.doc}>
            {o.label}
          </option>
        ))}
        {!spec.options.some((o) => o.value === value) && <option value={String(value)}>{String(value)} (invalid)</option>}
      </select>
    );
  } else if (spec.kind === 'boolean') {
    control = <input id={id} type="checkbox" checked={value === true} onChange={(e) => props.onChange(e.target.checked)} data-testid={`param-${name}`} />;
  } else if (spec.kind === 'code') {
    control = <CodeSummary id={id} testId={`param-${name}`} text={typeof value === 'string' ? value : ''} onEdit={props.onEditCode} />;
  } else {
    control = (
      <ValueInput
        id={id}
        testId={`param-${name}`}
        text={Array.isArray(value) ? value.join(', ') : String(value)}
        check={(text) => {
          const parsed = parseParamText(spec, text);
          if ('problem' in parsed) return { problem: parsed.problem };
          const problem = checkParam(spec, parsed.value);
          return problem ? { problem } : { value: parsed.value };
        }}
        onCommit={props.onChange}
      />
    );
  }
  return (
    <div className={`field${props.problems.some((p) => p.severity === 'error') ? ' field--error' : ''}`}>
      <label htmlFor={id} className="field__label" title={help}>
        {spec.title}
        {unit && <span className="field__unit"> ({unit})</span>}
        <span className="field__help" aria-hidden="true">
          ?
        </span>
      </label>
      <div className="field__control">
        {control}
        {props.isSet && (
          <button type="button" className="field__reset" title={`Back to the default (${describeDefault(spec)})`} onClick={props.onReset}>
            ↺
          </button>
        )}
      </div>
      <div className="field__range">{describeRange(spec)}</div>
      {props.problems.map((p, i) => (
        <div key={i} className={`field__problem field__problem--${p.severity}`} role="alert">
          {p.message}
        </div>
      ))}
    </div>
  );
}

/** A text box that checks what is typed and commits only a valid value (Enter or leaving the box). */
function ValueInput(props: { id: string; testId: string; text: string; check(text: string): { value: unknown } | { problem: string }; onCommit(value: unknown): void }) {
  const [text, setText] = useState(props.text);
  useEffect(() => setText(props.text), [props.text]);
  const result = props.check(text);
  const problem = 'problem' in result ? result.problem : null;
  const commit = () => {
    if (text === props.text) return;
    if ('value' in result) props.onCommit(result.value);
  };
  return (
    <span className="value-input">
      <input
        id={props.id}
        data-testid={props.testId}
        className={problem ? 'value-input--invalid' : ''}
        aria-invalid={problem !== null}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
          if (e.key === 'Escape') setText(props.text);
        }}
      />
      {problem && (
        <span className="value-input__problem" role="alert">
          {problem} (not applied)
        </span>
      )}
    </span>
  );
}

/** Code is edited in the code panel (code/CodePanel.tsx), not here: its size, and a button to open it. */
function CodeSummary(props: { id: string; testId: string; text: string; onEdit(): void }) {
  const lines = props.text.split('\n').length;
  return (
    <span className="code-summary">
      <span className="code-summary__size" data-testid={props.testId}>
        {lines} line{lines === 1 ? '' : 's'}
      </span>
      <button type="button" id={props.id} className="primary" onClick={props.onEdit} title="Open the code beside the canvas (or double-click the node)" data-testid="edit-code">
        Edit code
      </button>
    </span>
  );
}

function TextField(props: { label: string; doc: string; value: string; testId: string; onCommit(text: string): string | null; multiline?: boolean }) {
  const id = useId();
  const [text, setText] = useState(props.value);
  useEffect(() => setText(props.value), [props.value]);
  const commit = () => {
    if (text !== props.value) props.onCommit(text);
  };
  return (
    <div className="field">
      <label htmlFor={id} className="field__label" title={props.doc}>
        {props.label}
      </label>
      {props.multiline ? (
        <textarea id={id} data-testid={props.testId} value={text} rows={4} onChange={(e) => setText(e.target.value)} onBlur={commit} />
      ) : (
        <input id={id} data-testid={props.testId} value={text} onChange={(e) => setText(e.target.value)} onBlur={commit} onKeyDown={(e) => e.key === 'Enter' && commit()} />
      )}
    </div>
  );
}

function DocumentForm() {
  const { store } = useEditorContext();
  const doc = useEditor((s) => s.doc);
  const update = (f: (d: typeof doc) => typeof doc) => store.getState().commit(f(store.getState().doc));
  return (
    <div className="inspector__section">
      <div className="inspector__category">Experiment</div>
      <h2 className="inspector__title">{doc.metadata.title || 'Untitled'}</h2>
      <p className="inspector__hint">Select a node to edit its parameters. These settings belong to the whole experiment.</p>
      <TextField label="Title" doc="The name of the experiment." value={doc.metadata.title} testId="doc-title" onCommit={(t) => (update((d) => ({ ...d, metadata: { ...d.metadata, title: t } })), null)} />
      <TextField
        label="Notes"
        doc="Plain-text notes for people, saved in the file."
        value={doc.metadata.description}
        testId="doc-description"
        multiline
        onCommit={(t) => (update((d) => ({ ...d, metadata: { ...d.metadata, description: t } })), null)}
      />
      <div className="field">
        <label className="field__label" title="The same graph, seed and backend give the same run, bit for bit.">
          Seed
        </label>
        <ValueInput
          id="doc-seed"
          testId="doc-seed"
          text={String(doc.seed)}
          check={(t) => {
            const v = Number(t);
            return t.trim() !== '' && Number.isInteger(v) && v >= 0 && v <= 2 ** 32 - 1 ? { value: v } : { problem: 'a whole number from 0 to 4294967295' };
          }}
          onCommit={(v) => update((d) => ({ ...d, seed: v as number }))}
        />
      </div>
    </div>
  );
}

export function DiagnosticList({ items }: { items: Diagnostic[] }) {
  if (!items.length) return null;
  return (
    <ul className="inspector__problems">
      {items.map((d, i) => (
        <li key={i} className={`field__problem field__problem--${d.severity}`}>
          {d.message}
        </li>
      ))}
    </ul>
  );
}

function describeDefault(spec: ParamSpec): string {
  if (spec.kind === 'code') return 'the example code';
  return Array.isArray(spec.default) ? spec.default.join(', ') : String(spec.default);
}

function describeRange(spec: ParamSpec): string {
  switch (spec.kind) {
    case 'number':
    case 'integer': {
      const lo = spec.min === undefined ? '' : `${spec.kind === 'number' && spec.exclusiveMin ? '>' : '≥'} ${spec.min}`;
      const hi = spec.max === undefined ? '' : `≤ ${spec.max}`;
      return [lo, hi].filter(Boolean).join(', ') + ` · default ${spec.default}`;
    }
    case 'integerList':
      return `${spec.minLength}–${spec.maxLength} whole numbers from ${spec.min} to ${spec.max}, comma-separated · default ${spec.default.join(', ')}`;
    case 'choice':
      return spec.options.find((o) => o.value === spec.default) ? `default ${spec.options.find((o) => o.value === spec.default)!.label}` : '';
    case 'boolean':
      return `default ${spec.default ? 'on' : 'off'}`;
    case 'code':
      return `${spec.language === 'typescript' ? 'TypeScript' : spec.language}, up to ${spec.maxLength.toLocaleString('en')} characters`;
  }
}
