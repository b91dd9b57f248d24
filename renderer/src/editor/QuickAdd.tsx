// The node picker that opens where the user double-clicked the canvas or dropped a wire on empty
// canvas: type to filter, arrows to move, Enter to add.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { AnyNodeDef } from '../../../nodes/define.ts';
import { CATEGORY_COLORS, CATEGORY_TITLES } from './categories.ts';
import { matchesSearch } from './Palette.tsx';

export interface QuickAddOption {
  def: AnyNodeDef;
  /** The port the dragged wire will attach to. */
  port?: string;
}

export function QuickAdd(props: {
  screen: { x: number; y: number };
  options: QuickAddOption[];
  heading: string;
  onPick(option: QuickAddOption): void;
  onClose(): void;
}) {
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const shown = useMemo(() => props.options.filter((o) => matchesSearch(o.def, query)), [props.options, query]);
  useEffect(() => input.current?.focus(), []);
  useEffect(() => setActive(0), [query]);

  return (
    <div className="quick-add" style={{ left: props.screen.x, top: props.screen.y }} role="dialog" aria-label={props.heading} data-testid="quick-add">
      <div className="quick-add__heading">{props.heading}</div>
      <input
        ref={input}
        className="quick-add__search"
        placeholder="Search node types…"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') props.onClose();
          else if (e.key === 'ArrowDown') setActive((a) => Math.min(a + 1, shown.length - 1));
          else if (e.key === 'ArrowUp') setActive((a) => Math.max(a - 1, 0));
          else if (e.key === 'Enter' && shown[active]) props.onPick(shown[active]);
          else return;
          e.preventDefault();
        }}
        onBlur={(e) => {
          if (!e.currentTarget.parentElement?.contains(e.relatedTarget as Node | null)) props.onClose();
        }}
      />
      <ul className="quick-add__list" role="listbox">
        {shown.length === 0 && <li className="quick-add__empty">No node type fits</li>}
        {shown.map((o, i) => (
          <li key={`${o.def.type}:${o.port ?? ''}`} role="option" aria-selected={i === active}>
            <button
              type="button"
              className={`quick-add__item${i === active ? ' quick-add__item--active' : ''}`}
              onMouseEnter={() => setActive(i)}
              onClick={() => props.onPick(o)}
              title={o.def.doc}
            >
              <span className="quick-add__dot" style={{ background: CATEGORY_COLORS[o.def.category] }} />
              <span className="quick-add__title">{o.def.title}</span>
              <span className="quick-add__category">{CATEGORY_TITLES[o.def.category]}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
