// The restricted state's banner: the graph's custom code was written elsewhere, so it does not
// run until the user has read it and trusts it (code-store.ts).
import { useCode, useEditorContext } from '../context.ts';

export function TrustBanner() {
  const { code, store } = useEditorContext();
  const read = (nodeId: string) => {
    store.getState().select([nodeId]);
    code.getState().openCode(nodeId);
  };
  const restriction = useCode((s) => s.restriction);
  if (!restriction) return null;
  return (
    <div className="trust-banner" role="alert" data-testid="trust-banner" title={restriction.message}>
      <span className="trust-banner__icon" aria-hidden="true">
        ⚠
      </span>
      <span className="trust-banner__text">
        This graph has custom code that was not written on this machine: read it before you trust it. It can be read and edited; it runs only once you trust it.
        {restriction.nodes.length > 0 && (
          <span className="trust-banner__nodes">
            {' '}
            Read the code of{' '}
            {restriction.nodes.map((n, i) => (
              <span key={n.nodeId}>
                {i > 0 && ', '}
                <button type="button" className="trust-banner__node" onClick={() => read(n.nodeId)} data-testid={`trust-read-${n.nodeId}`}>
                  {n.name}
                </button>
              </span>
            ))}
            .
          </span>
        )}
      </span>
      <button type="button" className="trust-banner__trust" onClick={() => void code.getState().trust()} data-testid="trust-code">
        Trust and allow runs
      </button>
    </div>
  );
}
