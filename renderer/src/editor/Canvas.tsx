// The canvas: React Flow drawing the document. Nodes and wires are derived from the document;
// every change the user makes goes back through the pure edits of graph-edits.ts and the store,
// so the document stays the one source of truth (React Flow keeps only what it measures).
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent, type MouseEvent as ReactMouseEvent } from 'react';
import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  applyNodeChanges,
  useReactFlow,
  type Edge,
  type EdgeChange,
  type FinalConnectionState,
  type IsValidConnection,
  type NodeChange,
  type OnConnect,
} from '@xyflow/react';
import type { Diagnostic } from '../../../app/diagnostics.ts';
import { PORT_TYPES, type AnyNodeDef } from '../../../nodes/define.ts';
import { diagnosticsOf, useEditor, useEditorContext } from './context.ts';
import { EbmNode, type EbmFlowNode, type EbmNodeData } from './EbmNode.tsx';
import { addNode, connect, connectionProblem, edgeId, fittingTypes, moveNodes, portOf, portsUsedByEdges, type Connection, type XY } from './graph-edits.ts';
import { NODE_TYPE_MIME } from './Palette.tsx';
import { QuickAdd, type QuickAddOption } from './QuickAdd.tsx';

// Props React Flow compares by reference: made once, so a re-render during a drag changes nothing else.
const nodeTypes = { ebm: EbmNode };
const DEFAULT_VIEWPORT = { x: 0, y: 0, zoom: 1 };
const PRO_OPTIONS = { hideAttribution: true };

/** True while the drag carries files from the desktop (not a node from the palette, nor text). */
const carriesFiles = (data: DataTransfer): boolean => data.types.includes('Files');

/**
 * Refuses files dropped anywhere but where a handler took them (the canvas): a browser would
 * otherwise leave the app to show the file. Returns the function that removes the guard.
 */
function refuseStrayFileDrops(target: Window): () => void {
  const onDragOver = (e: globalThis.DragEvent) => {
    if (!e.dataTransfer || !carriesFiles(e.dataTransfer) || e.defaultPrevented) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'none';
  };
  const onDrop = (e: globalThis.DragEvent) => {
    if (e.dataTransfer && carriesFiles(e.dataTransfer)) e.preventDefault();
  };
  target.addEventListener('dragover', onDragOver);
  target.addEventListener('drop', onDrop);
  return () => {
    target.removeEventListener('dragover', onDragOver);
    target.removeEventListener('drop', onDrop);
  };
}

/** The canvas takes nodes from the palette, and files (a graph file, or a PNG carrying a graph). */
function onDragOver(e: DragEvent) {
  if (e.dataTransfer.types.includes(NODE_TYPE_MIME) || carriesFiles(e.dataTransfer)) {
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  }
}

interface Picker {
  screen: XY;
  flow: XY;
  heading: string;
  options: QuickAddOption[];
  /** The wire being dragged when the picker opened: the new node gets it. */
  wire?: { node: string; handle: string; side: 'source' | 'target' };
}

