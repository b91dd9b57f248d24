// How a graph node looks on the canvas: its title, typed ports (handles coloured by port type),
// a line of its parameters, and the problems the compiler or a failed run found in it.
import { memo } from 'react';
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import type { Diagnostic } from '../../../app/diagnostics.ts';
import type { GraphNode } from '../../../app/graph/document.ts';
import { PORT_TYPES, type AnyNodeDef, type PortDef } from '../../../nodes/define.ts';
import type { ParamSpec } from '../../../nodes/params.ts';
import { CATEGORY_COLORS } from './categories.ts';

export interface EbmNodeData extends Record<string, unknown> {
  node: GraphNode;
  /** Absent for a type the catalog does not know: the node is a placeholder that keeps its data. */
  def: AnyNodeDef | undefined;
  diagnostics: Diagnostic[];
  /** Ports of a placeholder, from the wires that use them. */
  placeholderPorts: { inputs: string[]; outputs: string[] };
}
export type EbmFlowNode = Node<EbmNodeData, 'ebm'>;

function EbmNodeView({ data, selected }: NodeProps<EbmFlowNode>) {
  const { node, def, diagnostics } = data;
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const warnings = diagnostics.filter((d) => d.severity === 'warning');
  const status = errors.length ? 'error' : warnings.length ? 'warning' : 'ok';
  const inputs: [string, PortDef | undefined][] = def ? Object.entries(def.inputs) : data.placeholderPorts.inputs.map((p) => [p, undefined]);
  const outputs: [string, PortDef | undefined][] = def ? Object.entries(def.outputs) : data.placeholderPorts.outputs.map((p) => [p, undefined]);
  const rows = Math.max(inputs.length, outputs.length);
  const title = node.label ?? def?.title ?? node.type;
  return (
    <div
      className={`ebm-node ebm-node--${status}${selected ? ' ebm-node--selected' : ''}${def ? '' : ' ebm-node--placeholder'}`}
      style={{ ['--category' as string]: def ? CATEGORY_COLORS[def.category] : '#888' }}
      data-testid={`node-${node.id}`}
      data-node-type={node.type}
      data-status={status}
      title={diagnostics.map((d) => `${d.severity}: ${d.message}`).join('\n') || def?.doc || ''}
    >
      <div className="ebm-node__header">
        <span className="ebm-node__title">{title}</span>
        {diagnostics.length > 0 && (
          <span className={`ebm-node__badge ebm-node__badge--${status}`} aria-label={`${errors.length} errors, ${warnings.length} warnings`}>
            {errors.length || warnings.length}
          </span>
        )}
      </div>
      <div className="ebm-node__type">{def ? `${def.title !== title ? `${def.title} · ` : ''}${node.id}` : `unknown type “${node.type}” · kept as is`}</div>
      <div className="ebm-node__ports">
        {Array.from({ length: rows }, (_, i) => (
          <div className="ebm-node__port-row" key={i}>
            <PortLabel side="in" entry={inputs[i]} />
            <PortLabel side="out" entry={outputs[i]} />
          </div>
        ))}
      </div>
      {def && <ParamLine def={def} node={node} />}
      {errors[0] && <div className="ebm-node__error">{errors[0].message}</div>}
    </div>
  );
}

function PortLabel({ side, entry }: { side: 'in' | 'out'; entry: [string, PortDef | undefined] | undefined }) {
  if (!entry) return <span className={`ebm-port ebm-port--${side} ebm-port--empty`} />;
  const [name, port] = entry;
  const color = port ? PORT_TYPES[port.type].color : '#999';
  return (
    <span className={`ebm-port ebm-port--${side}`} title={port ? `${port.title}: ${PORT_TYPES[port.type].doc}${port.optional ? ' (optional)' : ''}` : name}>
      <Handle
        type={side === 'in' ? 'target' : 'source'}
        position={side === 'in' ? Position.Left : Position.Right}
        id={name}
        className="ebm-handle"
        style={{ background: color, borderColor: color }}
        data-port-type={port?.type ?? 'unknown'}
      />
      <span className="ebm-port__label">
        {port?.title ?? name}
        {port?.optional ? <span className="ebm-port__optional"> (opt.)</span> : null}
      </span>
    </span>
  );
}

/** The node's set parameters at a glance (those left at their default are not repeated). */
function ParamLine({ def, node }: { def: AnyNodeDef; node: GraphNode }) {
  const set = Object.entries(def.params).filter(([name]) => Object.hasOwn(node.params, name));
  if (set.length === 0) return <div className="ebm-node__params ebm-node__params--default">defaults</div>;
  return (
    <div className="ebm-node__params">
      {set.slice(0, 4).map(([name, spec]) => (
        <span key={name} className="ebm-node__param">
          {spec.title.toLowerCase()} <b>{formatValue(spec, node.params[name])}</b>
        </span>
      ))}
      {set.length > 4 && <span className="ebm-node__param">+{set.length - 4}</span>}
    </div>
  );
}

export function formatValue(spec: ParamSpec, value: unknown): string {
  if (Array.isArray(value)) return value.join('×');
  if (spec.kind === 'code') return `${String(value).split('\n').length} lines`;
  if (spec.kind === 'choice') return spec.options.find((o) => o.value === value)?.label ?? String(value);
  if (typeof value === 'number') return `${Number(value.toPrecision(4))}${'unit' in spec && spec.unit ? ` ${spec.unit}` : ''}`;
  return String(value);
}

export const EbmNode = memo(EbmNodeView);
