import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@xyflow/react/dist/style.css';
import 'uplot/dist/uPlot.min.css';
import './ui/theme.css';
import { App } from './App.tsx';
import { connectHost } from './host/index.ts';

const root = createRoot(document.getElementById('root')!);
connectHost().then(
  (host) =>
    root.render(
      <StrictMode>
        <App host={host} />
      </StrictMode>,
    ),
  (e: unknown) =>
    root.render(
      <div className="fatal" role="alert">
        <h1>EBM Studio could not reach its host</h1>
        <p>{e instanceof Error ? e.message : String(e)}</p>
        <p>Start it with <code>npm start</code> (or <code>npm run web</code>) and open the address it prints, with its token.</p>
      </div>,
    ),
);