export function Canvas({
  showMinimap,
  runFailure,
  onDropFile,
  onOpenCode,
}: {
  showMinimap: boolean;
  runFailure: Diagnostic | null;
  onDropFile(file: File): void;
  /** A double-click on a node: its code opens, if it has code. */
  onOpenCode(nodeId: string): void;
}) {
  const { store, catalog } = useEditorContext();
  const doc = useEditor((s) => s.doc);
  const loadDiagnostics = useEditor((s) => s.loadDiagnostics);
  const selectedNodes = useEditor((s) => s.selectedNodes);
  const selectedEdges = useEditor((s) => s.selectedEdges);
  const rf = useReactFlow<EbmFlowNode>();
  const wrapper = useRef<HTMLDivElement>(null);
  const [picker, setPicker] = useState<Picker | null>(null);
  const [nodes, setNodes] = useState<EbmFlowNode[]>([]);

  // Nodes from the document; React Flow's measurements (and a drag in progress) are kept across rebuilds.
  useEffect(() => {
    const byNode = new Map<string, Diagnostic[]>();
    for (const d of [...loadDiagnostics, ...diagnosticsOf(doc, catalog), ...(runFailure ? [runFailure] : [])]) {
      if (d.nodeId) byNode.set(d.nodeId, [...(byNode.get(d.nodeId) ?? []), d]);
    }
    const selected = new Set(selectedNodes);
    setNodes((previous) => {
      const before = new Map(previous.map((n) => [n.id, n]));
      return doc.nodes.map((n) => ({
        id: n.id,
        type: 'ebm' as const,
        // A node being dragged keeps the place React Flow gave it; the document catches up at the end.
        position: before.get(n.id)?.dragging ? before.get(n.id)!.position : n.position,
        dragging: before.get(n.id)?.dragging ?? false,
        selected: selected.has(n.id),
        measured: before.get(n.id)?.measured,
        data: reuse(before.get(n.id)?.data, { node: n, def: catalog.get(n.type), diagnostics: byNode.get(n.id) ?? [], placeholderPorts: portsUsedByEdges(doc, n.id) }),
      }));
    });
  }, [doc, catalog, loadDiagnostics, selectedNodes, runFailure]);

  const edges = useMemo<Edge[]>(() => {
    const selected = new Set(selectedEdges);
    return doc.edges.map((e) => {
      const id = edgeId(e);
      const source = doc.nodes.find((n) => n.id === e.source.node);
      const port = portOf(source && catalog.get(source.type), 'outputs', e.source.port);
      const color = port ? PORT_TYPES[port.type].color : '#999';
      return {
        id,
        source: e.source.node,
        sourceHandle: e.source.port,
        target: e.target.node,
        targetHandle: e.target.port,
        selected: selected.has(id),
        style: { stroke: color, strokeWidth: selected.has(id) ? 3 : 2 },
      };
    });
  }, [doc, catalog, selectedEdges]);

  // A drag moves nodes on the canvas only (nothing else re-renders while the mouse moves); the
  // document takes the result when the drag ends, as one undo step.
  const dragging = useRef(false);
  /** Commits new positions, if any differs from the document's. */
  const commitMoves = useCallback(
    (moved: ReadonlyMap<string, XY>) => {
      const doc = store.getState().doc;
      const changed = new Map(
        [...moved].filter(([id, p]) => {
          const n = doc.nodes.find((m) => m.id === id);
          return n !== undefined && (Math.round(p.x) !== n.position.x || Math.round(p.y) !== n.position.y);
        }),
      );
      if (changed.size) store.getState().commit(moveNodes(doc, changed));
    },
    [store],
  );
  const onNodesChange = useCallback(
    (changes: NodeChange<EbmFlowNode>[]) => {
      setNodes((nds) => applyNodeChanges(changes, nds));
      if (!dragging.current) {
        // Nodes nudged with the arrow keys: each press is an edit.
        const nudged = new Map<string, XY>();
        for (const c of changes) if (c.type === 'position' && c.position) nudged.set(c.id, c.position);
        commitMoves(nudged);
      }
      const selects = changes.filter((c) => c.type === 'select');
      if (selects.length) {
        const s = new Set(store.getState().selectedNodes);
        for (const c of selects) {
          if (c.selected) s.add(c.id);
          else s.delete(c.id);
        }
        store.getState().select([...s], store.getState().selectedEdges);
      }
    },
    [store, commitMoves],
  );

  const onDragStart = useCallback(() => {
    dragging.current = true;
  }, []);
  const onDragStop = useCallback(
    (_event: unknown, _node: unknown, dragged: EbmFlowNode[]) => {
      dragging.current = false;
      commitMoves(new Map(dragged.map((n) => [n.id, n.position])));
    },
    [commitMoves],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => {
      const selects = changes.filter((c) => c.type === 'select');
      if (!selects.length) return;
      const s = new Set(store.getState().selectedEdges);
      for (const c of selects) {
        if (c.selected) s.add(c.id);
        else s.delete(c.id);
      }
      store.getState().select(store.getState().selectedNodes, [...s]);
    },
    [store],
  );

  const asConnection = (c: { source: string; target: string; sourceHandle?: string | null; targetHandle?: string | null }): Connection => ({
    source: c.source,
    target: c.target,
    sourceHandle: c.sourceHandle ?? '',
    targetHandle: c.targetHandle ?? '',
  });

  const isValidConnection = useCallback<IsValidConnection>(
    (c) => connectionProblem(store.getState().doc, catalog, asConnection(c)) === null,
    [store, catalog],
  );

  const onConnect = useCallback<OnConnect>(
    (c) => {
      const result = connect(store.getState().doc, catalog, asConnection(c));
      if ('problem' in result) store.getState().notify('error', `Not connected: ${result.problem}.`);
      else store.getState().commit(result.doc);
    },
    [store, catalog],
  );

  const onConnectEnd = useCallback(
    (event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (state.isValid || !state.fromHandle || !state.fromNode) return;
      const from = state.fromHandle;
      if (state.toHandle) {
        // Dropped on a port that does not fit: say why.
        const [source, target] = from.type === 'source' ? [from, state.toHandle] : [state.toHandle, from];
        const problem = connectionProblem(store.getState().doc, catalog, {
          source: source.nodeId,
          sourceHandle: source.id ?? '',
          target: target.nodeId,
          targetHandle: target.id ?? '',
        });
        if (problem) store.getState().notify('error', `Not connected: ${problem}.`);
        return;
      }
      if (state.toNode) return;
      // Dropped on empty canvas: offer the node types that fit this port.
      const node = store.getState().doc.nodes.find((n) => n.id === from.nodeId);
      const def = node && catalog.get(node.type);
      const port = portOf(def, from.type === 'source' ? 'outputs' : 'inputs', from.id ?? '');
      if (!port) return;
      const point = 'changedTouches' in event ? event.changedTouches[0]! : event;
      const flow = rf.screenToFlowPosition({ x: point.clientX, y: point.clientY });
      setPicker({
        screen: toLocal(wrapper.current, point.clientX, point.clientY),
        flow,
        heading: `Add a node that ${from.type === 'source' ? 'takes' : 'gives'} ${PORT_TYPES[port.type].title.toLowerCase()}`,
        options: fittingTypes(catalog, { side: from.type, portType: port.type }),
        wire: { node: from.nodeId, handle: from.id ?? '', side: from.type },
      });
    },
    [store, catalog, rf],
  );

  const addAt = useCallback(
    (def: AnyNodeDef, flow: XY, wire?: Picker['wire'], port?: string) => {
      const { doc: withNode, id } = addNode(store.getState().doc, def, flow);
      let next = withNode;
      if (wire && port) {
        const c: Connection =
          wire.side === 'source'
            ? { source: wire.node, sourceHandle: wire.handle, target: id, targetHandle: port }
            : { source: id, sourceHandle: port, target: wire.node, targetHandle: wire.handle };
        const r = connect(next, catalog, c);
        if ('doc' in r) next = r.doc;
      }
      store.getState().commit(next, { nodes: [id] });
    },
    [store, catalog],
  );

  const onNodeDoubleClick = useCallback((_event: ReactMouseEvent, node: EbmFlowNode) => onOpenCode(node.id), [onOpenCode]);

  const onSelectionDragStop = useCallback((event: unknown, dragged: EbmFlowNode[]) => onDragStop(event, null, dragged), [onDragStop]);

  // A file dropped anywhere else must not make the browser leave the app for it.
  useEffect(() => refuseStrayFileDrops(window), []);

  const onDrop = useCallback(
    (e: DragEvent) => {
      const file = e.dataTransfer.files[0];
      if (file && !e.dataTransfer.types.includes(NODE_TYPE_MIME)) {
        e.preventDefault();
        onDropFile(file);
        return;
      }
      const type = e.dataTransfer.getData(NODE_TYPE_MIME);
      const def = type && catalog.get(type);
      if (!def) return;
      e.preventDefault();
      addAt(def, rf.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
    },
    [catalog, rf, addAt, onDropFile],
  );

  const onDoubleClick = useCallback(
    (e: ReactMouseEvent) => {
      if (!(e.target instanceof Element) || !e.target.classList.contains('react-flow__pane')) return;
      setPicker({
        screen: toLocal(wrapper.current, e.clientX, e.clientY),
        flow: rf.screenToFlowPosition({ x: e.clientX, y: e.clientY }),
        heading: 'Add a node',
        options: catalog.types.map((def) => ({ def })),
      });
    },
    [catalog, rf],
  );

  return (
    <div className="canvas" ref={wrapper} onDoubleClick={onDoubleClick} data-testid="canvas">
      <ReactFlow<EbmFlowNode>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onNodeDragStart={onDragStart}
        onNodeDragStop={onDragStop}
        onSelectionDragStart={onDragStart}
        onSelectionDragStop={onSelectionDragStop}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        onNodeDoubleClick={onNodeDoubleClick}
        isValidConnection={isValidConnection}
        onDragOver={onDragOver}
        onDrop={onDrop}
        deleteKeyCode={null}
        zoomOnDoubleClick={false}
        minZoom={0.2}
        maxZoom={2.5}
        defaultViewport={DEFAULT_VIEWPORT}
        proOptions={PRO_OPTIONS}
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1} />
        <Controls showInteractive={false} />
        {showMinimap && <MiniMap pannable zoomable nodeStrokeWidth={3} data-testid="minimap" />}
      </ReactFlow>
      {doc.nodes.length === 0 && (
        <div className="canvas__empty">
          <p>Drag nodes from the palette, or double-click the canvas to add one.</p>
          <p>Or start from an example (File › Examples), or drop a graph file or a run’s picture here.</p>
        </div>
      )}
      {picker && (
        <QuickAdd
          screen={picker.screen}
          heading={picker.heading}
          options={picker.options}
          onClose={() => setPicker(null)}
          onPick={(o) => {
            addAt(o.def, picker.flow, picker.wire, o.port);
            setPicker(null);
          }}
        />
      )}
    </div>
  );
}

/** The previous data when nothing in it changed, so the memoised node view does not re-render
 * (selecting a node would otherwise redraw every node). */
function reuse(previous: EbmNodeData | undefined, next: EbmNodeData): EbmNodeData {
  if (!previous || previous.node !== next.node || previous.def !== next.def) return next;
  const sameList = <T,>(a: readonly T[], b: readonly T[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (!sameList(previous.placeholderPorts.inputs, next.placeholderPorts.inputs) || !sameList(previous.placeholderPorts.outputs, next.placeholderPorts.outputs)) return next;
  const key = (d: Diagnostic) => `${d.severity}\u0000${d.code}\u0000${d.message}`;
  return sameList(previous.diagnostics.map(key), next.diagnostics.map(key)) ? previous : next;
}

function toLocal(el: HTMLElement | null, x: number, y: number): XY {
  const r = el?.getBoundingClientRect();
  return { x: x - (r?.left ?? 0), y: y - (r?.top ?? 0) };
}
