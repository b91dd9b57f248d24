// The preload (sandboxed, bundled to dist/electron/preload.cjs): puts exactly the HostBridge on
// window.ebmStudio and nothing else. ipcRenderer itself never reaches the page.
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './bridge.ts';

const api = createBridge(
  (channel, method, args) => ipcRenderer.invoke(channel, method, args),
  (channel, handler) => {
    ipcRenderer.on(channel, handler);
    return () => {
      ipcRenderer.removeListener(channel, handler);
    };
  },
);

contextBridge.exposeInMainWorld('ebmStudio', api);
