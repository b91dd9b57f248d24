// The names of the host calls, alone: the Electron preload builds its bridge from this list
// without loading the schemas (contract.ts checks that both lists agree).
export const HOST_METHOD_NAMES = [
  'info',
  'newDocument',
  'listFiles',
  'open',
  'save',
  'saveAs',
  'recentFiles',
  'listExamples',
  'openExample',
  'validate',
  'run',
  'cancel',
  'listRuns',
  'openRun',
  'setDocumentState',
  'checkCustomCode',
  'codeTrust',
  'trustCode',
  'exportProject',
] as const;
export type HostMethodName = (typeof HOST_METHOD_NAMES)[number];

/** Channels the host pushes on (Electron IPC channel names; `kind` of a web push). */
export const HOST_PUSH_CHANNEL = 'ebm-studio:push';
export const HOST_CALL_CHANNEL = 'ebm-studio:call';
