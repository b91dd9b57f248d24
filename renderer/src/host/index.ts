// The renderer reaches its host only through HostApi: Electron's preload puts a HostBridge on
// window.ebmStudio (calls resolve with envelopes), which electron-host.ts unwraps; in a browser,
// the web host serves it over a WebSocket.
import type { HostApi } from '../../../app/api/contract.ts';
import type { HostBridge } from '../../../app/api/envelope.ts';
import { hostFromBridge } from './electron-host.ts';
import { connectWebHost } from './web-host.ts';

declare global {
  interface Window {
    /** Set by the Electron preload: exactly the HostBridge, nothing else. */
    ebmStudio?: HostBridge;
  }
}

export async function connectHost(): Promise<HostApi> {
  if (window.ebmStudio) return hostFromBridge(window.ebmStudio);
  return connectWebHost(window.location);
}
