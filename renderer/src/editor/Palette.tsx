// Every node type by category, with search. Drag one onto the canvas, or click to add it at the
// centre of the view.
import { useMemo, useState } from 'react';
import { CATEGORIES, type AnyNodeDef } from '../../../nodes/define.ts';
import { useEditorContext } from './context.ts';
import { CATEGORY_COLORS, CATEGORY_TITLES } from './categories.ts';

export const NODE_TYPE_MIME = 'application/x-ebm-node-type';

export function matchesSearch(def: AnyNodeDef, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const text = `${def.title} ${def.type} ${def.category} ${def.doc}`.toLowerCase();
  return words.every((w) => text.includes(w));
}

export function Palette({ onAdd }: { onAdd(def: AnyNodeDef): void }) {
  const { catalog } = useEditorContext();
  const [query, setQuery] = useState('');
  const groups = useMemo(
    () => CATEGORIES.map((c) => ({ category: c, defs: catalog.byCategory(c).filter((d) => matchesSearch(d, query)) })).filter((g) => g.defs.length > 0),
    [catalog, query],
  );
  return (
    <aside className="palette" aria-label="Node palette" data-testid="palette">
      <input className="palette__search" type="search" placeholder="Search nodes…" value={query} onChange={(e) => setQuery(e.target.value)} aria-label="Search nodes" />
      <div className="palette__groups">
        {groups.length === 0 && <p className="palette__empty">No node type matches “{query}”.</p>}
        {groups.map((g) => (
          <section key={g.category} className="palette__group">
            <h3 className="palette__category" style={{ color: CATEGORY_COLORS[g.category] }}>
              {CATEGORY_TITLES[g.category]}
            </h3>
            {g.defs.map((def) => (
              <button
                key={def.type}
                type="button"
                className="palette__item"
                draggable
                data-testid={`palette-${def.type}`}
                title={`${def.doc}${def.reference ? `\n\n${def.reference}` : ''}\n\nDrag onto the canvas, or click to add.`}
                onDragStart={(e) => {
                  e.dataTransfer.setData(NODE_TYPE_MIME, def.type);
                  e.dataTransfer.effectAllowed = 'copy';
                }}
                onClick={() => onAdd(def)}
              >
                <span className="palette__dot" style={{ background: CATEGORY_COLORS[def.category] }} />
                {def.title}
              </button>
            ))}
          </section>
        ))}
      </div>
    </aside>
  );
}
