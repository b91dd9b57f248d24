// Every problem in the document (from loading and from the compiler), worst first. Clicking one
// selects the node it names and brings it into view.
import { useReactFlow } from '@xyflow/react';
import type { Diagnostic } from '../../../app/diagnostics.ts';
import { useDiagnostics, useEditorContext } from './context.ts';

export function ProblemsList() {
  const { store } = useEditorContext();
  const diagnostics = useDiagnostics();
  const rf = useReactFlow();
  const sorted = [...diagnostics].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  if (!sorted.length) return <p className="problems__none" data-testid="problems">No problems: the graph compiles.</p>;
  const reveal = (d: Diagnostic) => {
    if (!d.nodeId || !store.getState().doc.nodes.some((n) => n.id === d.nodeId)) return;
    store.getState().select([d.nodeId]);
    void rf.fitView({ nodes: [{ id: d.nodeId }], duration: 300, maxZoom: 1.2, padding: 0.6 });
  };
  return (
    <ul className="problems" data-testid="problems">
      {sorted.map((d, i) => (
        <li key={i}>
          <button type="button" className={`problems__item problems__item--${d.severity}`} onClick={() => reveal(d)} disabled={!d.nodeId} data-code={d.code}>
            <span className="problems__severity">{d.severity === 'error' ? '✕' : '!'}</span>
            <span className="problems__message">{d.message}</span>
            <span className="problems__where">
              {[d.nodeId && `node ${d.nodeId}`, d.param && `param ${d.param}`, d.port && `port ${d.port}`, !d.nodeId && d.path].filter(Boolean).join(' · ')}
              <code> {d.code}</code>
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}
