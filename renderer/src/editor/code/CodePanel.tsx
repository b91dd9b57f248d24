// The code panel: a node's custom code in Monaco, beside the canvas. Apply (the button, Ctrl/Cmd+S
// or Ctrl/Cmd+Enter in the editor) writes it into the node and checks it; under the editor, every
// mark in the code (TypeScript's as you type, the check's after Apply), the parameters the check
// found, and whether score-based objectives accept the code. What happens is code-store.ts's.
import { useEffect, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import { useCode, useEditor, useEditorContext } from '../context.ts';
import { setActiveCodeEditor } from './active-editor.ts';
import { codeOf, currentCheck, hasUnappliedEdits, type CodeCheck, type CodeRef } from './code-store.ts';
import { checkMarkers } from './markers.ts';
import type { CodeEditorHandle, ShownMarker } from './monaco-editor.ts';

const MIN_WIDTH = 360;

export function CodePanel() {
  const open = useCode((s) => s.open);
  if (!open) return null;
  return <OpenCodePanel key={`${open.nodeId}\u0000${open.param}`} open={open} />;
}

function OpenCodePanel({ open }: { open: CodeRef }) {
  const { code: codeStore, catalog } = useEditorContext();
  const doc = useEditor((s) => s.doc);
  const draft = useCode((s) => s.draft);
  const closing = useCode((s) => s.closing);
  const restricted = useCode((s) => s.restriction !== null);
  const lastCheck = useCode((s) => s.checks[open.nodeId]);
  const node = doc.nodes.find((n) => n.id === open.nodeId);
  const applied = codeOf(doc, open, catalog);
  const unapplied = useCode((s) => hasUnappliedEdits(s, doc, catalog));
  const check = useCode((s) => currentCheck(s, doc, open, catalog));
  const name = node ? (node.label ?? node.id) : open.nodeId;

  const [width, setWidth] = useState(() => Math.round(Math.min(820, Math.max(MIN_WIDTH, window.innerWidth * 0.42))));
  const host = useRef<HTMLDivElement>(null);
  const [editor, setEditor] = useState<CodeEditorHandle | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [markers, setMarkers] = useState<ShownMarker[]>([]);

  // Monaco loads on first use (its own chunk, workers and styles).
  useEffect(() => {
    let cancelled = false;
    let handle: CodeEditorHandle | null = null;
    import('./monaco-editor.ts').then(
      ({ createCodeEditor }) => {
        if (cancelled || !host.current) return;
        handle = createCodeEditor(host.current, {
          text: codeStore.getState().draft ?? '',
          onChange: (text) => codeStore.getState().setDraft(text),
          onApply: () => void codeStore.getState().apply(),
          onMarkers: setMarkers,
        });
        setActiveCodeEditor(handle);
        setEditor(handle);
        handle.focus();
      },
      (e: unknown) => !cancelled && setLoadError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      cancelled = true;
      setActiveCodeEditor(null);
      handle?.dispose();
    };
  }, [codeStore]);

  // The node's code changed under the panel (undo): the store moved the draft; the editor follows.
  useEffect(() => {
    if (editor && draft !== null) editor.setText(draft);
  }, [editor, draft]);

  // The last check's marks, at the lines of the code it checked; its parameters type Params.
  useEffect(() => {
    if (!editor) return;
    editor.setCheckMarkers(check?.status === 'done' && check.result ? checkMarkers(check.result, check.code) : []);
  }, [editor, check]);
  useEffect(() => {
    if (editor && lastCheck?.result) editor.setCheckedParams(lastCheck.result.params);
  }, [editor, lastCheck]);

  const startResize = (e: ReactPointerEvent<HTMLDivElement>) => {
    const startX = e.clientX;
    const startWidth = width;
    const target = e.currentTarget;
    target.setPointerCapture(e.pointerId);
    const max = () => Math.max(MIN_WIDTH, window.innerWidth - 210 - 300 - 240);
    const move = (m: PointerEvent) => setWidth(Math.round(Math.min(max(), Math.max(MIN_WIDTH, startWidth + startX - m.clientX))));
    const up = () => {
      target.removeEventListener('pointermove', move);
      target.removeEventListener('pointerup', up);
    };
    target.addEventListener('pointermove', move);
    target.addEventListener('pointerup', up);
  };

  const sorted = [...markers].sort((a, b) => a.line - b.line || a.column - b.column);
  const errors = markers.filter((m) => m.severity === 'error').length;

  return (
    // nokey: React Flow's key handlers (Space pans the canvas…) leave the panel's keys alone; Monaco
    // types into an EditContext, which they would not take for a text field.
    <section className="code-panel nokey" style={{ width }} aria-label={`Code of ${name}`} data-testid="code-panel">
      <div className="code-panel__splitter" onPointerDown={startResize} title="Drag to resize" role="separator" aria-orientation="vertical" />
      <header className="code-panel__header">
        <div className="code-panel__title">
          <span className="code-panel__kind">Code</span> {name}
          {unapplied && (
            <span className="code-panel__unapplied" data-testid="code-unapplied" title="The text differs from the node's code: Apply writes it into the graph">
              ● not applied
            </span>
          )}
        </div>
        <button
          type="button"
          className="primary"
          onClick={() => void codeStore.getState().apply()}
          disabled={!node || check?.status === 'checking'}
          title={restricted ? 'Write the code into the graph; it is checked once you trust the graph’s code (Ctrl+S)' : 'Write the code into the graph and check it on a small batch (Ctrl+S or Ctrl+Enter)'}
          data-testid="code-apply"
        >
          {restricted ? 'Apply (not checked)' : 'Apply & check'}
        </button>
        <button type="button" className="code-panel__close" onClick={() => codeStore.getState().requestClose()} title="Close the code" aria-label="Close the code" data-testid="code-close">
          ✕
        </button>
      </header>
      {closing && (
        <div className="code-panel__ask" role="alertdialog" aria-label="Unapplied changes" data-testid="code-closing">
          <span>The code has changes that are not applied.</span>
          <button type="button" className="primary" onClick={() => void codeStore.getState().answerClose('apply')}>
            Apply
          </button>
          <button type="button" onClick={() => void codeStore.getState().answerClose('discard')}>
            Discard changes
          </button>
          <button type="button" onClick={() => void codeStore.getState().answerClose('keep')}>
            Keep editing
          </button>
        </div>
      )}
      {!node && <div className="code-panel__note code-panel__note--error">This node is no longer in the graph (undo brings it back). The text stays here until you close the panel.</div>}
      {restricted && (
        <div className="code-panel__note code-panel__note--warning" data-testid="code-restricted">
          This graph’s custom code is not trusted yet: read it, edit it, apply it; it is checked and runs once you trust it.
        </div>
      )}
      <div className="code-panel__editor">
        <div ref={host} className="code-panel__monaco" data-testid="code-editor" />
        {!editor && <div className="code-panel__loading">{loadError ? `The code editor did not load: ${loadError}` : 'Loading the code editor…'}</div>}
      </div>
      <div className="code-panel__results">
        <CheckStatus check={check} applied={applied} scoreBased={catalog.types.filter((d) => d.needsSecondOrder).map((d) => d.title)} />
        <ul className="code-problems" data-testid="code-problems" aria-label="Problems in the code">
          {sorted.map((m, i) => (
            <li key={i}>
              <button
                type="button"
                className={`code-problems__item code-problems__item--${m.severity}`}
                onClick={() => editor?.reveal(m.line, m.column)}
                data-source={m.source}
                data-line={m.line}
                data-code={m.code}
              >
                <span className="code-problems__severity">{m.severity === 'error' ? '✕' : m.severity === 'warning' ? '!' : 'i'}</span>
                <span className="code-problems__where">
                  {m.line}:{m.column}
                </span>
                <span className="code-problems__message">{m.message}</span>
                <span className="code-problems__source">{m.source === 'check' ? 'check' : `TS${m.code}`}</span>
              </button>
            </li>
          ))}
        </ul>
        {markers.length === 0 && editor && <p className="code-panel__quiet">No problems marked in the code.</p>}
        {errors > 0 && <p className="code-panel__quiet">Hover a mark in the code or pick a problem to go to it.</p>}
      </div>
    </section>
  );
}

/** What the last check of the node's code found. */
function CheckStatus({ check, applied, scoreBased }: { check: CodeCheck | null; applied: string | null; scoreBased: string[] }) {
  if (applied === null) return null;
  if (!check)
    return (
      <p className="code-check code-check--none" data-testid="code-check" data-state="none">
        Not checked since it last changed: Apply checks it on a small batch (one finite energy per row, gradients for x and every parameter).
      </p>
    );
  if (check.status === 'checking')
    return (
      <p className="code-check code-check--checking" data-testid="code-check" data-state="checking">
        Checking on a small batch…
      </p>
    );
  if (check.status === 'restricted')
    return (
      <p className="code-check code-check--none" data-testid="code-check" data-state="restricted">
        Not checked: the graph’s custom code is not trusted yet.
      </p>
    );
  if (check.status === 'failed' || !check.result)
    return (
      <p className="code-check code-check--error" data-testid="code-check" data-state="failed">
        The check could not run: {check.error}
      </p>
    );
  const { result } = check;
  const problems = result.diagnostics.filter((d) => d.severity === 'error').length;
  return (
    <div className="code-check" data-testid="code-check" data-state={result.ok ? 'ok' : 'problems'}>
      <p className={result.ok ? 'code-check--ok' : 'code-check--error'}>
        {result.ok
          ? '✓ Checked: one finite energy per row, and gradients for x and every parameter.'
          : `✕ The check found ${problems} problem${problems === 1 ? '' : 's'}, marked in the code. The code is kept in the graph; a run would stop on it.`}
      </p>
      {result.params.length > 0 && (
        <p className="code-check__params" data-testid="code-params">
          Parameters:{' '}
          {result.params.map((p, i) => (
            <span key={p.name}>
              {i > 0 && ', '}
              <code>{p.name}</code> [{p.shape.join(', ')}]
            </span>
          ))}
        </p>
      )}
      {(result.secondOrder.ok || result.secondOrder.problems.length > 0) && (
        <p
          className={result.secondOrder.ok ? 'code-check__second' : 'code-check__second code-check--warning'}
          title={`Score-based objectives: ${scoreBased.join(', ')}`}
          data-testid="code-second-order"
          data-ok={result.secondOrder.ok}
        >
          {result.secondOrder.ok
            ? 'Score-based objectives accept it: every op it uses has verified second derivatives.'
            : `Score-based objectives refuse it: ${result.secondOrder.problems.length} place${result.secondOrder.problems.length === 1 ? '' : 's'} without verified second derivatives, marked as warnings. The other objectives take it.`}
        </p>
      )}
    </div>
  );
}
