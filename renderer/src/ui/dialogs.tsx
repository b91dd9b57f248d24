// The app's own dialogs: the unsaved-changes prompt, the examples gallery, the workspace file
// browser (hosts without native dialogs), the list of a file's problems, and File > Export.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { Example, FolderListing, HostApi } from '../../../app/api/contract.ts';
import type { Diagnostic } from '../../../app/diagnostics.ts';

export function Modal(props: { title: string; onClose(): void; children: ReactNode; wide?: boolean; testId?: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    box.current?.querySelector<HTMLElement>('[autofocus], input, button')?.focus();
  }, []);
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && props.onClose()}>
      <div
        ref={box}
        className={`modal${props.wide ? ' modal--wide' : ''}`}
        role="dialog"
        aria-modal="true"
        aria-label={props.title}
        data-testid={props.testId}
        onKeyDown={(e) => e.key === 'Escape' && props.onClose()}
      >
        <h2 className="modal__title">{props.title}</h2>
        {props.children}
      </div>
    </div>
  );
}

export type UnsavedChoice = 'save' | 'discard' | 'cancel';

export function UnsavedDialog(props: { name: string; onChoose(choice: UnsavedChoice): void }) {
  return (
    <Modal title="Unsaved changes" onClose={() => props.onChoose('cancel')} testId="unsaved-dialog">
      <p>“{props.name}” has changes that are not saved. Save them first?</p>
      <div className="modal__buttons">
        <button type="button" onClick={() => props.onChoose('cancel')}>
          Cancel
        </button>
        <button type="button" onClick={() => props.onChoose('discard')}>
          Don’t save
        </button>
        <button type="button" className="primary" onClick={() => props.onChoose('save')} autoFocus>
          Save
        </button>
      </div>
    </Modal>
  );
}

export function ExamplesDialog(props: { host: HostApi; onOpen(id: string): void; onClose(): void }) {
  const [examples, setExamples] = useState<Example[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    props.host.listExamples({}).then(setExamples, (e: unknown) => setProblem(e instanceof Error ? e.message : String(e)));
  }, [props.host]);
  return (
    <Modal title="Examples" onClose={props.onClose} wide testId="examples-dialog">
      {problem && <p className="modal__problem">{problem}</p>}
      {!examples && !problem && <p>Loading…</p>}
      <div className="gallery">
        {examples?.map((ex) => (
          <button key={ex.id} type="button" className="gallery__item" onClick={() => props.onOpen(ex.id)} data-testid={`example-${ex.id}`}>
            <span className="gallery__title">{ex.title}</span>
            <span className="gallery__description">{ex.description}</span>
            <span className="gallery__file">{ex.file}</span>
          </button>
        ))}
      </div>
    </Modal>
  );
}

/** Open or save within the host's workspace (the web host), with the app's own folder browser. */
export function FileDialog(props: { host: HostApi; mode: 'open' | 'save'; suggestedName: string; onChoose(path: string): void; onClose(): void }) {
  const [listing, setListing] = useState<FolderListing | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [name, setName] = useState(props.suggestedName);
  const browse = (folder?: string) =>
    props.host.listFiles(folder === undefined ? {} : { folder }).then(
      (l) => {
        setListing(l);
        setProblem(null);
      },
      (e: unknown) => setProblem(e instanceof Error ? e.message : String(e)),
    );
  useEffect(() => {
    void browse();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const join = (folder: string, file: string) => (folder === '.' || folder === '' ? file : `${folder}/${file}`);
  const chooseName = () => {
    const trimmed = name.trim();
    if (!trimmed) return setProblem('Type a file name.');
    if (trimmed.includes('/') || trimmed.includes('\\')) return setProblem('Pick the folder above; the name may not contain / or \\.');
    props.onChoose(join(listing?.folder ?? '.', trimmed));
  };
  return (
    <Modal title={props.mode === 'open' ? 'Open a graph' : 'Save the graph as'} onClose={props.onClose} wide testId="file-dialog">
      <div className="files__folder">
        <span>Folder: </span>
        <code>{listing?.folder ?? '…'}</code>
        {listing?.parent != null && (
          <button type="button" onClick={() => void browse(listing.parent!)}>
            ↑ Up
          </button>
        )}
      </div>
      <ul className="files">
        {listing?.entries.length === 0 && <li className="files__empty">No graph files here.</li>}
        {listing?.entries.map((e) => (
          <li key={e.path}>
            <button
              type="button"
              className={`files__entry files__entry--${e.kind}`}
              data-testid={`file-${e.name}`}
              onClick={() => (e.kind === 'folder' ? void browse(e.path) : props.mode === 'open' ? props.onChoose(e.path) : setName(e.name))}
            >
              {e.kind === 'folder' ? '📁 ' : ''}
              {e.name}
            </button>
          </li>
        ))}
      </ul>
      {props.mode === 'save' && (
        <form
          className="files__save"
          onSubmit={(e) => {
            e.preventDefault();
            chooseName();
          }}
        >
          <label>
            File name <input value={name} onChange={(e) => setName(e.target.value)} data-testid="save-name" autoFocus />
          </label>
          <button type="submit" className="primary" data-testid="save-confirm">
            Save
          </button>
        </form>
      )}
      {problem && <p className="modal__problem">{problem}</p>}
    </Modal>
  );
}

export function FileProblemsDialog(props: { name: string; diagnostics: Diagnostic[]; onClose(): void }) {
  return (
    <Modal title={`Could not open ${props.name}`} onClose={props.onClose} wide testId="file-problems">
      <p>Nothing in the file could be read as a graph, so the current document stays as it was.</p>
      <ul className="problems">
        {props.diagnostics.map((d, i) => (
          <li key={i} className={`problems__item problems__item--${d.severity}`}>
            <span className="problems__message">{d.message}</span>
            <span className="problems__where">
              {d.path} <code>{d.code}</code>
            </span>
          </li>
        ))}
      </ul>
      <div className="modal__buttons">
        <button type="button" className="primary" onClick={props.onClose}>
          Close
        </button>
      </div>
    </Modal>
  );
}

export type ExportTarget = 'typescript' | 'pytorch';
export interface ExportChoice {
  target: ExportTarget;
  /** A folder in the workspace (hosts without native dialogs); null: the host asks. */
  folder: string | null;
}
export interface Exported {
  target: ExportTarget;
  folder: string;
  files: string[];
  notes: string[];
}

const EXPORT_TARGETS: { value: ExportTarget; label: string; doc: string }[] = [
  {
    value: 'typescript',
    label: 'TypeScript project',
    doc: 'train.ts with the data, energy, sampler, objective, optimizer and loop as plain code, the nodes’ code beside it; it writes the same run folder as the app, with the same metrics bit for bit.',
  },
  { value: 'pytorch', label: 'PyTorch script', doc: 'train.py in plain PyTorch for the built-in node types (custom code cannot be carried; the export says so).' },
];

/** Where the exported project's one command is, by target (each project's README says the same). */
const RUN_COMMAND: Record<ExportTarget, string> = { typescript: 'npm install && npm start', pytorch: 'python3 train.py' };

export function ExportDialog(props: { needsFolder: boolean; suggestedName: string; onChoose(choice: ExportChoice): void; onClose(): void }) {
  const [target, setTarget] = useState<ExportTarget>('typescript');
  const [folder, setFolder] = useState(`exports/${props.suggestedName}-typescript`);
  const [edited, setEdited] = useState(false);
  const pick = (t: ExportTarget) => {
    setTarget(t);
    if (!edited) setFolder(`exports/${props.suggestedName}-${t}`);
  };
  const folderOk = !props.needsFolder || folder.trim() !== '';
  return (
    <Modal title="Export" onClose={props.onClose} testId="export-dialog">
      <fieldset className="export-targets">
        <legend>Export the experiment as</legend>
        {EXPORT_TARGETS.map((t) => (
          <label key={t.value} className="export-target">
            <input type="radio" name="export-target" value={t.value} checked={target === t.value} onChange={() => pick(t.value)} data-testid={`export-${t.value}`} />
            <span>
              <b>{t.label}</b>
              <br />
              <small>{t.doc}</small>
            </span>
          </label>
        ))}
      </fieldset>
      {props.needsFolder && (
        <label className="export-folder">
          New folder in the workspace
          <input
            type="text"
            value={folder}
            onChange={(e) => {
              setEdited(true);
              setFolder(e.target.value);
            }}
            data-testid="export-folder"
          />
        </label>
      )}
      <div className="modal__buttons">
        <button type="button" onClick={props.onClose}>
          Cancel
        </button>
        <button type="button" className="primary" disabled={!folderOk} onClick={() => props.onChoose({ target, folder: props.needsFolder ? folder.trim() : null })} data-testid="export-go">
          {props.needsFolder ? 'Export' : 'Export…'}
        </button>
      </div>
    </Modal>
  );
}

export function ExportedDialog(props: { exported: Exported; onClose(): void }) {
  const { exported } = props;
  return (
    <Modal title="Exported" onClose={props.onClose} wide testId="exported-dialog">
      <p>
        {exported.files.length} files in <code>{exported.folder}</code>. Run it there with <code>{RUN_COMMAND[exported.target]}</code> (its README says more).
      </p>
      {exported.notes.length > 0 && (
        <>
          <p>Good to know:</p>
          <ul className="export-notes" data-testid="export-notes">
            {exported.notes.map((n, i) => (
              <li key={i}>{n}</li>
            ))}
          </ul>
        </>
      )}
      <div className="modal__buttons">
        <button type="button" className="primary" onClick={props.onClose}>
          Close
        </button>
      </div>
    </Modal>
  );
}
